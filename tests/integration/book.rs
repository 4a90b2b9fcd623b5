//! The project's own book (content/ and seeds/ at the repository root) is
//! the largest end-to-end test: it must build with no error and no warning,
//! cite every source, and produce every page.

use std::path::Path;

use briefbook::site::BuildOptions;

#[test]
fn the_project_book_builds_cleanly_and_cites_every_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (outcome, site) = briefbook::render_book(&BuildOptions {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
    });
    assert!(
        outcome.diagnostics.is_empty(),
        "{}",
        outcome.diagnostics.render(&outcome.files)
    );
    let site = site.expect("the book builds");
    assert!(outcome.stats.notes >= 7, "at least seven notes");
    assert_eq!(outcome.stats.sources, 5);
    for page in [
        "index.html",
        "glossary.html",
        "chronology.html",
        "sources/index.html",
        "404.html",
    ] {
        assert!(site.files.contains_key(page), "{page}");
    }
    for entry in std::fs::read_dir(root.join("content")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md")
            && path.file_stem().is_some_and(|s| s != "index")
        {
            let page = format!("{}.html", path.file_stem().unwrap().to_string_lossy());
            assert!(site.files.contains_key(&page), "{page}");
        }
    }
    // Every source is cited at least once.
    let sources = String::from_utf8(site.files["sources/index.html"].clone()).unwrap();
    assert!(
        !sources.contains("cited 0 times"),
        "a source is never cited"
    );
}
