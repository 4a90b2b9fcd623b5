//! The paths of the site's files: which names a note or a static file may
//! have, and which pages briefbook keeps for itself.
//!
//! A file's path in the book becomes a path in the output folder and a
//! link in the pages, so a name that means something else to a file system
//! or a browser is refused before anything is written:
//!
//! - `\` is a folder separator on Windows and, where a path is shown with
//!   `/`, would turn `a\..\..\x` into a path above the output;
//! - `.` and `..` as a whole name climb the tree;
//! - `:` makes a relative link a URL scheme (`javascript:alert(1).html`),
//!   and Windows forbids it;
//! - control characters are invisible in listings and break links.
//!
//! Static hosts differ in case: GitHub Pages on Linux tells `Index.html`
//! from `index.html`, a macOS or Windows folder does not, so two paths that
//! differ only in case must not both be written. [`fold`] is the key that
//! compares them.

use std::collections::HashMap;
use std::path::{Component, Path};

use crate::diagnostics::Diagnostic;
use crate::load::Book;
use crate::note::Note;

/// The pages briefbook generates at fixed paths (besides a note's page,
/// which is the note's path, and `sources/`). `report.html` is reserved
/// only when the book publishes its report.
pub const FIXED_PAGES: [&str; 5] = [
    "index.html",
    "glossary.html",
    "chronology.html",
    "404.html",
    "print.html",
];

/// The editor's report, generated with `report = true`.
pub const REPORT_PAGE: &str = "report.html";

/// The folder of the source pages: `sources/index.html` and
/// `sources/<id>.html`.
pub const SOURCES_FOLDER: &str = "sources/";

/// The key under which two paths that a case-insensitive host would take
/// for one are equal.
pub fn fold(path: &str) -> String {
    path.to_lowercase()
}

/// What is wrong with `relative`, a file's path below the folder it is
/// published from (`content/`, `static/`, a theme's `static/`), as the
/// path of a file of the site; `None` if nothing is.
///
/// The path is taken component by component as the file system gives it,
/// before anything turns `\` into `/`.
pub fn name_problem(relative: &Path) -> Option<String> {
    for component in relative.components() {
        let name = match component {
            Component::Normal(name) => name,
            Component::CurDir | Component::ParentDir => {
                return Some(
                    "has `.` or `..` as a name, which would lead out of its folder".into(),
                );
            }
            Component::RootDir | Component::Prefix(_) => {
                return Some("is not relative to its folder".into());
            }
        };
        let Some(name) = name.to_str() else {
            return Some("is not valid UTF-8, so no link can name it".into());
        };
        if name == "." || name == ".." {
            return Some("has `.` or `..` as a name, which would lead out of its folder".into());
        }
        if let Some(problem) = character_problem(name) {
            return Some(problem);
        }
    }
    None
}

/// Whether `path`, a path of the site with `/` between names, stays
/// inside the site wherever it is written: relative, no name empty, `.`,
/// `..` or holding `\` or `:` (a drive on Windows), no NUL.
pub fn is_inside(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|name| {
            !name.is_empty() && name != "." && name != ".." && !name.contains(['\\', ':', '\0'])
        })
}

/// `path` as a message shows it: as the file system has it, `\` and all,
/// with control characters escaped so that they can be seen.
pub fn shown(path: &Path) -> String {
    path.to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What is wrong with one name of a path, by the characters it holds.
fn character_problem(name: &str) -> Option<String> {
    let c = name
        .chars()
        .find(|&c| c == '\\' || c == ':' || c.is_control())?;
    Some(match c {
        '\\' => "holds `\\`, which Windows and some servers read as a folder separator".into(),
        ':' => "holds `:`, which makes a link to it read as an address scheme (as `javascript:` does), and which Windows does not allow in a file name".into(),
        c => format!("holds the control character U+{:04X}, which no link can show", c as u32),
    })
}

/// The generated page that the page at `page` (a path of the site) would
/// replace, the same or differing only in case: one of [`FIXED_PAGES`]
/// (or [`REPORT_PAGE`] when `report` says the book publishes it), or
/// [`SOURCES_FOLDER`] for anything in it; `None` if there is none.
pub fn generated_page_at(page: &str, report: bool) -> Option<&'static str> {
    let folded = fold(page);
    if folded.starts_with(SOURCES_FOLDER) {
        return Some(SOURCES_FOLDER);
    }
    FIXED_PAGES
        .iter()
        .chain(report.then_some(&REPORT_PAGE))
        .find(|fixed| **fixed == folded)
        .copied()
}

/// Why a file published at `page` cannot be, given what
/// [`generated_page_at`] found there: `"which briefbook generates
/// itself"` and the like.
pub fn taken_by_generated(page: &str, generated: &str) -> String {
    if generated == SOURCES_FOLDER {
        "inside sources/, where briefbook publishes the source pages".into()
    } else if page == generated {
        "which briefbook generates itself".into()
    } else {
        format!("which a host that ignores case takes for {generated}, a page briefbook generates")
    }
}

/// The stylesheet of the highlighted code, which briefbook writes after
/// the static files.
pub const HIGHLIGHT_CSS: &str = "highlight.css";

/// Pages that would land on one file: a note on `report.html` when the
/// book publishes its report, two notes whose pages differ only in case,
/// and a static file (`static_files`, the theme's and the book's, when the
/// theme loaded) on the path of a page briefbook generates or of another
/// static file, the same or but for case. A static file would silently
/// replace the page on one host and not on another, so each is an error.
pub fn collisions(book: &Book, static_files: Option<&[(String, Vec<u8>)]>) -> Vec<Diagnostic> {
    let report = book.config.report;
    let mut found = Vec::new();
    let at_note = |note: &Note, message: String| {
        let text = book.files.text(note.file);
        Diagnostic::error(note.file, 0..text.len().min(1), message)
    };
    // `report.html` is the generator's only with `report = true`: a book
    // with a note there keeps building unless it asks for the report. Other
    // generated pages are refused as each note is read.
    let mut notes: HashMap<String, &Note> = HashMap::with_capacity(book.notes.len() + 1);
    for note in book.intro.iter().chain(&book.notes) {
        let folded = fold(&note.page);
        if report && folded == REPORT_PAGE {
            found.push(
                at_note(note, format!(
                    "this note would be published at {}, which `report = true` makes briefbook generate",
                    note.page
                ))
                .with_help("rename the file or move it to another folder, or remove `report = true` from content/book.toml"),
            );
        }
        match notes.get(&folded) {
            Some(first) => found.push(
                at_note(note, format!(
                    "this note would be published at {}, which differs only in case from the page of {}",
                    note.page,
                    book.files.name(first.file)
                ))
                .with_help("rename one of the two files: hosts that ignore case (macOS, Windows) would keep only one page"),
            ),
            None => {
                notes.insert(folded, note);
            }
        }
    }
    let mut statics: HashMap<String, &str> = HashMap::new();
    for (path, _) in static_files.unwrap_or_default() {
        let folded = fold(path);
        let but_for_case = |other: &str| if other == path { "" } else { ", but for case" };
        let taken_by = if let Some(generated) = generated_page_at(path, report) {
            Some(if generated == SOURCES_FOLDER {
                "is inside sources/, where briefbook publishes the source pages".to_string()
            } else {
                format!(
                    "has the path of {generated}, a page briefbook generates{}",
                    but_for_case(generated)
                )
            })
        } else if folded == crate::output::MARKER {
            // Written over the marker, it would make the next build refuse
            // the output as someone's files, or vouch for a folder that is
            // not briefbook's.
            Some(format!(
                "has the path of {}, the file that marks the output folder as briefbook's{}",
                crate::output::MARKER,
                but_for_case(crate::output::MARKER)
            ))
        } else if folded == HIGHLIGHT_CSS {
            Some(format!(
                "has the path of {HIGHLIGHT_CSS}, the stylesheet briefbook generates for code{}",
                but_for_case(HIGHLIGHT_CSS)
            ))
        } else if let Some(note) = notes.get(&folded) {
            Some(format!(
                "has the path of the page of {}{}",
                book.files.name(note.file),
                but_for_case(&note.page)
            ))
        } else {
            statics
                .get(&folded)
                .map(|other| format!("differs only in case from the static file {other}"))
        };
        match taken_by {
            Some(why) => found.push(
                Diagnostic::global(format!("the static file {path} {why}"))
                    .with_help("rename or remove the file in static/ or in the theme's static/; to change a generated page, override its template in templates/"),
            ),
            None => {
                statics.insert(folded, path);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_mean_something_else_to_a_file_system_or_a_browser_are_refused() {
        for (path, says) in [
            ("a\\..\\..\\..\\x", "`\\`"),
            ("x\\y.md", "`\\`"),
            ("javascript:alert(1).md", "`:`"),
            ("notes/c:.md", "`:`"),
            ("bell\u{7}.md", "U+0007"),
            ("new\nline.md", "U+000A"),
            ("../up.md", "`..`"),
            ("./here.md", "`.`"),
            ("/etc/passwd", "not relative"),
        ] {
            let problem =
                name_problem(Path::new(path)).unwrap_or_else(|| panic!("{path:?} passed"));
            assert!(problem.contains(says), "{path:?}: {problem}");
        }
    }

    #[test]
    fn only_paths_that_stay_inside_the_site_are_written() {
        for path in [
            "index.html",
            "sources/nyt.html",
            "über/Ärger notes.html",
            "search/t-abc.js",
        ] {
            assert!(is_inside(path), "{path}");
        }
        for path in [
            "",
            "/etc/passwd",
            "a/../../x",
            "..",
            "./a",
            "a//b",
            "a\\..\\x",
            "c:/x",
            "a\0b",
        ] {
            assert!(!is_inside(path), "{path:?}");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for path in [
            "overview.md",
            "über/Ärger notes.md",
            "img/map (2024).png",
            "a.b.c/d-e_f.md",
            "...md",
            "الجولان.md",
        ] {
            assert_eq!(name_problem(Path::new(path)), None, "{path}");
        }
    }

    #[test]
    fn a_generated_page_is_found_whatever_the_case() {
        assert_eq!(generated_page_at("Index.html", false), Some("index.html"));
        assert_eq!(
            generated_page_at("GLOSSARY.html", false),
            Some("glossary.html")
        );
        assert_eq!(
            generated_page_at("Sources/nyt.html", false),
            Some("sources/")
        );
        assert_eq!(generated_page_at("report.html", false), None);
        assert_eq!(generated_page_at("Report.html", true), Some("report.html"));
        assert_eq!(generated_page_at("notes/index.html", false), None);
        assert_eq!(generated_page_at("overview.html", true), None);
    }
}
