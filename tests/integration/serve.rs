//! `new`, incremental rebuilds and `serve`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use briefbook::site::{Project, Silent, Site};

use crate::support::{TestBook, get, options, start_serve};

fn full_render(root: &std::path::Path) -> Site {
    let (outcome, site) = briefbook::render_book(&options(root));
    assert!(
        !outcome.diagnostics.has_errors(),
        "{}",
        outcome.diagnostics.render(&outcome.files)
    );
    site.unwrap()
}

/// Renders what changed into `site` and returns the pages written (the
/// search index's files aside: any change of text changes some of them;
/// that they are right is checked by comparing with a full render).
fn rerender(project: &mut Project, site: &Mutex<Site>, changed: &[PathBuf]) -> Vec<String> {
    let mut written = rerender_all(project, site, changed);
    written.retain(|p| !p.starts_with("search/"));
    written
}

/// Renders what changed into `site` and returns every path written.
fn rerender_all(project: &mut Project, site: &Mutex<Site>, changed: &[PathBuf]) -> Vec<String> {
    project.reload(changed);
    let render = project.render(site, true, &Silent);
    assert!(
        !render.diagnostics.has_errors(),
        "{}",
        render.diagnostics.render(project.files())
    );
    let mut site = site.lock().unwrap();
    site.files.retain(|path, _| render.all_paths.contains(path));
    let mut written = render.written;
    written.sort();
    written
}

/// A fixture book, loaded and rendered once without errors, as `serve`
/// does first.
fn rendered(fixture: &str) -> (TestBook, Project, Mutex<Site>) {
    let book = TestBook::fixture(fixture);
    let mut project = Project::load(options(book.root()));
    let site = Mutex::new(Site::default());
    let render = project.render(&site, true, &Silent);
    assert!(
        !render.diagnostics.has_errors(),
        "{}",
        render.diagnostics.render(project.files())
    );
    (book, project, site)
}

/// The errors of a render after `changed` were edited, as the reader sees them.
fn errors_after(project: &mut Project, site: &Mutex<Site>, changed: &[PathBuf]) -> String {
    project.reload(changed);
    let render = project.render(site, true, &Silent);
    render.diagnostics.render(project.files())
}

#[test]
fn a_rebuild_checks_again_the_links_into_a_page_whose_headings_changed() {
    let (book, mut project, site) = rendered("basic");
    let root = book.root().to_path_buf();

    // overview.md links to `analysis/detail.md#details`, and detail.md to
    // `../overview.md#key-points`: only the page linked to is edited.
    let detail = root.join("content/analysis/detail.md");
    let text = std::fs::read_to_string(&detail).unwrap();
    std::fs::write(&detail, text.replace("{#details}", "{#particulars}")).unwrap();
    let errors = errors_after(&mut project, &site, std::slice::from_ref(&detail));
    assert!(
        errors.contains("`analysis/detail.md` has no heading with the id `details`"),
        "{errors}"
    );
    assert!(errors.contains("overview.md"), "{errors}");

    // Put back: the error goes, though overview.md was not rendered again.
    std::fs::write(&detail, &text).unwrap();
    let errors = errors_after(&mut project, &site, std::slice::from_ref(&detail));
    assert!(!errors.contains("no heading"), "{errors}");

    // A page that goes breaks the links into it; a page that comes mends them.
    let overview = root.join("content/overview.md");
    let moved = root.join("content/moved.md");
    std::fs::rename(&overview, &moved).unwrap();
    let errors = errors_after(&mut project, &site, &[overview.clone(), moved.clone()]);
    assert!(
        errors.contains("link to a missing note `overview.md`"),
        "{errors}"
    );
    std::fs::rename(&moved, &overview).unwrap();
    let errors = errors_after(&mut project, &site, &[overview, moved]);
    assert!(!errors.contains("missing note"), "{errors}");
}

#[test]
fn incremental_rebuilds_render_only_what_changed_and_match_a_full_build() {
    let book = TestBook::fixture("basic");
    let root = book.root().to_path_buf();
    let mut project = Project::load(options(&root));
    let site = Mutex::new(Site::default());
    let first = project.render(&site, true, &Silent);
    assert!(first.written.len() > 10);

    // Nothing changed: nothing is rendered.
    assert!(rerender_all(&mut project, &site, &[]).is_empty());

    // A note's text: that note only (its citations are the same).
    let detail = root.join("content/analysis/detail.md");
    let text = std::fs::read_to_string(&detail).unwrap();
    std::fs::write(&detail, text.replace("Back to", "Back again to")).unwrap();
    assert_eq!(
        rerender(&mut project, &site, std::slice::from_ref(&detail)),
        ["analysis/detail.html"]
    );
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);

    // A new citation: the note and the source pages.
    std::fs::write(&detail, format!("{text}\nMore [@ynet#p2].\n")).unwrap();
    assert_eq!(
        rerender(&mut project, &site, std::slice::from_ref(&detail)),
        [
            "analysis/detail.html",
            "sources/index.html",
            "sources/ynet.html"
        ]
    );
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);

    // A title: the note, its neighbour's pager, the index, the source pages
    // whose backlinks show the title.
    std::fs::write(
        &detail,
        text.replace("title = \"Detail\"", "title = \"Details\""),
    )
    .unwrap();
    let written = rerender(&mut project, &site, std::slice::from_ref(&detail));
    for page in [
        "analysis/detail.html",
        "overview.html",
        "index.html",
        "sources/nyt.html",
    ] {
        assert!(written.contains(&page.to_string()), "{page} in {written:?}");
    }
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);

    // A source: every quotation into it is checked again.
    let nyt = root.join("seeds/nyt.md");
    let source = std::fs::read_to_string(&nyt).unwrap();
    std::fs::write(
        &nyt,
        source.replace("held in Paris on\nTuesday", "held in London on\nTuesday"),
    )
    .unwrap();
    project.reload(std::slice::from_ref(&nyt));
    let render = project.render(&site, true, &Silent);
    let errors = render.diagnostics.render(project.files());
    assert!(errors.contains("quotation not found in `nyt`"), "{errors}");
    std::fs::write(&nyt, &source).unwrap();
    rerender(&mut project, &site, &[nyt]);
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);

    // A source added that sorts first: the renderings kept hold citations
    // by source index, which it shifts (this used to panic).
    let first = root.join("seeds/aaa.txt");
    std::fs::write(&first, "An earlier article\n\nIts only paragraph.\n").unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&first));
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);
    std::fs::remove_file(&first).unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&first));
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);

    // A new note and a deleted note.
    let extra = root.join("content/extra.md");
    std::fs::write(&extra, "# Extra\n\nCites [@nyt#p4].\n").unwrap();
    let written = rerender(&mut project, &site, std::slice::from_ref(&extra));
    assert!(written.contains(&"extra.html".to_string()), "{written:?}");
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);
    std::fs::remove_file(&extra).unwrap();
    rerender(&mut project, &site, &[extra]);
    assert!(!site.lock().unwrap().files.contains_key("extra.html"));
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);

    // The glossary.
    let glossary = root.join("content/glossary.toml");
    std::fs::write(
        &glossary,
        "[[term]]\nname = \"Buffer zone\"\ndefinition = \"A zone.\"\n",
    )
    .unwrap();
    let written = rerender(&mut project, &site, &[glossary]);
    assert!(
        written.contains(&"glossary.html".to_string()),
        "{written:?}"
    );
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);
}

/// Under `serve` a note's rendering is kept without its page once the page
/// is made: a theme edit, which makes every page again, renders every note
/// again, as a full build does.
#[test]
fn a_theme_edit_makes_every_note_page_again_as_a_full_build() {
    let (book, mut project, site) = rendered("basic");
    let root = book.root().to_path_buf();
    let default = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/note.html"),
    )
    .unwrap();
    let templates = root.join("themes/default/templates");
    std::fs::create_dir_all(&templates).unwrap();
    let template = templates.join("note.html");
    std::fs::write(
        &template,
        default.replace(
            "<article class=\"note\">",
            "<article class=\"note edited\">",
        ),
    )
    .unwrap();
    let written = rerender(&mut project, &site, std::slice::from_ref(&template));
    for page in ["overview.html", "analysis/detail.html"] {
        assert!(written.contains(&page.to_string()), "{page} in {written:?}");
        let html = String::from_utf8(site.lock().unwrap().files[page].clone()).unwrap();
        assert!(html.contains("<article class=\"note edited\">"), "{page}");
    }
    assert_eq!(site.lock().unwrap().files, full_render(&root).files);
}

#[test]
fn edits_to_a_notes_references_update_backlinks_mentions_and_events_as_a_full_build() {
    // Each edit changes only the note's rendering, so the render updates
    // the cross-references by that note and fingerprints only the pages it
    // can affect: the result must still be a full build's.
    let (book, mut project, site) = rendered("edge");
    let root = book.root().to_path_buf();
    let rtl = root.join("content/rtl.md");
    let text = std::fs::read_to_string(&rtl).unwrap();
    let edits = [
        // A term mentioned, and an event linked: the glossary's and the
        // chronology's mentions.
        (
            text.clone()
                + "\nSee [[Golan Heights]] and [the day](chronology.md#2025-12-08-a-day).\n",
            vec!["chronology.html", "glossary.html", "rtl.html"],
        ),
        // Another source cited, one citation dropped: both source pages.
        (
            text.replace(" and a Hebrew one [@rtl#p2 \"השיחות\"]", " [@hostile]"),
            vec![
                "chronology.html",
                "glossary.html",
                "rtl.html",
                "sources/hostile.html",
                "sources/index.html",
                "sources/rtl.html",
            ],
        ),
        // Back as it was.
        (
            text.clone(),
            vec![
                "rtl.html",
                "sources/hostile.html",
                "sources/index.html",
                "sources/rtl.html",
            ],
        ),
    ];
    for (edited, pages) in edits {
        std::fs::write(&rtl, &edited).unwrap();
        let written = rerender(&mut project, &site, std::slice::from_ref(&rtl));
        assert_eq!(written, pages, "after writing:\n{edited}");
        assert_eq!(site.lock().unwrap().files, full_render(&root).files);
    }
}

#[test]
fn the_editors_report_follows_incremental_rebuilds() {
    // `report = true`: a rebuild analyses again only the notes that
    // changed, and must still give the report a full build gives.
    let book = TestBook::fixture("basic");
    let root = book.root().to_path_buf();
    let config = root.join("content/book.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{settings}report = true\n")).unwrap();
    let mut project = Project::load(options(&root));
    let site = Mutex::new(Site::default());
    let first = project.render(&site, true, &Silent);
    assert!(first.written.contains(&"report.html".to_string()));
    let report = || String::from_utf8(site.lock().unwrap().files["report.html"].clone()).unwrap();
    // Writes `text` into `path` (or deletes it), renders what changed,
    // checks the site against a full build and says whether `report.html`
    // was written again.
    let mut edit = |path: &Path, text: Option<&str>| {
        match text {
            Some(text) => std::fs::write(path, text).unwrap(),
            None => std::fs::remove_file(path).unwrap(),
        }
        let written = rerender(&mut project, &site, &[path.to_path_buf()]);
        assert_eq!(site.lock().unwrap().files, full_render(&root).files);
        written.contains(&"report.html".to_string())
    };

    // Words that change nothing the report shows: no new report.
    let detail = root.join("content/analysis/detail.md");
    let text = std::fs::read_to_string(&detail).unwrap();
    assert!(!edit(
        &detail,
        Some(&text.replace("Script text", "Script words"))
    ));

    // A paragraph that cites nothing: listed.
    let uncited = format!("{text}\nThe envoys met again in the spring of that year.\n");
    assert!(edit(&detail, Some(&uncited)));
    assert!(report().contains("The envoys met again"));

    // A citation of a source no note cited: no longer uncited.
    assert!(report().contains("sources/ynet.html"));
    let cited = format!("{text}\nThe envoys met again in the spring [@ynet#p2].\n");
    edit(&detail, Some(&cited));
    assert!(!report().contains("The envoys met again"));

    // A new source, first by id: the notes' findings hold source indexes,
    // which it shifts.
    let first_source = root.join("seeds/aaa.txt");
    let article = "An earlier article\n\nThe intelligence chief, Hussein Salameh, attended.\n";
    edit(&first_source, Some(article));
    assert!(report().contains("sources/aaa.html"));

    // A glossary whose name the new source spells otherwise.
    let glossary = "[[term]]\nname = \"Hussein al-Salama\"\ndefinition = \"An official.\"\n";
    edit(&root.join("content/glossary.toml"), Some(glossary));
    assert!(report().contains("Hussein Salameh"));

    // A note added, then deleted.
    let extra = root.join("content/extra.md");
    edit(
        &extra,
        Some("# Extra\n\nThe envoys met once more that winter.\n"),
    );
    assert!(report().contains("The envoys met once more"));
    edit(&extra, None);
    assert!(!report().contains("The envoys met once more"));
}

#[test]
fn new_creates_a_book_that_builds_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("my-book");
    let status = Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .arg("new")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let (outcome, site) = briefbook::render_book(&options(&target));
    assert!(
        outcome.diagnostics.is_empty(),
        "{}",
        outcome.diagnostics.render(&outcome.files)
    );
    let site = site.unwrap();
    for page in [
        "index.html",
        "first-note.html",
        "glossary.html",
        "chronology.html",
        "sources/example.html",
    ] {
        assert!(site.files.contains_key(page), "{page}");
    }
    assert!(outcome.stats.quotations >= 1);
    // A folder that is not empty is refused.
    let again = Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .arg("new")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn serve_rebuilds_on_change_and_shows_errors_to_open_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    briefbook::scaffold::new_book(&root).unwrap();
    // Where the built site will live: `serve` serves it from `/` all the same.
    let config = root.join("content/book.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{settings}site_url = \"https://example.org/briefing/\"\n"),
    )
    .unwrap();
    let (server, port, _said) = start_serve(&root, &[], None);

    let (status, index) = get(port, "/");
    assert_eq!(status, 200);
    assert!(
        index.contains("/__briefbook/poll"),
        "pages get the reload script"
    );
    assert_eq!(get(port, "/../Cargo.toml").0, 404);
    // Any missing address gets the 404 page, whose links start from the
    // root the site is served from, not from the missing page's folder.
    let (status, missing) = get(port, "/notes/deep/missing.html");
    assert_eq!(status, 404);
    assert!(
        missing.contains("href=\"/style.css\"") && missing.contains("href=\"/index.html\""),
        "{missing}"
    );
    assert!(!root.join("output").exists(), "serve builds in memory");

    // An edit: the poll answers with a new version and the page has the text.
    let note = root.join("content/first-note.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(
        &note,
        text.replace("## What the source says", "## What the article says"),
    )
    .unwrap();
    let (_, poll) = get(port, "/__briefbook/poll?since=1");
    assert!(poll.contains("\"error\":null"), "{poll}");
    assert!(
        get(port, "/first-note.html")
            .1
            .contains("What the article says")
    );

    // An error: the poll carries the terminal's message; the page stays.
    std::fs::write(&note, format!("{text}\nBroken [@example#p9].\n")).unwrap();
    let version: u64 = poll
        .split("\"version\":")
        .nth(1)
        .and_then(|v| v.split(',').next()?.parse().ok())
        .unwrap();
    let (_, poll) = get(port, &format!("/__briefbook/poll?since={version}"));
    assert!(poll.contains("content/first-note.md:"), "{poll}");
    assert!(poll.contains("there is no p9"), "{poll}");
    assert_eq!(get(port, "/first-note.html").0, 200);
    drop(server);
}

#[test]
fn serve_open_starts_the_browser_at_the_served_book_or_says_it_could_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    briefbook::scaffold::new_book(&root).unwrap();
    // A "browser" that notes the address it is given.
    let asked = dir.path().join("asked");
    let browser = dir.path().join("browser");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}.part' && mv '{0}.part' '{0}'\n",
            asked.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&browser).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&browser, permissions).unwrap();

    let (server, port, _said) = start_serve(&root, &["--open"], Some(&browser));
    let mut waited = 0;
    while !asked.exists() && waited < 200 {
        std::thread::sleep(Duration::from_millis(50));
        waited += 1;
    }
    let url = std::fs::read_to_string(&asked).expect("the browser was started");
    assert_eq!(url, format!("http://127.0.0.1:{port}/"));
    let (status, index) = get(port, "/");
    assert_eq!(status, 200, "the book is there when the browser asks");
    assert!(index.contains("<h1"));
    drop(server);

    // Without --open, no browser.
    std::fs::remove_file(&asked).unwrap();
    let (server, port, _said) = start_serve(&root, &[], Some(&browser));
    assert_eq!(get(port, "/").0, 200);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!asked.exists(), "no --open, no browser");
    drop(server);

    // A browser that cannot be started: a warning, and the book is served.
    let missing = dir.path().join("no-such-browser");
    let (server, port, said) = start_serve(&root, &["--open"], Some(&missing));
    let warning = std::iter::from_fn(|| said.recv_timeout(Duration::from_secs(20)).ok())
        .find(|line| line.starts_with("warning:"))
        .expect("serve says why no browser opened");
    assert!(
        warning.starts_with("warning: cannot open a web browser")
            && warning.ends_with(&format!("open http://127.0.0.1:{port}/ yourself")),
        "{warning}"
    );
    assert_eq!(get(port, "/").0, 200);
    drop(server);
}
