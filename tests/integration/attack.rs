//! A book handed over by someone else, built by its victim: what its files
//! and settings must not be able to do outside its own folder (issue 20,
//! tried as an attacker would).

use std::path::Path;
use std::process::Output;

use crate::support::{TestBook, briefbook_in};

/// Standard error, with `dir` as `<tmp>`, for snapshots.
fn stderr_of(output: &Output, dir: &Path) -> String {
    String::from_utf8_lossy(&output.stderr)
        .replace(&*dir.to_string_lossy(), "<tmp>")
        .lines()
        .filter(|l| !l.starts_with("built "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The basic book in `<tmp>/book`, with `static/evil.desktop`, and the
/// victim's folder `<tmp>/home/.config`, without `autostart/` yet.
fn book_and_home() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let tmp_path = tmp.path().canonicalize().unwrap();
    let book = tmp_path.join("book");
    crate::support::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic"),
        &book,
    );
    std::fs::create_dir_all(book.join("static")).unwrap();
    std::fs::write(
        book.join("static/evil.desktop"),
        "[Desktop Entry]\nExec=sh -c 'touch /tmp/pwned'\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp_path.join("home/.config")).unwrap();
    (tmp, book)
}

#[test]
fn output_dir_in_book_toml_cannot_write_outside_the_book() {
    let (tmp, book) = book_and_home();
    let tmp_path = tmp.path().canonicalize().unwrap();
    let autostart = tmp_path.join("home/.config/autostart");
    let mut messages = Vec::new();
    for setting in [
        "../home/.config/autostart".to_string(),
        autostart.to_string_lossy().to_string(),
    ] {
        std::fs::write(
            book.join("content/book.toml"),
            format!("title = \"Basic\"\noutput_dir = \"{setting}\"\n"),
        )
        .unwrap();
        let result = briefbook_in(&book, &["build"]);
        assert_eq!(result.status.code(), Some(1), "{setting}");
        messages.push(stderr_of(&result, &tmp_path));
        assert!(!autostart.exists(), "{setting}: written outside the book");
        let check = briefbook_in(&book, &["check"]);
        assert_eq!(check.status.code(), Some(1), "{setting}");
    }
    assert_eq!(messages[0], messages[1]);
    insta::assert_snapshot!(messages[0]);

    // The user may still choose such a folder on the command line.
    let chosen = briefbook_in(&book, &["build", "--output", &autostart.to_string_lossy()]);
    assert_eq!(
        chosen.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&chosen.stderr)
    );
    assert!(autostart.join("index.html").exists());
}

#[cfg(unix)]
#[test]
fn an_output_folder_shipped_as_a_link_cannot_lead_outside_the_book() {
    let (tmp, book) = book_and_home();
    let tmp_path = tmp.path().canonicalize().unwrap();
    let autostart = tmp_path.join("home/.config/autostart");
    std::fs::create_dir(&autostart).unwrap();
    // The default `output_dir`, `output`, is a link the book shipped to an
    // empty folder of the victim's.
    std::os::unix::fs::symlink(&autostart, book.join("output")).unwrap();
    let result = briefbook_in(&book, &["build"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr_of(&result, &tmp_path).contains("leads outside the book's folder"));
    assert_eq!(std::fs::read_dir(&autostart).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn the_lock_file_shipped_as_a_link_creates_nothing_where_it_leads() {
    let (tmp, book) = book_and_home();
    let tmp_path = tmp.path().canonicalize().unwrap();
    let target = tmp_path.join("home/.config/created");
    std::os::unix::fs::symlink(&target, book.join(".output.briefbook-lock")).unwrap();
    let result = briefbook_in(&book, &["build"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(!target.exists(), "a file was created through the link");
    insta::assert_snapshot!(stderr_of(&result, &tmp_path));
}

#[test]
fn a_static_file_cannot_replace_the_output_marker() {
    let book = TestBook::fixture("basic").file("static/.Briefbook-Output", "x\n");
    insta::assert_snapshot!(book.errors());
    // Below the top it marks nothing, and is a file like any other.
    let book = TestBook::fixture("basic").file("static/sub/.briefbook-output", "x\n");
    book.build_ok();
}
