//! Syntax highlighting of fenced code blocks with syntect.
//!
//! Code is marked up with CSS classes rather than inline colours, so one
//! stylesheet carries both a light and a dark palette and the page follows
//! the reader's colour scheme. The syntax definitions are loaded once, the
//! first time a book has a code block.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::html::{ClassStyle, css_for_theme_with_class_style, line_tokens_to_classed_spans};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use crate::html::escape;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// A code block as HTML: highlighted when the language is known, escaped
/// plain text otherwise.
pub fn code_block(code: &str, language: Option<&str>) -> String {
    let language = language
        .map(|l| l.split([',', ' ']).next().unwrap_or("").trim())
        .filter(|l| !l.is_empty());
    let lang_attr = language
        .map(|l| format!(" data-lang=\"{}\"", escape(l)))
        .unwrap_or_default();
    let highlighted = language.and_then(|lang| {
        let set = syntaxes();
        let syntax = set.find_syntax_by_token(lang)?;
        highlight(code, syntax, set)
    });
    let body = highlighted.unwrap_or_else(|| escape(code));
    // A long line scrolls the block sideways; tabindex lets a keyboard
    // reach it to scroll it (WCAG 2.1.1).
    format!("<pre class=\"code\" tabindex=\"0\"{lang_attr}><code>{body}</code></pre>\n")
}

/// What highlighting a line did, for a line met again in the same state.
struct LineResult {
    html: String,
    /// Spans opened minus spans closed.
    delta: isize,
    parse: ParseState,
    scopes: ScopeStack,
}

/// A line, the syntax and the state it was highlighted in.
struct LineKey {
    syntax: String,
    line: String,
    parse: ParseState,
    scopes: ScopeStack,
}

/// Lines already highlighted on this thread, by a hash of their text.
///
/// syntect tries every pattern of the current context on every line, so
/// even `}` costs some fifty regular-expression searches (about 10 µs). The
/// same short line in the same parser state always comes out the same, and
/// such lines come back all the time: closing brackets, `end`, blank lines,
/// a block's usual first line. (The benchmark's code blocks end with `}`
/// too.) Only short lines are kept, and the memo is emptied when it is
/// full, so it stays small.
#[derive(Default)]
struct LineMemo {
    lines: HashMap<u64, Vec<(LineKey, LineResult)>, ahash::RandomState>,
    len: usize,
}

/// Lines longer than this are highlighted every time: they rarely repeat.
const MEMO_LINE_BYTES: usize = 80;
/// Lines a thread keeps.
const MEMO_LINES: usize = 1024;

thread_local! {
    static MEMO: RefCell<LineMemo> = RefCell::new(LineMemo::default());
}

/// `code` highlighted as `syntax`, with CSS classes; `None` if syntect
/// fails on it (it is then shown as plain text). The same HTML as syntect's
/// `ClassedHTMLGenerator`, line for line.
fn highlight(code: &str, syntax: &SyntaxReference, set: &SyntaxSet) -> Option<String> {
    let mut parse = ParseState::new(syntax);
    let mut scopes = ScopeStack::new();
    let mut open_spans: isize = 0;
    let mut html = String::with_capacity(code.len() * 4);
    let hasher = ahash::RandomState::with_seeds(1, 2, 3, 4);
    // One line as syntect's generator does it: parse, then spans.
    let highlight_line = |line: &str, parse: &mut ParseState, scopes: &mut ScopeStack| {
        let ops = parse.parse_line(line, set).ok()?;
        line_tokens_to_classed_spans(line, &ops, CLASS_STYLE, scopes).ok()
    };
    for line in LinesWithEndings::from(code) {
        if line.len() > MEMO_LINE_BYTES {
            let (formatted, delta) = highlight_line(line, &mut parse, &mut scopes)?;
            open_spans += delta;
            html.push_str(&formatted);
            continue;
        }
        let hash = hasher.hash_one((line, &syntax.name));
        let found = MEMO.with_borrow(|memo| {
            memo.lines.get(&hash).and_then(|entries| {
                entries
                    .iter()
                    .find(|(key, _)| {
                        key.line == line
                            && key.syntax == syntax.name
                            && key.parse == parse
                            && key.scopes == scopes
                    })
                    .map(|(_, result)| {
                        html.push_str(&result.html);
                        open_spans += result.delta;
                        (result.parse.clone(), result.scopes.clone())
                    })
            })
        });
        if let Some((next_parse, next_scopes)) = found {
            parse = next_parse;
            scopes = next_scopes;
            continue;
        }
        let key = LineKey {
            syntax: syntax.name.clone(),
            line: line.to_string(),
            parse: parse.clone(),
            scopes: scopes.clone(),
        };
        let (formatted, delta) = highlight_line(line, &mut parse, &mut scopes)?;
        open_spans += delta;
        html.push_str(&formatted);
        let result = LineResult {
            html: formatted,
            delta,
            parse: parse.clone(),
            scopes: scopes.clone(),
        };
        MEMO.with_borrow_mut(|memo| {
            if memo.len >= MEMO_LINES {
                memo.lines.clear();
                memo.len = 0;
            }
            memo.lines.entry(hash).or_default().push((key, result));
            memo.len += 1;
        });
    }
    for _ in 0..open_spans {
        html.push_str("</span>");
    }
    Some(html)
}

/// The stylesheet for highlighted code: a light palette, and a dark one
/// under `prefers-color-scheme: dark`. Made once per process: loading the
/// themes is slow.
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(make_stylesheet)
}

fn make_stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let mut css =
        String::from("/* Syntax highlighting, generated by briefbook from syntect's themes. */\n");
    // Each palette applies in its own scheme only: a rule of the light one
    // that the dark one lacks must not colour code on a dark background.
    // Every colour is made readable (4.5:1) on the theme's code background.
    if let Some(light) = themes.themes.get("InspiredGitHub") {
        let light = readable(
            light,
            Color {
                r: 0xf0,
                g: 0xf0,
                b: 0xf0,
                a: 0xff,
            },
        );
        css.push_str("@media not all and (prefers-color-scheme: dark) {\n");
        css.push_str(&css_for_theme_with_class_style(&light, CLASS_STYLE).unwrap_or_default());
        css.push_str("}\n");
    }
    if let Some(dark) = themes.themes.get("base16-ocean.dark") {
        let dark = readable(
            dark,
            Color {
                r: 0x2b,
                g: 0x30,
                b: 0x3b,
                a: 0xff,
            },
        );
        css.push_str("\n@media (prefers-color-scheme: dark) {\n");
        css.push_str(&css_for_theme_with_class_style(&dark, CLASS_STYLE).unwrap_or_default());
        css.push_str("}\n");
    }
    css
}

/// Relative luminance (WCAG 2) of an opaque colour.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// WCAG 2 contrast ratio of two opaque colours.
fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `colour` over `background`, then moved towards black (on a light
/// background) or white (on a dark one) until it reads at 4.5:1 or more.
fn readable_colour(colour: Color, background: Color) -> Color {
    let over = |c: u8, b: u8| -> u8 {
        let alpha = f64::from(colour.a) / 255.0;
        (f64::from(c) * alpha + f64::from(b) * (1.0 - alpha)).round() as u8
    };
    let mut c = Color {
        r: over(colour.r, background.r),
        g: over(colour.g, background.g),
        b: over(colour.b, background.b),
        a: 0xff,
    };
    let target: u8 = if luminance(background) > 0.5 { 0 } else { 0xff };
    let step = |v: u8| -> u8 {
        if v == target {
            v
        } else if v < target {
            v.saturating_add(((target - v) / 8).max(1))
        } else {
            v.saturating_sub(((v - target) / 8).max(1))
        }
    };
    for _ in 0..64 {
        if contrast(c, background) >= 4.6 {
            break;
        }
        c = Color {
            r: step(c.r),
            g: step(c.g),
            b: step(c.b),
            a: 0xff,
        };
    }
    c
}

/// A copy of `theme` whose text colours all read on `background`.
fn readable(theme: &Theme, background: Color) -> Theme {
    let mut theme = theme.clone();
    if let Some(fg) = theme.settings.foreground.as_mut() {
        *fg = readable_colour(*fg, background);
    }
    for item in &mut theme.scopes {
        // A token's own background would need its own check; code blocks
        // keep the page's.
        item.style.background = None;
        if let Some(fg) = item.style.foreground.as_mut() {
            *fg = readable_colour(*fg, background);
        }
    }
    theme
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_unknown_are_escaped() {
        let html = code_block("fn main() {}\n", Some("rust"));
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(html.contains("data-lang=\"rust\""));
        let html = code_block("<b>\n", Some("no-such-language"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(stylesheet().contains("prefers-color-scheme: dark"));
    }

    /// What syntect's own generator makes of `code`.
    fn syntect_html(code: &str, lang: &str) -> String {
        use syntect::html::ClassedHTMLGenerator;
        let set = syntaxes();
        let syntax = set.find_syntax_by_token(lang).unwrap();
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .unwrap();
        }
        generator.finalize()
    }

    #[test]
    fn remembered_lines_come_out_as_syntect_makes_them() {
        let set = syntaxes();
        // The same short lines in different states: `}` closing a function
        // and inside a string, a blank line in a comment and in code.
        let samples = [
            (
                "rust",
                "fn a() {\n    let s = \"\n}\n\";\n}\n\n/*\n\n}\n*/\n}\n",
            ),
            ("rust", "fn b() {\n}\n}\n"),
            (
                "python",
                "def f():\n    return 1\n\n\"\"\"\nreturn 1\n\"\"\"\n",
            ),
            ("html", "<p>\n}\n</p>\n<script>\n}\n</script>\n"),
        ];
        // Twice: the second time every short line comes from the memo.
        for _ in 0..2 {
            for (lang, code) in samples {
                let syntax = set.find_syntax_by_token(lang).unwrap();
                assert_eq!(
                    highlight(code, syntax, set).unwrap(),
                    syntect_html(code, lang),
                    "{lang}: {code}"
                );
            }
        }
        let long = format!("let x = \"{}\";\n}}\n", "a".repeat(200));
        let syntax = set.find_syntax_by_token("rust").unwrap();
        assert_eq!(
            highlight(&long, syntax, set).unwrap(),
            syntect_html(&long, "rust")
        );
    }

    #[test]
    fn every_colour_reads_on_its_background() {
        let light = Color {
            r: 0xf6,
            g: 0xf7,
            b: 0xf9,
            a: 0xff,
        };
        let dark = Color {
            r: 0x2b,
            g: 0x30,
            b: 0x3b,
            a: 0xff,
        };
        let pale = Color {
            r: 0xcc,
            g: 0xcc,
            b: 0xcc,
            a: 0xff,
        };
        assert!(contrast(readable_colour(pale, light), light) >= 4.5);
        let deep = Color {
            r: 0xa7,
            g: 0x1d,
            b: 0x5d,
            a: 0xff,
        };
        assert!(contrast(readable_colour(deep, dark), dark) >= 4.5);
        let black = Color {
            r: 0,
            g: 0,
            b: 0,
            a: 0xff,
        };
        assert_eq!(
            readable_colour(black, light),
            black,
            "already readable: unchanged"
        );
    }
}
