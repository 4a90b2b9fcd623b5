//! Quotations written in the prose and cited after them are verified like
//! the ones inside the brackets, by the editorial conventions, and shown
//! the same way; those no citation follows are listed in the report.

use crate::support::{TestBook, errors_at, options, text_of};

/// A source with a repeated phrase, a URL for text fragments and three
/// paragraphs.
const PORT: &str = "+++\ntitle = \"Port\"\nurl = \"https://example.org/port\"\n+++\n\nThe harbour authority reopened the northern pier on Monday, after a week of repairs.\n\nOfficials said the pier would stay open. The harbour authority thanked the crews at the pier.\n\nIsrael and Syria have been officially at war since 1948.\n";

fn book(note: &str) -> TestBook {
    TestBook::new()
        .file("seeds/port.md", PORT)
        .file("content/a.md", format!("+++\ntitle = \"A\"\n+++\n\n{note}"))
}

fn errors(name: &str, book: TestBook, positions: &[&str]) -> String {
    let text = errors_at(name, &book, positions);
    insta::assert_snapshot!(name, text);
    text
}

#[test]
fn a_misquotation_in_prose_fails_the_build_and_says_what_differs() {
    let text = errors(
        "prose_misquotation",
        book("The port said \"the harbour authority closed the northern pier\" [@port#p1].\n"),
        &["content/a.md:5:15"],
    );
    assert!(text.contains("quotation not found in `port` #p1"), "{text}");
    assert!(
        text.contains("the source has `reopened` where the note has `closed`"),
        "{text}"
    );
}

#[test]
fn the_right_words_cited_to_the_wrong_paragraph_say_where_they_are() {
    let text = errors(
        "prose_wrong_paragraph",
        book("They \"thanked the crews\" [@port#p1].\n"),
        &["content/a.md:5:6"],
    );
    assert!(text.contains("did you mean `#p2`?"), "{text}");
    // In several other paragraphs: each is named.
    let text = book("The \"harbour authority\" [@port#p3].\n").errors();
    assert!(
        text.contains("the words stand in p1, p2 of `port`"),
        "{text}"
    );
    assert!(
        text.contains("cite the paragraph that holds them"),
        "{text}"
    );
}

#[test]
fn a_verified_prose_quotation_is_marked_like_a_bracket_one() {
    let built = book(
        "The pier was \"reopened\" on Monday [@port#p1]. The two are \"officially at war since 1948\"[@port#p3].\n",
    )
    .built();
    assert_eq!(built.outcome.stats.quotations, 2);
    let page = built.page("a.html");
    assert_eq!(
        page.texts(".footnotes mark"),
        ["reopened", "officially at war since 1948"]
    );
    // A straight closing mark before a citation closes the quotation.
    let body: String = page.select("main p").iter().map(text_of).collect();
    assert!(
        body.contains("\u{201C}officially at war since 1948\u{201D}"),
        "{body}"
    );
    assert!(!body.contains("1948\u{201C}"), "{body}");
    let originals = page.attrs(".footnotes a.cite-original", "href");
    assert_eq!(
        originals,
        [
            "https://example.org/port#:~:text=reopened",
            "https://example.org/port#:~:text=officially%20at%20war%20since%201948"
        ]
    );
    // The source page marks the words and links back to the citation.
    let source = built.page("sources/port.html");
    assert_eq!(
        source.texts("mark.quoted"),
        ["reopened", "officially at war since 1948"]
    );
}

#[test]
fn an_elided_and_altered_quotation_is_verified_and_marked_in_pieces() {
    let built = book(
        "Officials said \"[t]he harbour authority ... the northern pier\" was open again [@port#p1]. \"[The port] thanked the crews\" [@port#p2].\n",
    )
    .built();
    let page = built.page("a.html");
    let marks = page.texts(".footnotes li:first-child mark");
    assert_eq!(marks, ["The harbour authority", "the northern pier"]);
    assert_eq!(
        page.attrs(".footnotes a.cite-original", "href")[0],
        "https://example.org/port#:~:text=The%20harbour%20authority,the%20northern%20pier"
    );
    assert_eq!(built.outcome.stats.quotations, 2);
}

#[test]
fn each_quotation_is_verified_against_the_first_citation_after_it() {
    // Both before one citation; then one per citation.
    book("\"reopened the northern pier\" and \"after a week of repairs\" [@port#p1], then \"thanked the crews\" [@port#p2].\n")
        .build_ok();
    // The second quotation belongs to the second citation, not the first.
    let text = errors(
        "prose_two_citations",
        book("\"reopened the northern pier\" [@port#p1] and \"thanked the crews\" [@port#p3].\n"),
        &["content/a.md:5:45"],
    );
    assert!(text.contains("did you mean `#p2`?"), "{text}");
    // A citation in the next paragraph does not take it.
    book("\"closed forever\" is what nobody said.\n\nSee [@port#p1].\n").build_ok();
}

#[test]
fn a_phrase_twice_in_the_cited_paragraph_is_verified() {
    let built = book("Officials spoke of \"the pier\" [@port#p2].\n").built();
    assert_eq!(built.page("a.html").texts(".footnotes mark"), ["the pier"]);
    // Across paragraphs it is still ambiguous without a locator.
    let text = book("The \"harbour authority\" [@port].\n").errors();
    assert!(
        text.contains("quotation found in 2 paragraphs of `port` (p1, p2)"),
        "{text}"
    );
}

#[test]
fn quotations_in_glossary_definitions_and_chronology_bodies_are_verified() {
    let book = book("Text.\n")
        .file(
            "content/glossary.toml",
            "[[term]]\nname = \"Pier\"\ndefinition = \"The pier was \\\"closed\\\" [@port#p1].\"\n",
        )
        .file(
            "content/chronology.toml",
            "[[event]]\ndate = \"2024-12\"\ntitle = \"Repairs\"\nbody = \"A \\\"week of repair\\\" [@port#p1].\"\n",
        );
    let text = book.errors();
    assert!(text.contains("content/glossary.toml:3:"), "{text}");
    assert!(text.contains("content/chronology.toml:4:"), "{text}");
    assert_eq!(text.matches("quotation not found").count(), 2, "{text}");
}

#[test]
fn unattributed_quotations_are_listed_and_a_book_can_make_them_errors() {
    let note =
        "The so-called \"deal\" was signed.\n\nA \\\"scare quote\\\" is escaped [@port#p1].\n";
    let (outcome, report) = briefbook::site::check_with_report(&options(book(note).root()));
    assert!(!outcome.diagnostics.has_errors());
    let listed: Vec<(&str, usize, &str)> = report
        .unattributed_quotations
        .iter()
        .map(|q| (q.file.as_str(), q.line, q.text.as_str()))
        .collect();
    assert_eq!(listed, [("content/a.md", 5, "deal")]);
    assert!(
        report.to_text().contains("content/a.md:5:15  “deal”"),
        "{}",
        report.to_text()
    );
    assert!(report.to_json().contains("\"unattributed_quotations\""));
    let strict = book(note).file("content/book.toml", "unattributed_quotations = \"error\"\n");
    errors("prose_unattributed_error", strict, &["content/a.md:5:15"]);
}

#[test]
fn a_bracket_never_closed_in_a_quotation_is_an_error_at_the_quotation() {
    let text = errors(
        "prose_unclosed_bracket",
        book("They said \"[t]he harbour [authority reopened\" [@port#p1].\n"),
        &["content/a.md:5:11"],
    );
    assert!(text.contains("this `[` is never closed"), "{text}");
}

#[test]
fn a_quotation_before_a_group_is_looked_for_in_every_reference() {
    // In the second reference: verified, and marked there only.
    let built = book("\"thanked the crews\" [@port#p1; @port#p2].\n").built();
    assert_eq!(
        built.page("a.html").texts(".footnotes mark"),
        ["thanked the crews"]
    );
    let text = errors(
        "prose_not_in_the_group",
        book("\"thanked the sailors\" [@port#p1; @port#p3].\n"),
        &["content/a.md:5:1"],
    );
    assert!(
        text.contains("quotation not found in `port` #p1 nor in `port` #p3"),
        "{text}"
    );
}

#[test]
fn unattributed_quotations_can_be_warnings() {
    let outcome = book("The so-called \"deal\" was signed.\n")
        .file("content/book.toml", "unattributed_quotations = \"warn\"\n")
        .file(
            "content/b.md",
            "+++\ntitle = \"B\"\n+++\n\nNothing to see.\n",
        )
        .build();
    assert!(!outcome.diagnostics.has_errors());
    assert_eq!(outcome.diagnostics.warning_count(), 1);
    let text = outcome.diagnostics.render(&outcome.files);
    assert!(
        text.contains("warning: a quotation that no citation follows in its paragraph"),
        "{text}"
    );
    // A build lets go of the notes' Markdown once they are checked, but
    // not of a note a problem is shown in: the warning quotes its line.
    assert!(text.contains("content/a.md:5:"), "{text}");
    assert!(
        text.contains("The so-called \"deal\" was signed."),
        "{text}"
    );
    // A value it does not know is an error at its place.
    let text = book("Text.\n")
        .file("content/book.toml", "unattributed_quotations = \"never\"\n")
        .errors();
    assert!(text.contains("content/book.toml:1:"), "{text}");
}
