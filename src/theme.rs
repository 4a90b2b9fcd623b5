//! Themes: Tera templates and static files.
//!
//! The default theme is compiled into the binary (from `themes/default/`),
//! so a book needs no theme folder of its own. A book may instead ship
//! `themes/<name>/` (chosen with `theme = "<name>"` in `book.toml`; a
//! `themes/default/` folder replaces the built-in one), and may override
//! single templates in `templates/`, file by file, as mdBook does.

use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;
use crate::load::{link_not_followed, relative_path};

/// The built-in default theme's templates.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../themes/default/templates/base.html"),
    ),
    (
        "footnotes.html",
        include_str!("../themes/default/templates/footnotes.html"),
    ),
    (
        "index.html",
        include_str!("../themes/default/templates/index.html"),
    ),
    (
        "note.html",
        include_str!("../themes/default/templates/note.html"),
    ),
    (
        "source.html",
        include_str!("../themes/default/templates/source.html"),
    ),
    (
        "sources.html",
        include_str!("../themes/default/templates/sources.html"),
    ),
    (
        "glossary.html",
        include_str!("../themes/default/templates/glossary.html"),
    ),
    (
        "chronology.html",
        include_str!("../themes/default/templates/chronology.html"),
    ),
    (
        "404.html",
        include_str!("../themes/default/templates/404.html"),
    ),
    (
        "report.html",
        include_str!("../themes/default/templates/report.html"),
    ),
    (
        "print.html",
        include_str!("../themes/default/templates/print.html"),
    ),
];

/// The built-in default theme's static files.
const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../themes/default/static/style.css"),
    ),
    (
        "briefbook.js",
        include_bytes!("../themes/default/static/briefbook.js"),
    ),
    (
        "search.js",
        include_bytes!("../themes/default/static/search.js"),
    ),
];

/// Templates ready to render, and the static files that go with them.
pub struct Theme {
    /// The compiled templates.
    pub tera: Tera,
    /// Files copied verbatim into the output: path -> bytes.
    pub static_files: Vec<(String, Vec<u8>)>,
    /// What was left out, and why: symbolic links in the theme's folders,
    /// which are not followed (as in `content/` and `seeds/`).
    pub warnings: Vec<Diagnostic>,
}

/// What reading a theme's folders found wrong: errors fail the build,
/// warnings are reported with it.
#[derive(Default)]
pub struct Problems {
    /// Files or folders that could not be read.
    pub errors: Vec<Diagnostic>,
    /// Files left out.
    pub warnings: Vec<Diagnostic>,
}

/// The files under `dir`, sorted, each with its path relative to `dir`.
/// Symbolic links are left out with a warning, as in the book's own
/// folders (a theme must not read outside the book); a file or folder that
/// cannot be listed is an error, not a file silently missing.
fn walk_files(root: &Path, dir: &Path, problems: &mut Problems) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return files;
    }
    // A folder that is itself a link is refused too (WalkDir follows a
    // root link unless told not to).
    for entry in WalkDir::new(dir)
        .sort_by_file_name()
        .follow_links(false)
        .follow_root_links(false)
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = relative_path(root, e.path().unwrap_or(dir));
                problems
                    .errors
                    .push(Diagnostic::global(format!("cannot read {path}: {e}")));
                continue;
            }
        };
        let path = entry.path();
        if entry.path_is_symlink() {
            problems
                .warnings
                .push(link_not_followed(&relative_path(root, path)));
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        files.push((path.to_path_buf(), relative_path(dir, path)));
    }
    files
}

fn read_templates(
    root: &Path,
    dir: &Path,
    templates: &mut Vec<(String, String)>,
    problems: &mut Problems,
) {
    for (path, name) in walk_files(root, dir, problems) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                templates.retain(|(n, _)| *n != name);
                templates.push((name, text));
            }
            Err(e) => problems.errors.push(Diagnostic::global(format!(
                "cannot read template {}: {e}",
                path.display()
            ))),
        }
    }
}

/// Reads files under `dir` into `(relative path, bytes)` pairs, sorted;
/// paths in messages are shown relative to `root`, the book's folder.
pub fn read_static(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, Vec<u8>)>,
    problems: &mut Problems,
) {
    for (path, name) in walk_files(root, dir, problems) {
        // Its path in the book becomes its path in the site, checked before
        // `\` is shown as `/`.
        if let Some(problem) = path
            .strip_prefix(dir)
            .ok()
            .and_then(crate::sitepath::name_problem)
        {
            problems.errors.push(
                Diagnostic::global(format!(
                    "the static file `{}` {problem}",
                    crate::sitepath::shown(path.strip_prefix(root).unwrap_or(&path))
                ))
                .with_help("rename the file: its path in static/ becomes its path in the site"),
            );
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                files.retain(|(n, _)| *n != name);
                files.push((name, bytes));
            }
            Err(e) => problems.errors.push(Diagnostic::global(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }
}

impl Theme {
    /// Loads the theme `name` for the book at `root`, with the book's
    /// `templates/` and `static/` overrides.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
        let mut problems = Problems::default();
        // `book.toml` refuses such a name at its place; a caller of the
        // library that sets it by hand is refused here, before `join`
        // turns `/home/me` or `../x` into a folder outside the book.
        if !crate::config::is_theme_name(name) {
            return Err(vec![Diagnostic::global(format!(
                "theme {name:?} is not the name of a folder in themes/"
            ))
            .with_help("a theme is read only from the book's own themes/ folder: give its folder's name")]);
        }
        let theme_dir = root.join("themes").join(name);
        let mut templates: Vec<(String, String)> = Vec::new();
        let mut static_files: Vec<(String, Vec<u8>)> = Vec::new();
        // `themes/` or the theme's folder as a link is not followed either.
        let linked = [root.join("themes"), theme_dir.clone()]
            .into_iter()
            .find(|dir| dir.is_symlink());
        if let Some(dir) = &linked {
            problems
                .warnings
                .push(link_not_followed(&relative_path(root, dir)));
        }
        if linked.is_none() && theme_dir.is_dir() {
            if name == "default" {
                // A local copy of the default theme may omit files.
                templates.extend(
                    DEFAULT_TEMPLATES
                        .iter()
                        .map(|(n, t)| (n.to_string(), t.to_string())),
                );
                static_files.extend(
                    DEFAULT_STATIC
                        .iter()
                        .map(|(n, b)| (n.to_string(), b.to_vec())),
                );
            }
            read_templates(
                root,
                &theme_dir.join("templates"),
                &mut templates,
                &mut problems,
            );
            read_static(
                root,
                &theme_dir.join("static"),
                &mut static_files,
                &mut problems,
            );
        } else if name == "default" {
            templates.extend(
                DEFAULT_TEMPLATES
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.to_string())),
            );
            static_files.extend(
                DEFAULT_STATIC
                    .iter()
                    .map(|(n, b)| (n.to_string(), b.to_vec())),
            );
        } else {
            problems.errors.push(
                Diagnostic::global(format!("theme `{name}` not found: there is no folder {}", theme_dir.display()))
                    .with_help("create the theme folder, or remove `theme` from content/book.toml to use the default theme"),
            );
            // With the warning that says why, if the folder is a link.
            problems.errors.append(&mut problems.warnings);
            return Err(problems.errors);
        }
        read_templates(root, &root.join("templates"), &mut templates, &mut problems);
        read_static(root, &root.join("static"), &mut static_files, &mut problems);
        let Problems {
            mut errors,
            warnings,
        } = problems;

        let mut tera = Tera::default();
        tera.register_filter("url_path", url_path);
        tera.register_filter("safe", safe);
        // Every page template is HTML, whatever its name ends with.
        tera.autoescape_on([""]);
        if let Err(e) =
            tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        {
            errors.push(Diagnostic::global(format!("a template does not compile: {}", tera_error_chain(&e))).with_help(
                "fix the template in templates/ or themes/; see https://keats.github.io/tera/docs/ for the syntax",
            ));
        }
        for required in [
            "index.html",
            "note.html",
            "source.html",
            "sources.html",
            "glossary.html",
            "chronology.html",
            "404.html",
        ] {
            if !templates.iter().any(|(n, _)| n == required) {
                errors.push(Diagnostic::global(format!(
                    "theme `{name}` has no template `{required}`"
                )));
            }
        }
        if errors.is_empty() {
            Ok(Theme {
                tera,
                static_files,
                warnings,
            })
        } else {
            errors.extend(warnings);
            Err(errors)
        }
    }

    /// [`Theme::render`] as the bytes of a page to write, into a buffer of
    /// `size` bytes (at least 8 KB) to begin with. Tera
    /// writes bytes: a `String` of them would check every page's UTF-8 once
    /// more, and a page that outgrows its buffer is copied at each doubling.
    pub fn render_bytes(
        &self,
        template: &str,
        context: &tera::Context,
        size: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let mut page = Vec::with_capacity(size.max(8 * 1024));
        self.tera
            .render_to(template, context, &mut page)
            .map_err(|e| template_failed(template, &e))?;
        Ok(page)
    }

    /// Renders one template, turning a template error into a diagnostic.
    pub fn render(&self, template: &str, context: &tera::Context) -> Result<String, Diagnostic> {
        self.tera
            .render(template, context)
            .map_err(|e| template_failed(template, &e))
    }
}

/// The `url_path` filter: a link to a page of the book (`x/y z.html#id`)
/// made a valid URL. Note paths never hold `#`, `?` or `%` (see
/// [`crate::load`]), so those are left as they are.
fn url_path(value: &str, _: tera::Kwargs, _: &tera::State) -> String {
    percent_encoding::utf8_percent_encode(value, crate::html::URL_UNSAFE).to_string()
}

/// The `safe` filter, as Tera's own but sharing the string rather than
/// copying it: every page marks its rendered Markdown and footnotes safe,
/// and Tera's filter copied each of them once more.
fn safe(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::Value {
    if value.is_string() {
        value.clone().mark_safe()
    } else {
        tera::Value::safe_string(&value.to_string())
    }
}

fn template_failed(template: &str, error: &tera::Error) -> Diagnostic {
    Diagnostic::global(format!(
        "template `{template}` failed: {}",
        tera_error_chain(error)
    ))
}

fn tera_error_chain(error: &tera::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ours renders what Tera's own `safe` renders, for text and for what
    /// is not text.
    #[test]
    fn safe_renders_as_teras_own() {
        let template =
            "{{ html | safe }} {{ html }} {{ n | safe }} {{ list | safe }} {{ short | safe }}";
        let mut context = tera::Context::new();
        context.insert("html", &"<b>x</b> ".repeat(10));
        context.insert("short", "<i>");
        context.insert("n", &3);
        context.insert("list", &["<i>"]);
        let render = |ours: bool| {
            let mut tera = Tera::default();
            if ours {
                tera.register_filter("safe", safe);
            }
            tera.autoescape_on([""]);
            tera.add_raw_template("t", template).unwrap();
            tera.render("t", &context).unwrap()
        };
        let page = render(true);
        assert!(page.starts_with("<b>x</b> <b>x</b>"), "{page}");
        assert!(page.ends_with(" 3 [\"<i>\"] <i>"), "{page}");
        assert_eq!(page, render(false));
    }
}
