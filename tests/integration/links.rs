//! Every internal link of every generated page resolves: the project's own
//! book and every fixture book under `tests/fixtures/` are built into
//! temporary folders, every `href` and `src` is followed to a file of the
//! site, and every `#fragment` to an element with that id on its page.
//! Links must be relative (the site works from disk and from any sub-path)
//! and never leave the site's folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use briefbook::site::BuildOptions;
use scraper::{Html, Selector};

use crate::support::snapshot_dir;

/// A parsed site: page path -> (ids on the page, links from the page).
struct Site {
    pages: BTreeMap<String, (BTreeSet<String>, Vec<String>)>,
    files: BTreeSet<String>,
}

fn read_site(dir: &Path) -> Site {
    let mut pages = BTreeMap::new();
    let mut files = BTreeSet::new();
    let with_id = Selector::parse("[id]").unwrap();
    let named = Selector::parse("a[name]").unwrap();
    let linking = Selector::parse("[href], [src]").unwrap();
    for (path, bytes) in snapshot_dir(dir) {
        let path = path.replace('\\', "/");
        files.insert(path.clone());
        if !path.ends_with(".html") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        let html = Html::parse_document(&text);
        let mut ids = BTreeSet::new();
        for e in html.select(&with_id) {
            let id = e.value().id().unwrap().to_string();
            assert!(
                ids.insert(id.clone()),
                "{path}: two elements have the id `{id}`"
            );
        }
        for e in html.select(&named) {
            ids.insert(e.value().attr("name").unwrap().to_string());
        }
        let links = html
            .select(&linking)
            .flat_map(|e| [e.value().attr("href"), e.value().attr("src")])
            .flatten()
            .map(str::to_string)
            .collect();
        pages.insert(path, (ids, links));
    }
    Site { pages, files }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Resolves `link` written on `page` to a path of the site, or explains
/// why it cannot be one.
fn resolve(page: &str, link: &str) -> Result<(String, Option<String>), String> {
    if link.starts_with("//") {
        return Err("a protocol-relative link goes to another host".into());
    }
    if link.starts_with('/') {
        return Err("an absolute path breaks the site on file:// and on sub-paths".into());
    }
    if link.contains(char::is_whitespace) {
        return Err("white space in a URL must be percent-encoded".into());
    }
    let (path, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (link, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let mut parts: Vec<String> = page.split('/').map(str::to_string).collect();
    parts.pop(); // the page's own file name
    if path.is_empty() {
        return Ok((page.to_string(), fragment));
    }
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("it leaves the site's folder".into());
                }
            }
            s => parts.push(percent_decode(s)),
        }
    }
    Ok((parts.join("/"), fragment))
}

/// Checks every internal link of the site in `dir`; returns the problems.
fn broken_links(dir: &Path) -> Vec<String> {
    let site = read_site(dir);
    assert!(
        site.pages.contains_key("index.html"),
        "{}: no index.html",
        dir.display()
    );
    let mut problems = Vec::new();
    let mut checked = 0;
    for (page, (_, links)) in &site.pages {
        for link in links {
            if briefbook::html::has_scheme(link) {
                continue;
            }
            checked += 1;
            let (target, fragment) = match resolve(page, link) {
                Ok(t) => t,
                Err(why) => {
                    problems.push(format!("{page}: `{link}`: {why}"));
                    continue;
                }
            };
            if !site.files.contains(&target) {
                problems.push(format!("{page}: `{link}`: no file {target}"));
                continue;
            }
            let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
                continue;
            };
            match site.pages.get(&target) {
                Some((ids, _)) if ids.contains(&fragment) => {}
                Some(_) => problems.push(format!(
                    "{page}: `{link}`: {target} has no element with the id `{fragment}`"
                )),
                None => problems.push(format!(
                    "{page}: `{link}`: a fragment into {target}, which is not a page"
                )),
            }
        }
    }
    assert!(checked > 0, "{}: no internal link at all", dir.display());
    problems
}

fn build_into(root: &Path, out: &Path) {
    let outcome = briefbook::build(&BuildOptions {
        root: root.to_path_buf(),
        output: Some(out.to_path_buf()),
        drafts: false,
    });
    assert!(
        !outcome.diagnostics.has_errors(),
        "{} does not build:\n{}",
        root.display(),
        outcome.diagnostics.render(&outcome.files)
    );
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("content").is_dir() || p.join("seeds").is_dir())
        .collect();
    all.sort();
    all
}

#[test]
fn every_internal_link_of_the_project_book_resolves() {
    let out = tempfile::tempdir().unwrap();
    build_into(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &out.path().join("site"),
    );
    let problems = broken_links(&out.path().join("site"));
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_internal_link_of_every_fixture_book_resolves() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 2, "the fixture books are missing");
    let mut problems = Vec::new();
    for fixture in fixtures {
        let out = tempfile::tempdir().unwrap();
        let site = out.path().join("site");
        build_into(&fixture, &site);
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        problems.extend(
            broken_links(&site)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_must() {
    let dir = tempfile::tempdir().unwrap();
    let page = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            path,
            format!("<!DOCTYPE html><html><body>{body}</body></html>"),
        )
        .unwrap();
    };
    page(
        "index.html",
        r##"<p id="here"></p><a href="#here">ok</a><a href="a%20b.html#x">ok</a>
        <a href="https://example.com/#nope">external</a>
        <a href="#missing">1</a><a href="gone.html">2</a><a href="/abs.html">3</a>
        <a href="../out.html">4</a><a href="a b.html">5</a><a href="a%20b.html#y">6</a>
        <img src="//cdn.example.com/x.png" alt="">"##,
    );
    page("a b.html", r#"<h2 id="x">x</h2>"#);
    let problems = broken_links(dir.path());
    assert_eq!(problems.len(), 7, "{problems:#?}");
}
