//! The output folder: what a build may replace, where it may write, how it
//! swaps the site in, how builds of one book take turns, and what a write
//! error costs (issue 20).

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{TestBook, briefbook_in, snapshot_dir};

/// Standard error, with the book's folder (and the folder above it) as
/// placeholders, for snapshots.
fn stderr_of(output: &Output, book: &TestBook) -> String {
    let root = book.root().to_string_lossy().to_string();
    let parent = book.root().parent().unwrap().to_string_lossy().to_string();
    String::from_utf8_lossy(&output.stderr)
        .replace(&root, "<root>")
        .replace(&format!("{parent}/"), "<tmp>/")
        .replace(&parent, "<tmp>")
        // Timings and the pid of a staging folder vary.
        .lines()
        .filter(|l| !l.starts_with("built "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that no build left anything beside the output folders in `dir`.
fn assert_no_siblings(dir: &Path) {
    let left = siblings(dir);
    assert!(left.is_empty(), "{left:?}");
}

/// Asserts that a run of briefbook succeeded, showing what it said if not.
fn assert_success(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file of the book's sources, to check that nothing was lost.
fn sources(book: &TestBook) -> Vec<(String, Vec<u8>)> {
    let mut all = snapshot_dir(&book.root().join("content"));
    all.extend(snapshot_dir(&book.root().join("seeds")));
    all
}

/// The hidden siblings a build may leave next to `output/`.
fn siblings(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".briefbook-"))
        .collect();
    names.sort();
    names
}

#[test]
fn an_output_through_a_missing_folder_cannot_reach_the_book() {
    let book = TestBook::fixture("basic");
    std::fs::create_dir(book.root().join(".git")).unwrap();
    std::fs::write(book.root().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let before = sources(&book);
    let mut messages = Vec::new();
    for output in [
        "nonexist/../content",
        "nonexist/../seeds",
        "nonexist/../.git",
        "nonexist/..",
        "a/b/../../content/deeper",
    ] {
        let result = briefbook_in(book.root(), &["build", "--output", output]);
        assert_eq!(result.status.code(), Some(1), "{output}");
        messages.push(format!("--output {output}\n{}", stderr_of(&result, &book)));
    }
    insta::assert_snapshot!(messages.join("\n\n"));
    assert_eq!(before, sources(&book));
    assert!(book.root().join(".git/HEAD").is_file());
    assert!(!book.root().join("nonexist").exists() && !book.root().join("a").exists());
}

#[test]
fn a_relative_output_that_climbs_out_of_another_folder_into_the_book_is_refused() {
    let book = TestBook::fixture("basic");
    let elsewhere = tempfile::tempdir().unwrap();
    let root = book.root().to_str().unwrap();
    // From another folder, through one that does not exist, up into the
    // book's seeds/.
    let climb = format!(
        "nothere/{}{root}/seeds",
        "../".repeat(elsewhere.path().components().count() + 1)
    );
    let before = sources(&book);
    let result = briefbook_in(
        elsewhere.path(),
        &["build", "--root", root, "--output", &climb],
    );
    assert_eq!(result.status.code(), Some(1));
    insta::assert_snapshot!(stderr_of(&result, &book));
    assert_eq!(before, sources(&book));
}

#[test]
fn an_output_dir_in_book_toml_is_held_to_the_same_rules() {
    for (setting, snapshot) in [
        ("../", "output_dir_above"),
        ("nonexist/../content", "output_dir_through_missing"),
    ] {
        let book = TestBook::fixture("basic").file(
            "content/book.toml",
            format!("title = \"Basic\"\noutput_dir = \"{setting}\"\n"),
        );
        let before = sources(&book);
        let result = briefbook_in(book.root(), &["build"]);
        assert_eq!(result.status.code(), Some(1), "{setting}");
        insta::assert_snapshot!(snapshot, stderr_of(&result, &book));
        assert_eq!(before, sources(&book));
        // `check` says so too, and --force changes nothing.
        let check = briefbook_in(book.root(), &["check"]);
        assert_eq!(check.status.code(), Some(1), "{setting}");
        assert!(String::from_utf8_lossy(&check.stderr).contains("refusing to write the site"));
        let forced = briefbook_in(book.root(), &["build", "--force"]);
        assert_eq!(forced.status.code(), Some(1), "{setting}");
        assert_eq!(before, sources(&book));
    }
}

#[test]
fn a_root_is_resolved_as_written_too() {
    let book = TestBook::fixture("basic");
    let result = briefbook_in(book.root(), &["build", "--root", "missing/.."]);
    assert_success(&result);
    assert!(book.root().join("output/index.html").is_file());
}

#[test]
fn an_output_that_is_a_file_is_refused() {
    let book = TestBook::fixture("basic").file("notes.txt", "my notes\n");
    let result = briefbook_in(book.root(), &["build", "--output", "notes.txt"]);
    assert_eq!(result.status.code(), Some(1));
    insta::assert_snapshot!(stderr_of(&result, &book));
    let forced = briefbook_in(book.root(), &["build", "--output", "notes.txt", "--force"]);
    assert_eq!(forced.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(book.root().join("notes.txt")).unwrap(),
        "my notes\n"
    );
}

#[test]
fn a_folder_of_someone_elses_files_is_replaced_only_with_force() {
    let book = TestBook::fixture("basic");
    let documents = tempfile::tempdir().unwrap();
    std::fs::write(documents.path().join("thesis.docx"), "years of work").unwrap();
    let out = documents.path().to_str().unwrap();
    let result = briefbook_in(book.root(), &["build", "--output", out]);
    assert_eq!(result.status.code(), Some(1));
    let name = documents.path().file_name().unwrap().to_str().unwrap();
    insta::assert_snapshot!(stderr_of(&result, &book).replace(name, "<documents>"));
    assert_eq!(
        std::fs::read(documents.path().join("thesis.docx")).unwrap(),
        b"years of work"
    );
    assert!(siblings(documents.path().parent().unwrap()).is_empty());

    // Asked for, it is replaced; from then on it is briefbook's.
    let forced = briefbook_in(book.root(), &["build", "--output", out, "--force"]);
    assert_success(&forced);
    assert!(!documents.path().join("thesis.docx").exists());
    assert!(documents.path().join("index.html").is_file());
    assert!(documents.path().join(briefbook::output::MARKER).is_file());
    let again = briefbook_in(book.root(), &["build", "--output", out]);
    assert_success(&again);
}

#[test]
fn an_output_built_before_the_marker_needs_force_once() {
    // What an older briefbook left: a site without the marker.
    let book = TestBook::fixture("basic").file("output/index.html", "<p>old site</p>");
    let result = briefbook_in(book.root(), &["build"]);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("built by a briefbook older than") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_success(&briefbook_in(book.root(), &["build", "--force"]));
    assert_success(&briefbook_in(book.root(), &["build"]));
}

#[test]
fn an_empty_folder_is_fine() {
    let book = TestBook::fixture("basic");
    std::fs::create_dir(book.root().join("site")).unwrap();
    let result = briefbook_in(book.root(), &["build", "--output", "site"]);
    assert_success(&result);
    assert!(book.root().join("site/index.html").is_file());
}

#[test]
fn the_marker_is_in_every_site_and_the_swap_leaves_no_sibling_behind() {
    let book = TestBook::fixture("basic");
    let first = book.build_ok();
    let marker = first.out.join(briefbook::output::MARKER);
    let text = std::fs::read_to_string(&marker).unwrap();
    assert!(text.starts_with("briefbook output folder\n"), "{text}");
    // Built again: the previous site replaced, nothing left beside it.
    std::fs::write(first.out.join("stale.html"), "from before").unwrap();
    book.build_ok();
    assert!(!first.out.join("stale.html").exists());
    assert!(marker.is_file());
    assert_no_siblings(book.root());
}

#[test]
fn leftovers_of_killed_builds_are_removed_by_the_next_build() {
    let book = TestBook::fixture("basic");
    book.build_ok();
    // A build killed while writing, and one killed while removing the
    // previous site.
    for leftover in [
        ".output.briefbook-tmp-999999",
        ".output.briefbook-old-999998",
    ] {
        let dir = book.root().join(leftover).join("sources");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nyt.html"), "half a site").unwrap();
    }
    assert_eq!(siblings(book.root()).len(), 2);
    book.build_ok();
    assert_no_siblings(book.root());
    assert!(book.root().join("output/index.html").is_file());
}

#[test]
fn a_build_killed_between_the_two_renames_gets_its_site_back() {
    let book = TestBook::fixture("basic");
    let built = book.build_ok();
    // No output/, the previous site aside: what the fallback swap leaves
    // when killed between its renames.
    std::fs::rename(&built.out, book.root().join(".output.briefbook-old-999997")).unwrap();
    // The book cannot build now: the old site is put back and kept.
    let book = book.file("content/broken.md", "A broken citation [@nowhere].\n");
    let result = briefbook_in(book.root(), &["build"]);
    assert_eq!(result.status.code(), Some(1));
    insta::assert_snapshot!(stderr_of(&result, &book));
    assert!(book.root().join("output/index.html").is_file());
    assert_no_siblings(book.root());
}

#[test]
fn two_builds_of_one_book_at_once_both_succeed() {
    let book = TestBook::fixture("basic");
    for _ in 0..3 {
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_briefbook"))
                .args(["build", "--root", book.root().to_str().unwrap()])
                .env("NO_COLOR", "1")
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = (start(), start());
        for child in [first, second] {
            assert_success(&child.wait_with_output().unwrap());
        }
        let site = book.root().join("output");
        for page in [
            "index.html",
            "overview.html",
            "sources/nyt.html",
            "print.html",
        ] {
            assert!(site.join(page).is_file(), "{page}");
        }
        assert_no_siblings(book.root());
    }
}

#[test]
fn a_build_waits_for_another_build_of_the_same_output_and_says_so() {
    use std::io::BufRead as _;
    let book = TestBook::fixture("basic");
    let out = book.root().join("output");
    // Another build holds the output.
    let held = briefbook::output::OutputLock::acquire(&out, || {}).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .args(["build", "--root", book.root().to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(
        line.replace(&*book.root().to_string_lossy(), "<root>"),
        "waiting for another build of <root> writing <root>/output to finish…\n"
    );
    assert!(
        !out.exists(),
        "nothing is written while the other build runs"
    );
    drop(held);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{rest}");
    assert!(out.join("index.html").is_file());
    assert_no_siblings(book.root());
}

#[test]
fn a_write_error_is_one_error_and_the_output_is_left_alone() {
    use briefbook::output::{OutputLock, Staging};
    use briefbook::site::{Project, Silent};
    // A book of many pages.
    let mut book = TestBook::fixture("basic");
    for i in 0..50 {
        book = book.file(
            &format!("content/n{i}.md"),
            format!("# Note {i}\n\nText.\n"),
        );
    }
    let built = book.build_ok();
    let before = snapshot_dir(&built.out);
    // Every write fails: the staging folder is, by the time pages come, a
    // file (a full disk, a folder taken away).
    let staging = Staging::new(OutputLock::acquire(&built.out, || {}).unwrap()).unwrap();
    let folder = book
        .root()
        .join(format!(".output.briefbook-tmp-{}", std::process::id()));
    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::write(&folder, "not a folder").unwrap();
    let mut project = Project::load(crate::support::options(book.root()));
    let render = project.render(&staging, false, &Silent);
    let errors: Vec<String> = render
        .diagnostics
        .iter()
        .map(|d| d.render(project.files()))
        .collect();
    assert_eq!(errors.len(), 1, "{}", errors.join("\n"));
    assert!(
        errors[0].contains("cannot write") && errors[0].contains("os error"),
        "{}",
        errors[0]
    );
    assert!(staging.commit().is_err());
    assert!(!folder.exists(), "the staging path is cleared");
    assert_eq!(before, snapshot_dir(&built.out));
}
