//! The editor's report: `check --report` (text and JSON) and `report.html`.

use std::process::Command;

use briefbook::report::Report;
use briefbook::site::{BuildOptions, Outcome};

use crate::support::{TestBook, text_of};

const NYT: &str = "+++\ntitle = \"Talks\"\noutlet = \"New York Times\"\n+++\n\nThe talks resumed in Paris.\n\nIsrael and Syria have been officially at war since 1948.\n\nThe intelligence chief, Hussein Salameh, attended.\n";

const YNET: &str = "+++\ntitle = \"Talks resume\"\noutlet = \"Ynet News\"\n+++\n\nTalks were frozen about two months ago.\n\nHussein al-Salama led the Syrian side.\n";

const UNUSED: &str =
    "+++\ntitle = \"An article nobody cites\"\noutlet = \"Nobody\"\n+++\n\nNothing to see.\n";

const GLOSSARY: &str = r#"
[[term]]
id = "salama"
name = "Hussein al-Salama"
aliases = ["Salama"]
kind = "person"
definition = "Syria's intelligence chief [@ynet#p2]."

[[term]]
id = "golan"
name = "Golan Heights"
kind = "place"
definition = "A plateau."

[[term]]
id = "buffer-zone"
name = "Buffer zone"
kind = "concept"
definition = "A zone between the forces."

[[term]]
id = "paris"
name = "Paris"
kind = "place"
definition = "Where the talks are held."
"#;

const CHRONOLOGY: &str = r#"
[[event]]
id = "war"
date = "1948"
title = "State of war"
body = "At war since 1948 [@nyt#p2]."

[[event]]
id = "paris-round"
date = "2025-12"
title = "Paris round"
body = "The talks resume in [[Paris]]."
"#;

/// Cites two sources; one paragraph cites nothing, and several things
/// that state nothing (a heading, a link, a question, a lead-in, code, a
/// block quote) must not be listed.
const NOTE_A: &str = r#"+++
title = "The talks"
+++

# The talks

The talks resumed in Paris[@nyt#p1] around the [[buffer zone]].

The two delegations disagreed about nearly everything that mattered.

A footnote carries the source here.[^src]

- [[Salama]] led the Syrian side[@ynet#p2].
- Nobody expected a quick agreement from this round.

| Who | What |
|---|---|
| Syria | attended [@nyt#p3] |
| Israel | sent three officials to the table |

See [the other note](b.md).

What will happen next?

The open questions are:

> Everything is on the table, an official said.

```
code is not a claim at all, whatever it says
```

[^src]: As reported [@ynet#p1].
"#;

/// Cites one source only, once through a link to the glossary.
const NOTE_B: &str = r#"+++
title = "The war"
+++

The countries have been at war since 1948[@nyt "officially at war since 1948"], around
the [Golan](glossary.md#golan).
"#;

fn book() -> TestBook {
    TestBook::new()
        .file("seeds/nyt.md", NYT)
        .file("seeds/ynet.md", YNET)
        .file("seeds/unused.md", UNUSED)
        .file("content/glossary.toml", GLOSSARY)
        .file("content/chronology.toml", CHRONOLOGY)
        .file("content/a.md", NOTE_A)
        .file("content/b.md", NOTE_B)
}

fn options(book: &TestBook) -> BuildOptions {
    BuildOptions {
        root: book.root().to_path_buf(),
        output: None,
        drafts: false,
    }
}

fn checked(book: &TestBook) -> (Outcome, Report) {
    briefbook::site::check_with_report(&options(book))
}

fn briefbook(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn every_category_is_found() {
    let book = book();
    let (outcome, report) = checked(&book);
    assert!(
        !outcome.diagnostics.has_errors(),
        "{}",
        outcome.diagnostics.render(&outcome.files)
    );
    let s = &report.summary;
    assert_eq!((s.notes, s.sources, s.terms, s.events), (2, 3, 4, 2));

    let ids: Vec<&str> = report
        .uncited_sources
        .iter()
        .map(|u| u.id.as_str())
        .collect();
    assert_eq!(ids, ["unused"]);
    assert_eq!(report.uncited_sources[0].file, "seeds/unused.md");

    let paragraphs: Vec<(&str, usize, &str, &str)> = report
        .uncited_paragraphs
        .iter()
        .map(|p| {
            (
                p.file.as_str(),
                p.line,
                p.kind.as_str(),
                p.first_words.as_str(),
            )
        })
        .collect();
    assert_eq!(
        paragraphs,
        [
            (
                "content/a.md",
                9,
                "paragraph",
                "The two delegations disagreed about nearly everything that …"
            ),
            (
                "content/a.md",
                14,
                "list item",
                "Nobody expected a quick agreement from this round."
            ),
            (
                "content/a.md",
                19,
                "table row",
                "Israel sent three officials to the table"
            ),
        ]
    );

    // `golan` is used through a link, `salama` and `buffer-zone` with
    // [[...]], `paris` from a chronology event.
    let terms: Vec<&str> = report.unused_terms.iter().map(|t| t.id.as_str()).collect();
    assert!(terms.is_empty(), "{terms:?}");

    let events: Vec<(&str, &str, usize)> = report
        .uncited_events
        .iter()
        .map(|e| (e.id.as_str(), e.date.as_str(), e.line))
        .collect();
    assert_eq!(events, [("paris-round", "December 2025", 11)]);

    let notes: Vec<(&str, Vec<&str>)> = report
        .note_sources
        .iter()
        .map(|n| {
            (
                n.note.as_str(),
                n.sources.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [("a.md", vec!["nyt", "ynet"]), ("b.md", vec!["nyt"])]
    );
    assert_eq!((s.single_source_notes, s.notes_without_sources), (1, 0));

    /// A name variant as (form, term, why, where), for comparing.
    type Variant<'a> = (&'a str, &'a str, &'a str, Vec<(&'a str, usize)>);
    let variants: Vec<Variant<'_>> = report
        .name_variants
        .iter()
        .map(|v| {
            (
                v.form.as_str(),
                v.term.as_str(),
                v.why.as_str(),
                v.occurrences
                    .iter()
                    .map(|o| (o.source.as_str(), o.paragraph))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        variants,
        [(
            "Hussein Salameh",
            "salama",
            "transliteration",
            vec![("nyt", 3)]
        )]
    );
    assert!(report.quotation_drifts.is_empty());
}

#[test]
fn unused_terms_and_single_source_notes() {
    // Without the link in b.md, `golan` is unused; without the citation of
    // ynet in a.md, both notes cite one source.
    let book = book()
        .file(
            "content/b.md",
            NOTE_B.replace("[Golan](glossary.md#golan)", "Golan"),
        )
        .file(
            "content/a.md",
            NOTE_A
                .replace("[@ynet#p2]", "[@nyt#p3]")
                .replace("[@ynet#p1]", "[@nyt#p1]"),
        );
    let (_, report) = checked(&book);
    let terms: Vec<&str> = report.unused_terms.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(terms, ["golan"]);
    assert_eq!(report.unused_terms[0].line, 11);
    assert_eq!(report.summary.single_source_notes, 2);
    assert_eq!(
        report
            .uncited_sources
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>(),
        ["unused"],
        "ynet is still cited by the glossary"
    );
}

#[test]
fn listed_variants_are_not_reported() {
    let book = book().file(
        "content/glossary.toml",
        GLOSSARY.replace(
            "aliases = [\"Salama\"]",
            "aliases = [\"Salama\", \"Hussein Salameh\"]",
        ),
    );
    let (_, report) = checked(&book);
    assert!(
        report.name_variants.is_empty(),
        "{:?}",
        report.name_variants
    );
}

#[test]
fn a_drift_is_reported_with_the_closest_passage_and_fails_the_check() {
    let book = book();
    let (outcome, _) = checked(&book);
    assert!(!outcome.diagnostics.has_errors());
    // The archived text is edited after the note was written.
    let book = book.file("seeds/nyt.md", NYT.replace("since 1948", "since 1949"));
    let (outcome, report) = checked(&book);
    assert!(outcome.diagnostics.has_errors());
    assert_eq!(
        report.quotation_drifts.len(),
        1,
        "{:?}",
        report.quotation_drifts
    );
    let drift = &report.quotation_drifts[0];
    assert_eq!(
        (drift.file.as_str(), drift.line, drift.column),
        ("content/b.md", 5, 48)
    );
    assert_eq!(drift.source, "nyt");
    assert_eq!(drift.quotation, "officially at war since 1948");
    let closest = drift.closest.as_ref().unwrap();
    assert_eq!(closest.paragraph, 2);
    assert_eq!(closest.text, "officially at war since 1949.");

    // The command prints the report and still fails.
    let output = briefbook(&["check", "--report", "--root", book.root().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("Quotations not found in their source (1)\n  content/b.md:5:48  @nyt “officially at war since 1948”\n      the source now reads, in p2: “officially at war since 1949.”"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Sources never cited (1)\n  unused"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: quotation not found in `nyt`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: the book has 1 error; nothing was written"),
        "{stderr}"
    );
}

#[test]
fn drifts_in_glossary_definitions_are_reported_too() {
    let book = book().file(
        "content/glossary.toml",
        // Escapes in a TOML string: the column is still right.
        GLOSSARY
            .replace("Syria's intelligence", "Syria\\u2019s intelligence")
            .replace("[@ynet#p2]", "[@ynet#p2 \\\"led the Israeli side\\\"]"),
    );
    let (outcome, report) = checked(&book);
    let errors = outcome.diagnostics.render(&outcome.files);
    assert_eq!(outcome.diagnostics.error_count(), 1, "{errors}");
    assert!(errors.contains("content/glossary.toml:7:57"), "{errors}");
    let drift = &report.quotation_drifts[0];
    assert_eq!(
        (
            drift.file.as_str(),
            drift.line,
            drift.column,
            drift.source.as_str()
        ),
        ("content/glossary.toml", 7, 57, "ynet")
    );
    assert_eq!(drift.closest.as_ref().unwrap().text, "led the Syrian side.");
}

#[test]
fn a_citation_that_does_not_resolve_still_cites_its_source() {
    // The report counts every citation, not only those that resolve (the
    // links on source pages): `unused` cited with a quotation it does not
    // hold is a drift, and an error, but it is not a source never cited;
    // an event that cites an unknown source has a citation.
    let book = book()
        .file(
            "content/b.md",
            NOTE_B.replace(
                "around\nthe",
                "[@unused \"a quotation not in it\"] around\nthe",
            ),
        )
        .file(
            "content/chronology.toml",
            CHRONOLOGY.replace("in [[Paris]].", "in [[Paris]] [@nowhere]."),
        );
    let (outcome, report) = checked(&book);
    assert!(outcome.diagnostics.has_errors());
    let drifts: Vec<&str> = report
        .quotation_drifts
        .iter()
        .map(|d| d.source.as_str())
        .collect();
    assert_eq!(drifts, ["unused"]);
    assert!(
        report.uncited_sources.is_empty(),
        "{:?}",
        report.uncited_sources
    );
    assert!(
        report.uncited_events.is_empty(),
        "{:?}",
        report.uncited_events
    );
}

#[test]
fn a_term_is_used_by_another_definition_but_not_by_its_own() {
    // Without the link in b.md, only definitions refer to `golan`.
    let book = book().file(
        "content/b.md",
        NOTE_B.replace("[Golan](glossary.md#golan)", "Golan"),
    );
    let unused = |book: &TestBook| -> Vec<String> {
        let (_, report) = checked(book);
        report.unused_terms.into_iter().map(|t| t.id).collect()
    };
    let own = book.file(
        "content/glossary.toml",
        GLOSSARY.replace("\"A plateau.\"", "\"A plateau, the [[Golan Heights]].\""),
    );
    assert_eq!(unused(&own), ["golan"]);
    let other = own.file(
        "content/glossary.toml",
        GLOSSARY.replace(
            "\"A zone between the forces.\"",
            "\"A zone between the forces, on the [[Golan Heights]].\"",
        ),
    );
    assert!(unused(&other).is_empty(), "{:?}", unused(&other));
}

#[test]
fn json_is_on_stdout_with_documented_fields() {
    let book = book();
    let output = briefbook(&[
        "check",
        "--report",
        "--format",
        "json",
        "--root",
        book.root().to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["schema"], 1);
    let summary = &json["summary"];
    for (field, value) in [
        ("notes", 2),
        ("sources", 3),
        ("terms", 4),
        ("events", 2),
        ("uncited_sources", 1),
        ("uncited_paragraphs", 3),
        ("unused_terms", 0),
        ("uncited_events", 1),
        ("single_source_notes", 1),
        ("notes_without_sources", 0),
        ("name_variants", 1),
        ("quotation_drifts", 0),
    ] {
        assert_eq!(summary[field], value, "summary.{field}");
    }
    assert_eq!(json["uncited_sources"][0]["id"], "unused");
    assert_eq!(json["uncited_sources"][0]["outlet"], "Nobody");
    let p = &json["uncited_paragraphs"][0];
    assert_eq!(p["note"], "a.md");
    assert_eq!(p["file"], "content/a.md");
    assert_eq!(p["page"], "a.html");
    assert_eq!(p["line"], 9);
    assert_eq!(p["kind"], "paragraph");
    assert_eq!(json["uncited_events"][0]["id"], "paris-round");
    assert_eq!(json["note_sources"][0]["count"], 2);
    assert_eq!(
        json["note_sources"][0]["sources"],
        serde_json::json!(["nyt", "ynet"])
    );
    let v = &json["name_variants"][0];
    assert_eq!(v["form"], "Hussein Salameh");
    assert_eq!(v["term"], "salama");
    assert_eq!(v["term_name"], "Hussein al-Salama");
    assert_eq!(
        v["occurrences"],
        serde_json::json!([{"source": "nyt", "paragraph": 3}])
    );
    assert_eq!(json["quotation_drifts"], serde_json::json!([]));
    // Diagnostics and the summary stay on standard error.
    assert!(String::from_utf8_lossy(&output.stderr).contains("checked 2 notes"));
}

#[test]
fn format_needs_report() {
    let book = book();
    let output = briefbook(&[
        "check",
        "--format",
        "json",
        "--root",
        book.root().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let output = briefbook(&["check", "--root", book.root().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty(), "no report without --report");
}

#[test]
fn report_html_only_when_switched_on() {
    let built = book().built();
    assert!(!built.out.join("report.html").exists());

    let built = book()
        .file("content/book.toml", "title = \"B\"\nreport = true\n")
        .built();
    let page = built.page("report.html");
    assert_eq!(text_of(&page.one("main h1")), "Editor's report");
    let sources = page.select("#uncited-sources + ul a");
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].value().attr("href"), Some("sources/unused.html"));
    let rows = page.texts("section[aria-labelledby=uncited-paragraphs] tbody tr");
    assert_eq!(rows.len(), 3);
    assert!(rows[0].contains("content/a.md:9"), "{rows:?}");
    assert_eq!(
        page.attrs("section[aria-labelledby=uncited-events] li a", "href"),
        ["chronology.html#paris-round"]
    );
    let variant = page.texts("section[aria-labelledby=name-variants] tbody td");
    assert_eq!(variant[0], "Hussein Salameh");
    assert_eq!(variant[1], "Hussein al-Salama");
    assert_eq!(
        page.attrs("section[aria-labelledby=name-variants] tbody td a", "href"),
        ["glossary.html#salama", "sources/nyt.html#p3"]
    );
    assert_eq!(
        page.attrs(
            "section[aria-labelledby=note-sources] tr.report-few a",
            "href"
        )[0],
        "b.html"
    );
    assert_eq!(
        text_of(&page.one("section[aria-labelledby=quotation-drifts] .report-none")),
        "Every quotation is found in its source."
    );
}

#[test]
fn a_custom_theme_without_report_html_is_told_so() {
    let book = book()
        .file("content/book.toml", "theme = \"plain\"\nreport = true\n")
        .file("themes/plain/templates/x.html", "x");
    for name in [
        "index.html",
        "note.html",
        "source.html",
        "sources.html",
        "glossary.html",
        "chronology.html",
        "404.html",
    ] {
        std::fs::write(
            book.root().join("themes/plain/templates").join(name),
            "{{ page }}",
        )
        .unwrap();
    }
    let errors = book.errors();
    assert!(
        errors.contains("theme `plain` has no template `report.html`, which `report = true` needs"),
        "{errors}"
    );
}

#[test]
fn a_note_may_take_report_html_only_without_the_report() {
    // Books written before the report existed keep building.
    let built = book()
        .file("content/report.md", "# Mine\n\nText.\n")
        .built();
    assert_eq!(built.page("report.html").texts("h1"), ["Mine"]);
    let errors = book()
        .file("content/book.toml", "report = true\n")
        .file("content/report.md", "Text.\n")
        .errors();
    assert!(
        errors.contains(
            "would be published at report.html, which `report = true` makes briefbook generate"
        ),
        "{errors}"
    );
    assert!(errors.contains("content/report.md"), "{errors}");
}
