//! Tests of rendering as a whole (one parse against two, what every
//! rendering returns) and the book the tests of each part render in.

use super::*;
use crate::glossary::Glossary;
use crate::load::Unloaded;
use crate::resolve::SourceSet;

/// The single parse (references taken everywhere, then checked against
/// the code the rendering finds) gives what the two-parse way gives, or
/// gives up.
#[test]
fn one_parse_renders_as_two_or_gives_up() {
    let mut files = crate::diagnostics::SourceMap::default();
    let sources = SourceSet::default();
    let glossary = Glossary::default();
    let env = RenderEnv {
        sources: &sources,
        glossary: &glossary,
        autolink: None,
        term_previews: &[],
        unloaded: &Unloaded::default(),
    };
    let cases = [
        // (Markdown, whether one parse must do)
        (
            "Prose [@a] and `code`.\n\n```rust\nfn main() {}\n```\n",
            true,
        ),
        // An unknown term may be code (`[[table]]` in TOML): the slow
        // way tells, without suggesting terms first.
        (
            "Prose [@a] and `code` and [[Term]].\n\n```rust\nfn main() {}\n```\n",
            false,
        ),
        ("```toml\n[[table]]\nkey = 1\n```\n", false),
        ("Code `[@a]` here.\n", false),
        ("```\nfirst\n\n[@a]\n```\n", false),
        ("~~~\n[@a]\n~~~\n", false),
        ("Text.\n\n    [@a] indented\n", false),
        ("- item\n\n      [@a] code in a list\n", false),
        ("<div>\n[@a]\n</div>\n", false),
        ("<!--\n\n[@a]\n\n-->\n", false),
        ("A <span title=\"[@a]\">span</span>.\n", false),
        ("> ```\n> code\n```\n[@a]\n```\n", false),
        ("A [@a `b`] c.\n", false),
        ("Broken [[ ]] here and `code`.\n", false),
        ("`` [@a] `` and [@b] and ~tilde~\n", false),
        (
            "Prose [@a, for the view] then\n\n~~~\ncode\n~~~\n\nand [@b].\n",
            true,
        ),
    ];
    for (markdown, fast) in cases {
        let file = files.add("n.md".into(), "n.md".into(), markdown.into());
        let fragment = Fragment {
            file,
            text: markdown,
            offset: 0,
            page: "n.html",
            base_dir: "",
            first_footnote: 1,
            autolink: false,
            escapes: None,
            collect: EVERYTHING,
        };
        let ranges = citation::code_ranges(markdown);
        let slow = render_with(&env, &fragment, Code::Ranges(&ranges)).unwrap();
        let one = render_with(&env, &fragment, Code::Unchecked);
        assert_eq!(one.is_some(), fast, "{markdown:?}");
        let rendered = render(&env, &fragment);
        for r in one.iter().chain([&rendered]) {
            assert_eq!(r.html, slow.html, "{markdown:?}");
            assert_eq!(r.diagnostics, slow.diagnostics, "{markdown:?}");
            assert_eq!(r.sections, slow.sections, "{markdown:?}");
            assert_eq!(r.units, slow.units, "{markdown:?}");
            assert_eq!(r.cited_sources, slow.cited_sources, "{markdown:?}");
            assert_eq!(r.cites, slow.cites, "{markdown:?}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 400, ..Default::default() })]
    /// Any mix of prose, references, code and HTML renders the same by
    /// one parse as by two.
    #[test]
    fn one_parse_renders_any_mix_as_two(pieces in proptest::collection::vec(proptest::sample::select(vec![
        "Prose ", "[@a]", "[@b, p. 2]", "[[T]]", "`", "``", "~~~", "```", "\n", "\n\n",
        "    ", "- ", "> ", "<div>", "</div>", "<span title=\"", "\">", "<!--", "-->",
        "[@a `x`]", "\\", "*", "[link](u)", "\t",
    ]), 0..24)) {
        let markdown: String = pieces.concat();
        let mut files = crate::diagnostics::SourceMap::default();
        let file = files.add("n.md".into(), "n.md".into(), markdown.as_str().into());
        let (sources, glossary) = (SourceSet::default(), Glossary::default());
        let env = RenderEnv { sources: &sources, glossary: &glossary, autolink: None, term_previews: &[], unloaded: &Unloaded::default() };
        let fragment = Fragment {
            file, text: &markdown, offset: 0, page: "n.html", base_dir: "",
            first_footnote: 1, autolink: false, escapes: None, collect: EVERYTHING,
        };
        let ranges = citation::code_ranges(&markdown);
        let slow = render_with(&env, &fragment, Code::Ranges(&ranges)).unwrap();
        let rendered = render(&env, &fragment);
        proptest::prop_assert_eq!(&rendered.html, &slow.html);
        proptest::prop_assert_eq!(&rendered.diagnostics, &slow.diagnostics);
        proptest::prop_assert_eq!(&rendered.sections, &slow.sections);
        proptest::prop_assert_eq!(&rendered.units, &slow.units);
        // Every section is cut at a heading the rendering found.
        let cut: Vec<usize> = rendered.sections.iter().filter_map(|s| s.heading).collect();
        proptest::prop_assert_eq!(cut, (0..rendered.headings.len()).collect::<Vec<_>>());
    }
}

/// Collect everything a note's rendering can collect.
pub(super) const EVERYTHING: Collect = Collect::Page {
    sections: true,
    title_in_body: false,
    units: true,
};

/// A book of two sources (`nyt`, `ynet`) and a glossary of two terms
/// (`Golan Heights`, `Buffer zone`).
pub(super) struct Book {
    files: crate::diagnostics::SourceMap,
    sources: SourceSet,
    glossary: Glossary,
}

impl Book {
    pub(super) fn new() -> Book {
        let mut files = crate::diagnostics::SourceMap::default();
        let source = |files: &mut crate::diagnostics::SourceMap, id: &str, text: &str| {
            let text = format!("+++\ntitle = \"{id}\"\n+++\n{text}\n");
            let file = files.add(format!("seeds/{id}.md"), id.into(), text.as_str().into());
            crate::source::Source::parse(file, id, &text, false).unwrap()
        };
        let nyt = source(&mut files, "nyt", "Talks resumed.\n\nA buffer zone.");
        let ynet = source(&mut files, "ynet", "Talks were frozen.");
        let toml = "[[term]]\nname = \"Golan Heights\"\ndefinition = \"A plateau.\"\n\n[[term]]\nname = \"Buffer zone\"\ndefinition = \"A strip.\"\n";
        let file = files.add("glossary.toml".into(), "glossary.toml".into(), toml.into());
        let glossary = Glossary::parse(file, toml).unwrap();
        Book {
            files,
            sources: SourceSet::new([nyt, ynet]),
            glossary,
        }
    }

    /// Renders `markdown` as a note's body that starts at `offset` of
    /// its file (front matter before it).
    pub(super) fn render_at(
        &mut self,
        markdown: &str,
        offset: usize,
        collect: Collect,
    ) -> Rendered {
        let text = format!("{}{markdown}", "\n".repeat(offset));
        let file = self
            .files
            .add("n.md".into(), "n.md".into(), text.as_str().into());
        let env = RenderEnv {
            sources: &self.sources,
            glossary: &self.glossary,
            autolink: None,
            term_previews: &[],
            unloaded: &Unloaded::default(),
        };
        render(
            &env,
            &Fragment {
                file,
                text: &text[offset..],
                offset,
                page: "n.html",
                base_dir: "",
                first_footnote: 1,
                autolink: false,
                escapes: None,
                collect,
            },
        )
    }

    pub(super) fn render(&mut self, markdown: &str, collect: Collect) -> Rendered {
        self.render_at(markdown, 0, collect)
    }
}

#[test]
fn cited_sources_are_named_whether_or_not_they_resolve() {
    let mut book = Book::new();
    let rendered = book.render(
        "A [@ynet#p1] b [@nyt#p9 \"not there\"; @ynet] c [@unknown].",
        Collect::Plain,
    );
    assert!(!rendered.diagnostics.is_empty());
    assert_eq!(rendered.cited_sources, [0, 1]);
    assert!(rendered.cites);
    let rendered = book.render(
        "Only [@unknown] here, and `[@nyt]` in code.",
        Collect::Plain,
    );
    assert!(rendered.cites && rendered.cited_sources.is_empty());
    let rendered = book.render("No citation, a [[Golan Heights]] term.", Collect::Plain);
    assert!(!rendered.cites);
}
