//! A whole note through the Markdown renderer, against a small book: no
//! panic, every diagnostic points inside the note and renders.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use briefbook::autolink::Autolinker;
use briefbook::diagnostics::SourceMap;
use briefbook::glossary::Glossary;
use briefbook::markdown::{self, Collect, Fragment, RenderEnv};
use briefbook::resolve::SourceSet;
use briefbook::source::Source;
use libfuzzer_sys::fuzz_target;

const SOURCE: &str = "+++\ntitle = \"Talks\"\noutlet = \"Times\"\nurl = \"https://example.com/a\"\n[anchors]\nzone = \"p2\"\n+++\n\nThe talks resumed in Paris.\n\nThe buffer zone was discussed, and the <script>talks</script> went on.\n\nThe talks ended \"here\".\n";
const GLOSSARY: &str = "[[term]]\nname = \"Golan Heights\"\naliases = [\"the Golan\"]\ndefinition = \"A plateau [@nyt#p1].\"\n";

struct Book {
    sources: SourceSet,
    glossary: Glossary,
    autolink: Option<Autolinker>,
    previews: Vec<String>,
}

fn book() -> &'static Book {
    static BOOK: OnceLock<Book> = OnceLock::new();
    BOOK.get_or_init(|| {
        let mut map = SourceMap::default();
        let s = map.add(
            "seeds/nyt.md".into(),
            PathBuf::from("nyt.md"),
            SOURCE.into(),
        );
        let g = map.add(
            "content/glossary.toml".into(),
            PathBuf::from("g.toml"),
            GLOSSARY.into(),
        );
        let source = Source::parse(s, "nyt", SOURCE, false).expect("source parses");
        let glossary = Glossary::parse(g, GLOSSARY).expect("glossary parses");
        let autolink = Autolinker::new(&glossary);
        // The definition's preview, as rendering it gives it.
        let previews = vec!["A plateau.".to_string()];
        Book {
            sources: SourceSet::new(vec![source]),
            glossary,
            autolink,
            previews,
        }
    })
}

fuzz_target!(|text: &str| {
    let book = book();
    let mut map = SourceMap::default();
    let file = map.add(
        "content/a/note.md".into(),
        PathBuf::from("note.md"),
        text.into(),
    );
    let env = RenderEnv {
        sources: &book.sources,
        glossary: &book.glossary,
        autolink: book.autolink.as_ref(),
        term_previews: &book.previews,
        unloaded: &Default::default(),
    };
    let rendered = markdown::render(
        &env,
        &Fragment {
            file,
            text,
            offset: 0,
            page: "a/note.html",
            base_dir: "a",
            first_footnote: 1,
            autolink: true,
            escapes: None,
            collect: Collect::Page {
                sections: true,
                title_in_body: true,
                units: true,
            },
        },
    );
    for d in &rendered.diagnostics {
        if let Some((f, span)) = &d.location {
            if *f == file {
                assert!(
                    span.start <= span.end && span.end <= text.len(),
                    "{span:?}: {}",
                    d.message
                );
            }
        }
        let _ = d.render(&map);
    }
    for unit in &rendered.units {
        assert!(unit.at <= text.len(), "unit at {}", unit.at);
    }
    for link in &rendered.links {
        assert!(link.span.start <= link.span.end && link.span.end <= text.len());
    }
});
