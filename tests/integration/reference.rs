//! The glossary and chronology pages, term links and autolinking.

use crate::support::{TestBook, text_of};

const GLOSSARY: &str = r#"
[[term]]
name = "Golan Heights"
aliases = ["the Golan"]
kind = "place"
definition = """A strategic plateau captured in 1967 [@nyt#p4]. See [[buffer zone]]."""
see_also = ["buffer-zone"]

[[term]]
id = "buffer-zone"
name = "Buffer zone"
aliases = ["UN buffer zone"]
kind = "concept"
definition = "A zone between the forces [@nyt#p3]."

[[term]]
name = "al-Sharaa"
aliases = ["Ahmed al-Sharaa"]
kind = "person"
definition = "Syria's president."

[[term]]
name = "1974 agreement"
kind = "agreement"
definition = "The disengagement agreement."
"#;

const CHRONOLOGY: &str = r#"
[[event]]
id = "fall-of-assad"
date = "2024-12-08"
title = "Assad government falls"
body = "The government falls [@nyt#p1]; [[al-Sharaa]] takes power."

[[event]]
id = "war"
date = "1948"
title = "State of war"
body = "At war since 1948 [@nyt#p4]."

[[event]]
id = "zone-taken"
date = "2024-12"
title = "Buffer zone taken"
body = "Israel takes the zone [@nyt#p3]."

[[event]]
id = "paris"
date = "2025-12"
end = "2026-01"
approximate = true
title = "Paris round"
"#;

const NYT: &str = "+++\ntitle = \"Talks\"\noutlet = \"New York Times\"\n+++\n\nThe government fell.\n\nThe talks went on.\n\nThe discussions focused on a buffer zone.\n\nIsrael and Syria have been at war since 1948; the Golan Heights were captured in 1967.\n";

fn book(note: &str, autolink: bool) -> TestBook {
    TestBook::new()
        .file("seeds/nyt.md", NYT)
        .file(
            "content/book.toml",
            format!("title = \"Reference\"\nautolink_glossary = {autolink}\n"),
        )
        .file("content/glossary.toml", GLOSSARY)
        .file("content/chronology.toml", CHRONOLOGY)
        .file("content/note.md", note)
}

#[test]
fn glossary_page_lists_terms_alphabetically_with_everything_about_them() {
    let built = book(
        "# Note\n\nThe [[the golan]] and [[GOLAN HEIGHTS]] and [[buffer-zone|the zone]].\n",
        false,
    )
    .built();
    let page = built.page("glossary.html");
    assert_eq!(
        page.attrs("div.term-entry", "id"),
        [
            "1974-agreement",
            "al-sharaa",
            "buffer-zone",
            "golan-heights"
        ]
    );
    assert_eq!(page.texts("nav.letters a"), ["#", "A", "B", "G"]);
    assert_eq!(
        page.attrs("nav.letters a", "href"),
        ["#letter-0-9", "#letter-a", "#letter-b", "#letter-g"]
    );
    assert_eq!(
        page.attrs("div.term-entry", "data-kind"),
        ["agreement", "person", "concept", "place"]
    );
    assert_eq!(
        page.attrs("fieldset.kind-filter input", "value"),
        ["", "agreement", "concept", "person", "place"]
    );
    assert_eq!(
        page.texts("#golan-heights p.aliases"),
        ["Also written: the Golan"]
    );
    assert_eq!(
        page.attrs("#golan-heights p.see-also a", "href"),
        ["#buffer-zone"]
    );
    // Citations in definitions are footnoted on the glossary page, numbered
    // across the page in alphabetical order of the terms.
    assert_eq!(
        page.attrs("div.term-entry .fn-ref a", "href"),
        ["#fn-1", "#fn-2"]
    );
    assert_eq!(page.attrs("section.footnotes li", "id"), ["fn-1", "fn-2"]);
    assert_eq!(
        page.attrs("#fn-2 a.cite-loc", "href"),
        ["sources/nyt.html#p4"]
    );
    // Mentioned in: the note and the chronology event.
    assert_eq!(
        page.attrs("#golan-heights p.mentions a", "href"),
        ["note.html"]
    );
    assert_eq!(
        page.attrs("#al-sharaa p.mentions a", "href"),
        ["chronology.html#fall-of-assad"]
    );
    assert_eq!(
        page.attrs("#buffer-zone p.mentions a", "href"),
        ["note.html"]
    );
}

#[test]
fn term_links_carry_their_definition_for_a_preview() {
    let built = book(
        "# Note\n\nThe [[the golan]] and [[buffer-zone|the zone]].\n",
        false,
    )
    .built();
    let page = built.page("note.html");
    let links = page.select("a.term");
    assert_eq!(links.len(), 2);
    assert_eq!(
        links[0].value().attr("href"),
        Some("glossary.html#golan-heights")
    );
    assert_eq!(text_of(&links[0]), "the golan");
    assert_eq!(
        links[0].value().attr("data-preview"),
        Some("A strategic plateau captured in 1967. See buffer zone.")
    );
    assert_eq!(text_of(&links[1]), "the zone");
}

#[test]
fn autolinking_links_the_first_plain_mention_of_each_name() {
    let note = "# The Golan Heights\n\n\
        The golan heights matter. The Golan Heights again. Ahmed al-Sharaa spoke;\n\
        al-Sharaa again. A [link about the Golan](https://example.com) and `the Golan` in code.\n\
        The UN buffer zone [@nyt \"buffer zone\"] and the 1974 agreement.\n\
        Not inside words: Golan Heightsville.\n";
    let built = book(note, true).built();
    let page = built.page("note.html");
    let linked: Vec<(String, String)> = page
        .select("article.note a.term")
        .iter()
        .map(|a| (text_of(a), a.value().attr("href").unwrap().to_string()))
        .collect();
    assert_eq!(
        linked,
        [
            (
                "golan heights".to_string(),
                "glossary.html#golan-heights".to_string()
            ),
            ("Ahmed al-Sharaa".into(), "glossary.html#al-sharaa".into()),
            ("al-Sharaa".into(), "glossary.html#al-sharaa".into()),
            ("UN buffer zone".into(), "glossary.html#buffer-zone".into()),
            (
                "1974 agreement".into(),
                "glossary.html#1974-agreement".into()
            ),
        ]
    );
    assert!(page.select("h1 a.term").is_empty(), "never in headings");
    assert!(page.select("code a.term").is_empty(), "never in code");
    // Autolinked mentions count as mentions on the glossary page.
    assert_eq!(
        built
            .page("glossary.html")
            .attrs("[id='1974-agreement'] p.mentions a", "href"),
        ["note.html"]
    );
}

#[test]
fn autolinking_is_off_by_default() {
    let built = book("The Golan Heights.\n", false).built();
    assert!(built.page("note.html").select("a.term").is_empty());
}

#[test]
fn chronology_page_sorts_groups_and_dates_events_at_their_precision() {
    let built = book("See [the fall](chronology.md#fall-of-assad).\n", false).built();
    let page = built.page("chronology.html");
    assert_eq!(
        page.attrs("section.year h2", "id"),
        ["year-1948", "year-2024", "year-2025"]
    );
    assert_eq!(
        page.attrs("li.event", "id"),
        ["war", "zone-taken", "fall-of-assad", "paris"]
    );
    assert_eq!(
        page.texts("li.event time"),
        [
            "1948",
            "December 2024",
            "8 December 2024",
            "c. December 2025 – January 2026"
        ]
    );
    assert_eq!(
        page.attrs("li.event time", "datetime"),
        ["1948", "2024-12", "2024-12-08", "2025-12"]
    );
    // Footnotes are numbered across the page in chronological order.
    assert_eq!(
        page.attrs("li.event .fn-ref a", "href"),
        ["#fn-1", "#fn-2", "#fn-3"]
    );
    assert_eq!(
        page.attrs("#fn-1 a.cite-loc", "href"),
        ["sources/nyt.html#p4"]
    );
    // Terms in bodies are linked, and the note's link is listed.
    assert_eq!(
        page.attrs("#fall-of-assad a.term", "href"),
        ["glossary.html#al-sharaa"]
    );
    assert_eq!(
        page.attrs("#fall-of-assad p.mentions a", "href"),
        ["note.html"]
    );
    // The note's link was rewritten to the chronology page.
    assert_eq!(
        built.page("note.html").attrs("article.note p a", "href"),
        ["chronology.html#fall-of-assad"]
    );
    // Event citations link back from the source page.
    assert_eq!(
        built
            .page("sources/nyt.html")
            .attrs("#p1 .cited-by sup a", "href"),
        ["../chronology.html#fnref-3"]
    );
}

#[test]
fn links_to_glossary_terms_are_checked_and_rewritten() {
    let built = book("See [the plateau](glossary.md#golan-heights).\n", false).built();
    assert_eq!(
        built.page("note.html").attrs("article.note p a", "href"),
        ["glossary.html#golan-heights"]
    );
    let text = book("See [the plateau](glossary.md#golan).\n", false).errors();
    assert!(
        text.contains("`glossary.md` has no term with the id `golan`"),
        "{text}"
    );
    assert!(text.contains("did you mean `#golan-heights`?"), "{text}");
}

#[test]
fn every_page_links_to_the_reference_pages_and_notes_to_their_neighbours() {
    let built = book("# First\n", false)
        .file("content/second.md", "+++\nweight = 5\n+++\n# Second\n")
        .built();
    for page in [
        "index.html",
        "note.html",
        "glossary.html",
        "chronology.html",
        "sources/nyt.html",
    ] {
        let hrefs = built.page(page).attrs("nav.site-nav a", "href");
        assert_eq!(hrefs.len(), 4, "{page}");
        assert!(
            hrefs.iter().any(|h| h.ends_with("glossary.html"))
                && hrefs.iter().any(|h| h.ends_with("chronology.html"))
        );
    }
    let first = built.page("note.html");
    assert_eq!(first.attrs("a[rel=next]", "href"), ["second.html"]);
    assert!(first.select("a[rel=prev]").is_empty());
}
