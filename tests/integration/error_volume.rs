//! One mistake, one error: a file that did not load is reported by its own
//! errors, first, and not again by everything that refers to it; a mistake
//! made many times is printed a few times and counted; every problem of a
//! file's front matter is found in one run.

use std::process::Command;

use crate::support::TestBook;

/// `n` notes, `content/nNN.md`, each with the text `body`.
fn with_notes(mut book: TestBook, n: usize, body: &str) -> TestBook {
    for i in 1..=n {
        book = book.file(&format!("content/n{i:02}.md"), body);
    }
    book
}

/// Runs `briefbook check` (with `extra` arguments) on the book: its exit
/// status and what it printed on standard error.
fn check(book: &TestBook, extra: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .arg("check")
        .arg("--root")
        .arg(book.root())
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// The messages of the errors in a report, in order.
fn messages(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter_map(|line| line.strip_prefix("error: "))
        .collect()
}

const GLOSSARY: &str = "[[term]]\nname = \"Golan Heights\"\n";

#[test]
fn a_glossary_that_does_not_parse_is_one_error_not_one_per_reference() {
    // The stray line is the one mistake; the 50 notes' references to the
    // glossary are right, and so is the note linking to a term.
    let book = with_notes(
        TestBook::new()
            .with_nyt()
            .file("content/glossary.toml", format!("stray line\n{GLOSSARY}")),
        50,
        "The [[Golan Heights]] and the [[golan heights|plateau]].\n",
    )
    .file(
        "content/zz.md",
        "See [the term](glossary.md#golan-heights). Also [@nytt].\n",
    );
    let report = book.errors();
    assert_eq!(
        messages(&report),
        [
            "invalid glossary: key with no value, expected `=`",
            // A mistake of its own, which does not follow from the
            // glossary: reported, after the glossary's.
            "unknown source `nytt`",
        ],
        "{report}"
    );
    insta::assert_snapshot!("broken_glossary", report);
}

#[test]
fn a_glossary_with_an_invalid_entry_does_not_make_every_term_unknown() {
    // Any error makes the glossary unusable (it is read as a whole), so
    // the references to it are left alone here too.
    let book = with_notes(
        TestBook::new().file(
            "content/glossary.toml",
            format!("{GLOSSARY}kind = \"plaice\"\n"),
        ),
        5,
        "The [[Golan Heights]].\n",
    );
    let report = book.errors();
    assert_eq!(messages(&report), ["unknown kind `plaice`"], "{report}");
}

#[test]
fn a_chronology_that_does_not_parse_is_one_error_not_one_per_link() {
    let book = with_notes(
        TestBook::new().file(
            "content/chronology.toml",
            "[[event]]\ndate = \"2024-12-08\"\ntitle = \"Fall of Damascus\"\n[[event]\n",
        ),
        50,
        "On that day ([see](chronology.md#2024-12-08-fall-of-damascus)).\n",
    );
    let report = book.errors();
    assert_eq!(messages(&report).len(), 1, "{report}");
    assert!(report.contains("content/chronology.toml:4:"), "{report}");
    insta::assert_snapshot!("broken_chronology", report);
}

#[test]
fn a_source_whose_front_matter_is_wrong_is_one_error_not_one_per_citation() {
    // Cited by its file name in some notes and by the id its front matter
    // sets in others: neither is "unknown".
    let book = with_notes(
        TestBook::new()
            .with_nyt()
            .file(
                "seeds/reuters-file.md",
                "+++\nid = \"reuters\"\ntitel = \"Talks\"\n+++\n\nThe talks resumed.\n",
            )
            .file("content/other.md", "Text [@reuters-file].\n"),
        20,
        "Text [@reuters \"talks resumed\"] and [@nyt \"talks resumed\"].\n",
    );
    let report = book.errors();
    assert_eq!(
        messages(&report),
        [
            "invalid source front matter: unknown field `titel`, expected one of `id`, `title`, `outlet`, `authors`, `published`, `url`, `language`, `note`, `anchors`"
        ],
        "{report}"
    );
    insta::assert_snapshot!("broken_source", report);
}

#[test]
fn a_note_whose_front_matter_is_wrong_is_one_error_not_one_per_link_to_it() {
    let book = with_notes(
        TestBook::new().file("content/target.md", "+++\ntitle = 3\n+++\n# Head\n"),
        10,
        "See [the target](target.md) and [its heading](target.md#head).\n",
    );
    let report = book.errors();
    assert_eq!(
        messages(&report),
        ["invalid front matter: invalid type: integer `3`, expected a string"],
        "{report}"
    );
}

#[test]
fn the_error_of_a_file_that_did_not_load_comes_first() {
    // Notes are read before the glossary; its error still comes first.
    let book = TestBook::new()
        .with_nyt()
        .file("content/a.md", "Text [@nyt#p9].\n")
        .file("content/glossary.toml", "[[term]\n");
    let report = book.errors();
    let found = messages(&report);
    assert_eq!(found.len(), 2, "{report}");
    assert!(found[0].starts_with("invalid glossary"), "{report}");
}

#[test]
fn the_same_error_many_times_is_shown_three_times_and_counted() {
    let book = with_notes(TestBook::new().with_nyt(), 100, "Text [@nytt].\n");
    let report = book.errors();
    assert_eq!(messages(&report).len(), 3, "{report}");
    assert!(
        report.contains("... and 97 more errors like this, at content/n04.md:1:7, content/n05.md:1:7, content/n06.md:1:7 and 94 other places"),
        "{report}"
    );
    insta::assert_snapshot!("same_error_many_times", report);

    // The summary line counts every error; `--verbose` prints every one.
    let (status, stderr) = check(&book, &[]);
    assert_eq!(status, Some(1));
    assert_eq!(messages(&stderr).len(), 4, "{stderr}");
    assert!(
        stderr.ends_with("error: the book has 100 errors; nothing was written\n"),
        "{stderr}"
    );
    let (_, stderr) = check(&book, &["--verbose"]);
    assert_eq!(messages(&stderr).len(), 101, "{stderr}");
    assert!(!stderr.contains("more errors like this"), "{stderr}");
}

#[test]
fn beyond_fifty_errors_the_rest_are_counted_in_one_line() {
    // Sixty different mistakes: none is alike, so the cap on the whole
    // report is what keeps it short.
    let body: String = (1..=60)
        .map(|i| format!("Text [@missing{i}].\n\n"))
        .collect();
    let book = TestBook::new().with_nyt().file("content/a.md", body);
    let report = book.errors();
    assert_eq!(messages(&report).len(), 50, "{report}");
    assert!(
        report.trim_end().ends_with(
            "... and 10 more errors, not shown after the first 50; `briefbook check --verbose` prints every one"
        ),
        "{report}"
    );
    let (_, stderr) = check(&book, &["--verbose"]);
    assert_eq!(messages(&stderr).len(), 61, "{stderr}");
}

#[test]
fn every_problem_of_a_notes_front_matter_in_one_run() {
    let book = TestBook::new().file(
        "content/a.md",
        "+++\ntitel = \"A\"\nsumary = \"About A\"\ndraft = \"yes\"\n+++\nText.\n",
    );
    let report = book.errors();
    assert_eq!(messages(&report).len(), 3, "{report}");
    for position in ["content/a.md:2:1", "content/a.md:3:1", "content/a.md:4:9"] {
        assert!(report.contains(position), "{position} in\n{report}");
    }
    insta::assert_snapshot!("front_matter_all_at_once", report);
}

#[test]
fn every_problem_of_book_toml_glossary_and_chronology_entries_in_one_run() {
    let book = TestBook::new()
        .file(
            "content/book.toml",
            "titel = \"T\"\nprint = \"no\"\nautolink_glosary = true\n",
        )
        .file(
            "content/glossary.toml",
            "[[term]]\nname = \"A\"\nkind = 1\n\n[[term]]\nname = \"B\"\nalias = [\"b\"]\n",
        )
        .file(
            "content/chronology.toml",
            "[[event]]\ndate = \"2024\"\ntitle = 2\n\n[[event]]\ndate = \"2025\"\ntitle = \"B\"\nbdy = \"x\"\n",
        );
    let report = book.errors();
    let positions = [
        "content/book.toml:1:1",
        "content/book.toml:2:9",
        "content/book.toml:3:1",
        "content/glossary.toml:3:8",
        "content/glossary.toml:7:1",
        "content/chronology.toml:3:9",
        "content/chronology.toml:8:1",
    ];
    assert_eq!(messages(&report).len(), positions.len(), "{report}");
    for position in positions {
        assert!(report.contains(position), "{position} in\n{report}");
    }
    insta::assert_snapshot!("toml_files_all_at_once", report);
}
