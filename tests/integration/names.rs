//! File names and the theme, tried as an attacker would: a note's or a
//! static file's name must not write outside the output, become a script
//! link or replace a page briefbook generates, and `theme` must not read
//! outside the book.

use std::path::Path;

use crate::support::{TestBook, snapshot_dir};

/// A small book that builds, in `outer/book/`, so that a path climbing out
/// of the book lands in `outer`, where the test can look.
fn nested_book() -> (tempfile::TempDir, TestBook) {
    let outer = tempfile::tempdir().unwrap();
    let book_dir = outer.path().join("a/b/book");
    std::fs::create_dir_all(&book_dir).unwrap();
    let book = TestBook {
        dir: tempfile::tempdir_in(&book_dir).unwrap(),
    }
    .with_nyt()
    .file("content/a.md", "# A\n\nThe talks [@nyt#p1].\n");
    (outer, book)
}

/// Every file under `dir` that is not inside `book`.
fn files_outside(dir: &Path, book: &Path) -> Vec<String> {
    snapshot_dir(dir)
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| !dir.join(path).starts_with(book))
        .collect()
}

/// Builds the book, expecting failure, and returns the report with the
/// book's folder as `<root>`.
fn errors(book: &TestBook) -> String {
    book.errors()
}

#[test]
fn a_backslash_in_a_notes_name_is_an_error_and_nothing_is_written_above_the_book() {
    let (outer, book) = nested_book();
    let book = book.file(
        "content/x\\..\\..\\..\\..\\..\\escaped.md",
        "# Escaped\n\nText.\n",
    );
    let report = errors(&book);
    assert!(report.contains("holds `\\`"), "{report}");
    assert!(
        report.contains("x\\..\\..\\..\\..\\..\\escaped.md"),
        "{report}"
    );
    assert_eq!(
        files_outside(outer.path(), book.root()),
        Vec::<String>::new()
    );
    assert!(!book.root().join("output").exists());
    insta::assert_snapshot!("note_with_a_backslash", report);
}

#[test]
fn a_backslash_in_a_static_files_name_is_an_error_and_nothing_is_written_above_the_book() {
    let (outer, book) = nested_book();
    let book = book.file("static/a\\..\\..\\..\\..\\..\\x.txt", "planted");
    let report = errors(&book);
    assert!(
        report.contains("the static file `static/a\\..\\"),
        "{report}"
    );
    assert!(report.contains("holds `\\`"), "{report}");
    assert_eq!(
        files_outside(outer.path(), book.root()),
        Vec::<String>::new()
    );
    insta::assert_snapshot!("static_file_with_a_backslash", report);
}

#[test]
fn a_note_named_like_a_url_scheme_is_an_error_not_a_script_link() {
    let book = TestBook::new()
        .with_nyt()
        .file("content/javascript:alert(1).md", "# X\n\nText.\n");
    let report = errors(&book);
    assert!(
        report.contains("content/javascript:alert(1).md:1:1"),
        "{report}"
    );
    insta::assert_snapshot!("note_named_like_a_scheme", report);
    // Deeper in a folder too: a relative link from its neighbours would
    // be `b:c.html`.
    let book = TestBook::new()
        .with_nyt()
        .file("content/part/b:c.md", "# X\n\nText.\n");
    assert!(errors(&book).contains("holds `:`"));
}

#[test]
fn a_control_character_in_a_notes_name_is_an_error() {
    let book = TestBook::new()
        .with_nyt()
        .file("content/bell\u{7}.md", "# X\n\nText.\n");
    let report = errors(&book);
    assert!(report.contains("`bell\\u{7}.md`"), "{report}");
    assert!(report.contains("U+0007"), "{report}");
}

#[test]
fn a_note_on_a_generated_page_but_for_case_is_an_error() {
    for (file, says) in [
        (
            "content/Index.md",
            "which a host that ignores case takes for index.html, a page briefbook generates",
        ),
        (
            "content/GLOSSARY.md",
            "which a host that ignores case takes for glossary.html",
        ),
        (
            "content/Sources/nyt.md",
            "inside sources/, where briefbook publishes the source pages",
        ),
        (
            "content/print.md",
            "at print.html, which briefbook generates itself",
        ),
    ] {
        let book = TestBook::new().with_nyt().file(file, "# X\n\nText.\n");
        let report = errors(&book);
        assert!(report.contains(says), "{file}: {report}");
    }
    let book = TestBook::new()
        .with_nyt()
        .file("content/Index.md", "# X\n\nText.\n");
    insta::assert_snapshot!("note_on_a_generated_page_by_case", errors(&book));
}

#[test]
fn two_notes_whose_pages_differ_only_in_case_are_an_error() {
    let book = TestBook::new()
        .with_nyt()
        .file("content/Talks.md", "# One\n\nText.\n")
        .file("content/talks.md", "# Two\n\nText.\n");
    let report = errors(&book);
    assert!(
        report.contains("differs only in case from the page of content/"),
        "{report}"
    );
    insta::assert_snapshot!("notes_differing_in_case", report);
}

#[test]
fn report_html_is_reserved_whatever_the_case_only_with_the_report() {
    let book = TestBook::new()
        .with_nyt()
        .file("content/Report.md", "# R\n\nText.\n");
    book.build_ok();
    let book = book.file("content/book.toml", "report = true\n");
    assert!(errors(&book).contains("which `report = true` makes briefbook generate"));
}

#[test]
fn a_static_file_on_a_generated_page_or_a_notes_page_is_an_error() {
    for (file, says) in [
        (
            "static/glossary.html",
            "glossary.html has the path of glossary.html, a page briefbook generates\n",
        ),
        (
            "static/Index.html",
            "has the path of index.html, a page briefbook generates, but for case",
        ),
        (
            "static/sources/nyt.html",
            "is inside sources/, where briefbook publishes the source pages",
        ),
        (
            "static/highlight.css",
            "the stylesheet briefbook generates for code",
        ),
        (
            "static/A.html",
            "has the path of the page of content/a.md, but for case",
        ),
        (
            "themes/default/static/a.html",
            "has the path of the page of content/a.md\n",
        ),
    ] {
        let book = TestBook::new()
            .with_nyt()
            .file("content/a.md", "# A\n\nText.\n")
            .file(file, "<p>planted</p>");
        let report = errors(&book);
        assert!(report.contains(says), "{file}: {report}");
    }
    let book = TestBook::new()
        .with_nyt()
        .file("static/img/Map.png", "one")
        .file("static/img/map.png", "two");
    let report = errors(&book);
    assert!(
        report.contains(
            "the static file img/map.png differs only in case from the static file img/Map.png"
        ),
        "{report}"
    );
    let book = TestBook::new()
        .with_nyt()
        .file("static/print.html", "<p>planted</p>");
    insta::assert_snapshot!("static_file_on_a_generated_page", errors(&book));
}

#[test]
fn a_source_cannot_be_index_which_is_the_list_of_sources() {
    let book = TestBook::new().file("seeds/index.md", "+++\ntitle = \"I\"\n+++\n\nText.\n");
    let report = errors(&book);
    assert!(report.contains("seeds/index.md:1:1"), "{report}");
    insta::assert_snapshot!("source_named_index", report);
    let book = TestBook::new().file(
        "seeds/other.md",
        "+++\ntitle = \"I\"\nid = \"index\"\n+++\n\nText.\n",
    );
    let report = errors(&book);
    assert!(report.contains("seeds/other.md:3:1"), "{report}");
    assert!(report.contains("choose another id"), "{report}");
    let book = TestBook::new().file("seeds/index.txt", "Title\n");
    assert!(errors(&book).contains("sources/index.html is the list of sources"));
}

#[test]
fn a_theme_outside_the_book_is_refused_and_nothing_of_it_is_published() {
    let outer = tempfile::tempdir().unwrap();
    let secret = outer.path().join("secret");
    std::fs::create_dir_all(secret.join("static")).unwrap();
    std::fs::create_dir_all(secret.join("templates")).unwrap();
    std::fs::write(secret.join("static/id_rsa"), "PRIVATE KEY").unwrap();
    let book_dir = outer.path().join("book");
    std::fs::create_dir_all(&book_dir).unwrap();
    for theme in [
        secret.to_string_lossy().to_string(),
        "../../secret".to_string(),
        "..".to_string(),
        "a/b".to_string(),
    ] {
        let book = TestBook {
            dir: tempfile::tempdir_in(&book_dir).unwrap(),
        }
        .with_nyt()
        .file("content/book.toml", format!("theme = {theme:?}\n"));
        let report = errors(&book);
        assert!(
            report.contains("is not the name of a folder in themes/"),
            "{theme}: {report}"
        );
        assert!(
            report.contains("content/book.toml:1:9"),
            "{theme}: {report}"
        );
        assert!(!book.root().join("output").exists());
        if theme == "../../secret" {
            insta::assert_snapshot!("theme_outside_the_book", report);
        }
    }
}

#[test]
fn the_library_refuses_a_theme_outside_the_book_too() {
    let outer = tempfile::tempdir().unwrap();
    let errors = briefbook::theme::Theme::load(outer.path(), "/etc")
        .err()
        .expect("a path is not a theme name");
    assert!(
        errors[0]
            .message
            .contains("is not the name of a folder in themes/")
    );
}

#[test]
fn import_refuses_the_id_index() {
    let book = TestBook::new().file("seeds/.keep", "");
    let capture = book.root().join("capture.txt");
    std::fs::write(&capture, "Title\n\nText.\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .args([
            "import",
            capture.to_str().unwrap(),
            "--id",
            "index",
            "--root",
        ])
        .arg(book.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sources/index.html is the list of sources"),
        "{stderr}"
    );
    assert!(!book.root().join("seeds/index.md").exists());
}
