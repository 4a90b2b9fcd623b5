//! The print edition, `print.html`: the whole book on one page, every note
//! in order with its endnotes, ids unique, every link inside the page.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

use briefbook::site::{BuildOptions, Project, Silent, Site};

use crate::support::{Built, Page, TestBook, copy_dir, get, start_serve, text_of};

/// The id a `#fragment` points at: percent-decoded, as browsers do.
fn target(href: &str) -> Option<String> {
    let fragment = href.strip_prefix('#')?;
    Some(
        percent_encoding::percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// The notes' pages in reading order, from the index's table of contents.
fn note_pages(built: &Built) -> Vec<String> {
    built
        .page("index.html")
        .attrs("nav.toc ol.toc-list a", "href")
        .into_iter()
        .map(|href| {
            percent_encoding::percent_decode_str(&href)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// Checks what every print edition must be: ids unique, every `#` link
/// resolving, no link to another page of the site, every note in order
/// with its footnotes as endnotes numbered as on its page.
fn check_print_edition(built: &Built) -> Page {
    let print = built.page("print.html");

    let mut ids = HashSet::new();
    for id in print.attrs("[id]", "id") {
        assert!(ids.insert(id.clone()), "the id `{id}` is used twice");
    }
    for href in print.attrs("[href]", "href") {
        if let Some(id) = target(&href) {
            assert!(ids.contains(&id), "`{href}` points at no id on the page");
        } else {
            let external = ["http://", "https://", "mailto:"]
                .iter()
                .any(|s| href.starts_with(s));
            let asset = href.ends_with(".css");
            assert!(
                external || asset,
                "`{href}` leaves the page for another page of the site"
            );
        }
    }

    let pages = note_pages(built);
    let articles = print.select("article.print-note");
    assert_eq!(articles.len(), pages.len(), "one article per note");
    let toc: Vec<String> = print.attrs("nav.print-toc ol.toc-list a", "href");
    for (i, (page, article)) in pages.iter().zip(&articles).enumerate() {
        let note = built.page(page);
        let id = article.value().attr("id").unwrap();
        assert_eq!(toc[i], format!("#{id}"), "the contents link to {page}");
        // The same title, the same text.
        let h1 = |e: scraper::ElementRef<'_>| {
            e.select(&scraper::Selector::parse("h1").unwrap())
                .next()
                .map(|h| text_of(&h))
        };
        assert_eq!(h1(*article), h1(note.one("main")), "{page}: the title");
        // Its footnotes follow it, numbered as on its page, with the same text.
        let endnotes = scraper::Selector::parse("section.print-endnotes li.footnote").unwrap();
        let printed: Vec<(String, String)> = article
            .select(&endnotes)
            .map(|li| (li.value().attr("value").unwrap().to_string(), text_of(&li)))
            .collect();
        let on_page: Vec<(String, String)> = note
            .select("section.footnotes li.footnote")
            .iter()
            .map(|li| (li.value().attr("value").unwrap().to_string(), text_of(li)))
            .collect();
        assert_eq!(printed, on_page, "{page}: the endnotes");
        for (k, (number, _)) in printed.iter().enumerate() {
            assert_eq!(number, &(k + 1).to_string(), "{page}: numbered from 1");
        }
        // Markers point at the note's own endnotes.
        let markers = scraper::Selector::parse(".fn-ref a").unwrap();
        for marker in article.select(&markers) {
            let href = marker.value().attr("href").unwrap();
            assert!(
                href.starts_with(&format!("#{id}--fn-")),
                "{page}: a marker points at `{href}`"
            );
        }
    }
    print
}

#[test]
fn the_fixture_books_print_whole() {
    for fixture in ["basic", "edge"] {
        let built = TestBook::fixture(fixture).built();
        check_print_edition(&built);
    }
}

#[test]
fn the_project_book_prints_whole() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let book = TestBook::new();
    for folder in ["content", "seeds"] {
        copy_dir(&repository.join(folder), &book.root().join(folder));
    }
    let built = book.built();
    let print = check_print_edition(&built);
    // Reference parts follow the notes: chronology, glossary, sources.
    let parts = print.attrs("section.print-part > h1", "id");
    assert_eq!(parts, ["chronology", "glossary", "sources"]);
}

fn book() -> TestBook {
    TestBook::new()
        .with_nyt()
        .file(
            "content/index.md",
            "# The book\n\nStart with [a](a.md#key) [@nyt#p1].\n",
        )
        .file(
            "content/a.md",
            "+++\ntitle = \"A\"\ndate = \"2025-12\"\ntags = [\"t\"]\n+++\n\n## Key {#key}\n\nThe [[Buffer zone]][@nyt#zone], see [b](sub/b.md).[^n]\n\n[^n]: A note on [the event](chronology.md#talks).\n",
        )
        .file(
            "content/sub/b.md",
            "# B\n\n## Key {#key}\n\nBack to [a's key](../a.md#key), [here](#key), [the glossary](../glossary.md#buffer-zone) and [the start](../index.md).\n\n![A map](../img/map.png)\n\n<span id=\"raw\">raw</span> <a href=\"#raw\">to raw</a>\n",
        )
        // The parts of the page keep their ids: these notes get others.
        .file("content/sources.md", "# Sources note\n\nText.\n")
        .file("content/contents.md", "# Contents note\n\nText.\n")
        .file("static/img/map.png", "not really a PNG")
        .file(
            "content/glossary.toml",
            "[[term]]\nname = \"Buffer zone\"\ndefinition = \"A zone [@nyt#p2]; see [a](a.md).\"\n",
        )
        .file(
            "content/chronology.toml",
            "[[event]]\nid = \"talks\"\ndate = \"2025-12\"\ntitle = \"Talks\"\nbody = \"Talks [@nyt#p3].\"\n",
        )
}

#[test]
fn links_go_to_their_place_on_the_page() {
    let built = book().built();
    let print = check_print_edition(&built);
    let hrefs = |selector: &str| print.attrs(selector, "href");
    assert_eq!(
        print.attrs("article.print-note", "id"),
        ["a", "contents-2", "sources-2", "sub-b"]
    );
    // Another note's heading, a heading of the same note, a term, the start.
    assert_eq!(
        hrefs("#sub-b p a"),
        [
            "#a--key",
            "#sub-b--key",
            "#glossary--buffer-zone",
            "#introduction",
            "#sub-b--raw"
        ]
    );
    assert_eq!(print.attrs("#sub-b span", "id"), ["sub-b--raw"]);
    // Resources are rebased to the root, where print.html is.
    assert_eq!(print.attrs("#sub-b img", "src"), ["img/map.png"]);
    // A term, a paragraph of a source (its entry: the text is not printed),
    // an event from a footnote, a note.
    assert_eq!(hrefs("#a a.term"), ["#glossary--buffer-zone"]);
    assert_eq!(hrefs("#a a.cite-loc"), ["#sources--nyt"]);
    assert_eq!(hrefs("#a--fn-2 a"), ["#chronology--talks", "#a--fnref-2"]);
    assert_eq!(hrefs("#introduction p a")[0], "#a--key");
    // The glossary and chronology, with their own endnotes and mentions.
    assert_eq!(
        hrefs("#glossary--buffer-zone dd p a")[..2],
        ["#glossary--fn-1", "#a"]
    );
    assert!(
        print
            .one("#glossary--fn-1")
            .html()
            .contains("#sources--nyt")
    );
    assert_eq!(hrefs("#chronology--talks .mentions a"), ["#a"]);
    assert_eq!(hrefs("#glossary--buffer-zone .mentions a"), ["#a"]);
    // Previews are for the site's script, which the page has not.
    assert!(!print.text.contains("data-preview"));
    assert!(print.select("script").is_empty());
    // The meta line and the section of a note in a folder.
    assert_eq!(text_of(&print.one("#a .note-meta")), "December 2025 t");
    assert_eq!(text_of(&print.one("#sub-b .print-kicker")), "Sub");
    // The list of sources.
    assert!(text_of(&print.one("#sources--nyt")).contains("Talks, New York Times"));
}

#[test]
fn the_print_edition_can_be_turned_off() {
    let built = book().file("content/book.toml", "print = false\n").built();
    assert!(!built.out.join("print.html").exists());
    let index = built.page("index.html");
    assert!(!index.text.contains("print.html"));
}

#[test]
fn the_index_links_to_the_print_edition() {
    let built = book().built();
    let index = built.page("index.html");
    assert_eq!(index.attrs("a[href=\"print.html\"]", "href").len(), 1);
}

#[test]
fn serve_makes_the_same_page_as_build_on_request() {
    let book = TestBook::fixture("edge");
    let built = book.build_ok();
    let expected = std::fs::read(built.out.join("print.html")).unwrap();
    let mut project = Project::load(BuildOptions {
        root: book.root().to_path_buf(),
        output: None,
        drafts: false,
    });
    let site = Mutex::new(Site::default());
    let render = project.render(&site, false, &Silent);
    assert!(!render.diagnostics.has_errors());
    // A render does not make it: the whole book is not made on every edit.
    assert!(!render.all_paths.iter().any(|p| p == "print.html"));
    assert!(project.render_print(&site).unwrap());
    let made = site.lock().unwrap().files["print.html"].clone();
    assert!(
        made == expected,
        "serve's print edition differs from build's"
    );
}

#[test]
fn serve_makes_the_print_edition_when_asked_and_again_after_an_edit() {
    let book = TestBook::fixture("basic");
    let root = book.root().to_path_buf();
    let (server, port, _said) = start_serve(&root, &[], None);

    let (status, page) = get(port, "/print.html");
    assert_eq!(status, 200);
    assert!(page.contains("<article class=\"print-note\" id=\"analysis-detail\">"));
    assert!(
        page.contains("/__briefbook/poll"),
        "it reloads like every page"
    );

    let note = root.join("content/analysis/detail.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replace("Back to", "Back again to")).unwrap();
    let (_, poll) = get(port, "/__briefbook/poll?since=1");
    assert!(poll.contains("\"error\":null"), "{poll}");
    let (status, page) = get(port, "/print.html");
    assert_eq!(status, 200);
    assert!(page.contains("Back again to"), "made again after the edit");
    drop(server);
}

#[test]
fn a_broken_print_template_fails_build_and_check_alike() {
    let book = book().file("templates/print.html", "{{ nothing.here }}");
    let errors = book.errors();
    assert!(errors.contains("template `print.html` failed"), "{errors}");
    let checked = briefbook::check(&BuildOptions {
        root: book.root().to_path_buf(),
        output: None,
        drafts: false,
    });
    assert!(checked.diagnostics.has_errors());
    assert!(!book.root().join("output").exists());
}

#[test]
fn a_theme_without_a_print_template_has_no_print_edition() {
    let mut book = TestBook::new()
        .with_nyt()
        .file("content/book.toml", "theme = \"plain\"\n");
    for template in [
        "index.html",
        "note.html",
        "source.html",
        "sources.html",
        "glossary.html",
        "chronology.html",
        "404.html",
    ] {
        book = book.file(
            &format!("themes/plain/templates/{template}"),
            "<!DOCTYPE html><title>x</title><p>x</p>",
        );
    }
    let built = book
        .file("content/a.md", "# A\n\nText [@nyt#p1].\n")
        .built();
    assert!(built.out.join("a.html").exists());
    assert!(!built.out.join("print.html").exists());
}

#[test]
fn a_print_template_that_shows_above_the_notes_what_the_notes_tell_is_right() {
    // The page's opening is written before the notes are rendered; a
    // template that puts, above the notes, something only the notes tell
    // (how often each source is cited, which notes mention a term) must
    // still come out right, with every article once and in order.
    let built = book()
        .file(
            "templates/print.html",
            "<!DOCTYPE html>\n<html lang=\"en\"><head><title>P</title></head><body>\n\
             <p class=\"counts\">{% for s in sources %}{{ s.id }}={{ s.citation_count }};{% endfor %}</p>\n\
             <p class=\"mentions\">{% for l in letters %}{% for t in l.terms %}{{ t.mentions | safe }};{% endfor %}{% endfor %}</p>\n\
             {{ notes | safe }}\n<p class=\"end\">end</p>\n</body></html>\n",
        )
        .built();
    let print = built.page("print.html");
    assert_eq!(print.texts("p.counts"), ["nyt=4;"]);
    assert_eq!(print.texts("p.mentions"), ["A;"]);
    assert_eq!(
        print.attrs("article.print-note", "id"),
        ["a", "contents-2", "sources-2", "sub-b"],
        "every article once, in order"
    );
    assert_eq!(print.texts("p.end"), ["end"]);
    let html = std::fs::read_to_string(built.out.join("print.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\"><head><title>P</title>"));
    assert!(html.ends_with("<p class=\"end\">end</p>\n</body></html>\n"));
}
