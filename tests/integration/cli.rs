//! The command line: exit statuses, messages, import.

use std::process::Command;

use crate::support::{TestBook, snapshot_dir};

fn briefbook(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn build_succeeds_with_status_0() {
    let book = TestBook::fixture("basic");
    let out = book.root().join("site");
    let output = briefbook(&[
        "build",
        "--root",
        book.root().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("built 2 notes, 2 sources"));
    assert!(out.join("index.html").is_file());
}

#[test]
fn errors_exit_with_status_1_and_name_file_line_column() {
    let book = TestBook::new()
        .with_nyt()
        .file("content/a.md", "Text [@nyt \"not there\"].\n");
    let output = briefbook(&["build", "--root", book.root().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("content/a.md:1:12"), "{stderr}");
    assert!(
        stderr.contains("the previous output was left untouched"),
        "{stderr}"
    );
}

#[test]
fn check_writes_nothing() {
    let book = TestBook::fixture("basic");
    let output = briefbook(&["check", "--root", book.root().to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!book.root().join("output").exists());
}

#[test]
fn bad_usage_exits_with_status_2() {
    assert_eq!(
        briefbook(&["build", "--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(briefbook(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(briefbook(&[]).status.code(), Some(2));
    let help = briefbook(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for command in ["build", "check", "import"] {
        assert!(text.contains(command), "{text}");
    }
}

#[test]
fn import_keeps_the_wording_and_numbers_each_line() {
    let book = TestBook::new().file("capture.txt", "Headline\n\n  Second line “quoted”\nThird\n");
    let root_path = book.root().to_path_buf();
    let root = root_path.to_str().unwrap();
    let capture = book.root().join("capture.txt");
    let output = briefbook(&[
        "import",
        capture.to_str().unwrap(),
        "--id",
        "paper",
        "--outlet",
        "The Paper",
        "--published",
        "2025-08",
        "--root",
        root,
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(book.root().join("seeds/paper.md")).unwrap();
    assert!(text.contains("\n  Second line “quoted”\n"), "{text}");
    let book = book.file(
        "content/a.md",
        "[@paper#p2 \"Second line “quoted”\"] [@paper#p3]\n",
    );
    let built = book.build_ok();
    assert_eq!(
        built
            .page("sources/paper.html")
            .attrs("ol.paragraphs li", "id"),
        ["p1", "p2", "p3"]
    );
    // Importing again would overwrite: refused.
    let again = briefbook(&[
        "import",
        capture.to_str().unwrap(),
        "--id",
        "paper",
        "--root",
        root,
    ]);
    assert_eq!(again.status.code(), Some(1));
    let bad = briefbook(&[
        "import",
        capture.to_str().unwrap(),
        "--id",
        "Bad Id",
        "--root",
        root,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid source id"));
}

#[test]
fn a_failed_cli_build_leaves_output_untouched() {
    let book = TestBook::fixture("basic");
    let root = book.root().to_str().unwrap();
    assert_eq!(briefbook(&["build", "--root", root]).status.code(), Some(0));
    let before = snapshot_dir(&book.root().join("output"));
    let book = book.file("content/overview.md", "Broken [@nyt#p42].\n");
    assert_eq!(
        briefbook(&["build", "--root", book.root().to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(before, snapshot_dir(&book.root().join("output")));
}

#[test]
fn the_output_may_never_replace_the_book() {
    let book = TestBook::fixture("basic");
    let root = book.root().to_str().unwrap();
    for output in [
        root.to_string(),
        format!("{root}/seeds"),
        format!("{root}/content/site"),
        book.root().parent().unwrap().to_str().unwrap().to_string(),
    ] {
        let result = briefbook(&["build", "--root", root, "--output", &output]);
        assert_eq!(result.status.code(), Some(1), "{output}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains("refusing to write the site"), "{stderr}");
    }
    assert!(book.root().join("seeds/nyt.md").is_file());
    assert!(book.root().join("content/overview.md").is_file());
}

#[test]
fn a_folder_that_is_not_a_book_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    for command in ["build", "check"] {
        let result = briefbook(&[command, "--root", missing.to_str().unwrap()]);
        assert_eq!(result.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&result.stderr).contains("is not a folder"));
        let result = briefbook(&[command, "--root", dir.path().to_str().unwrap(), "-v"]);
        assert_eq!(result.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains("is not a book"), "{stderr}");
        // The summary does not speak of a book's errors or of an output.
        assert!(
            stderr.contains("no book was found, so nothing was read or written")
                && !stderr.contains("the book has")
                && !stderr.contains("previous output"),
            "{stderr}"
        );
        // Nothing was read or rendered, so nothing is timed.
        assert!(!stderr.contains("markdown:"), "{stderr}");
    }
    assert!(!dir.path().join("output").exists());
    let serve = briefbook(&[
        "serve",
        "--port",
        "0",
        "--root",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(serve.status.code(), Some(1));
}
