//! Near misses of the citation syntax: each is an error that points at
//! what is wrong and gives the corrected form, instead of text left in
//! the page without a word. And an unclosed quotation swallows no later
//! citation.

use crate::support::TestBook;

/// A book with the sources `nyt` (three paragraphs) and `ynet` (two), and
/// one note.
fn note(text: &str) -> TestBook {
    TestBook::new()
        .with_nyt()
        .file(
            "seeds/ynet.md",
            "+++\ntitle = \"Border\"\noutlet = \"Ynet\"\n+++\n\nThe army stayed at the border.\n\nThe talks were frozen in May.\n",
        )
        .file("content/a.md", text)
}

/// Builds, expects exactly one error, at `position`, with the corrected
/// form `fixed` in its help, and snapshots the report.
fn assert_error(name: &str, text: &str, position: &str, fixed: &str) {
    let book = note(text);
    let outcome = book.build();
    assert_eq!(
        outcome.diagnostics.error_count(),
        1,
        "{name}: {}",
        outcome.diagnostics.render(&outcome.files)
    );
    let report = book.errors();
    assert!(
        report.contains(position),
        "{name}: expected {position} in\n{report}"
    );
    assert!(
        report.contains(fixed),
        "{name}: expected {fixed} in\n{report}"
    );
    insta::assert_snapshot!(name, report);
}

#[test]
fn a_paragraph_without_hash() {
    assert_error(
        "paragraph_without_hash",
        "Text [@nyt p3].\n",
        "content/a.md:1:12",
        "`[@nyt#p3]`",
    );
}

#[test]
fn a_paragraph_as_books_cite_pages() {
    assert_error(
        "paragraph_as_page",
        "Text [see @nyt, pp. 2-3, for the zone].\n",
        "content/a.md:1:17",
        "`[see @nyt#p2-p3, for the zone]`",
    );
    // Each spelling means the same locator.
    for (text, fixed) in [
        ("[@nyt, p. 3]", "`[@nyt#p3]`"),
        ("[@nyt, para. 3]", "`[@nyt#p3]`"),
        ("[@nyt p.3]", "`[@nyt#p3]`"),
        ("[@nyt, \u{B6} 3]", "`[@nyt#p3]`"),
        ("[@nyt \u{B6}3]", "`[@nyt#p3]`"),
        (
            "[@nyt \"talks ended\", p. 3]",
            "`[@nyt#p3 \"talks ended\"]`",
        ),
    ] {
        let report = note(&format!("Text {text}.\n")).errors();
        assert!(report.contains("is not a paragraph locator"), "{report}");
        assert!(report.contains(fixed), "{text}: {report}");
    }
}

#[test]
fn a_space_before_the_locator() {
    assert_error(
        "space_before_locator",
        "Text [@nyt #zone].\n",
        "content/a.md:1:12",
        "`[@nyt#zone]`",
    );
}

#[test]
fn a_space_after_at() {
    assert_error(
        "space_after_at",
        "Text [@ nyt].\n",
        "content/a.md:1:7",
        "`[@nyt]`",
    );
}

#[test]
fn a_citation_without_at() {
    assert_error(
        "citation_without_at",
        "Text [nyt#p3].\n",
        "content/a.md:1:7",
        "`[@nyt#p3]`",
    );
}

#[test]
fn a_group_separated_by_commas() {
    assert_error(
        "group_with_commas",
        "Text [@nyt#p3, @ynet#p2].\n",
        "content/a.md:1:14",
        "`[@nyt#p3; @ynet#p2]`",
    );
}

#[test]
fn an_unclosed_quotation_before_another_citation() {
    // The open `"` is reported, not the `"` of the later citation.
    assert_error(
        "unclosed_quotation_before_a_citation",
        "Text [@nyt \"the talks] and later [@ynet#p2 \"talks were frozen\"].\n",
        "content/a.md:1:12",
        "end the quotation with `\"`",
    );
    // In one part of a group, with a quotation later in the paragraph.
    assert_error(
        "unclosed_quotation_in_a_group",
        "Text [@nyt \"the talks; @ynet#p2] and he said \"yes\".\n",
        "content/a.md:1:12",
        "end the quotation with `\"`",
    );
}

#[test]
fn a_citation_after_an_unclosed_quotation_still_resolves() {
    let text = "Text [@nyt#p2 \"the talks] and later [@ynet#p2 \"talks were frozen\"].\n";
    // The build fails on the unclosed quotation alone (so it writes no
    // page); the later citation was found, resolved against its source and
    // rendered as a footnote.
    let outcome = note(text).build();
    assert_eq!(outcome.diagnostics.error_count(), 1);
    assert_eq!((outcome.stats.citations, outcome.stats.quotations), (1, 1));
    // Its quotation is checked: a wrong one is reported.
    let report = note(&text.replace("talks were frozen", "talks were thawed")).errors();
    assert!(
        report.contains("this quotation is never closed"),
        "{report}"
    );
    assert!(report.contains("quotation not found in `ynet`"), "{report}");
    // With the quotation closed as the error says, the page has both
    // footnotes, the second citing ynet's paragraph 2.
    let built = note(&text.replace("the talks]", "the talks\"]")).built();
    let page = built.page("a.html");
    assert_eq!(page.texts("main .fn-ref a"), ["1", "2"]);
    assert_eq!(
        page.attrs("#fn-2 a.cite-loc", "href"),
        ["sources/ynet.html#p2"]
    );
    assert_eq!(page.texts("#fn-2 mark"), ["talks were frozen"]);
}

#[test]
fn legitimate_forms_stay_valid() {
    // A suffix, a quotation right after the locator, a `,` before a word
    // that is no citation, and bracketed prose that is no citation.
    let built = note(
        "Text [@nyt#p2, for the Syrian view] and [@nyt#p3\"talks ended\"] and \
         [@ynet \"talks were frozen\", @ynet's account].\n\n\
         Prose [sic], [1], [the GPL], [see below], [a@b.c], [@] and `[@ nyt]`.\n",
    )
    .built();
    let page = built.page("a.html");
    assert_eq!(page.texts("main .fn-ref a"), ["1", "2", "3"]);
    let main = page.main_html();
    assert!(
        main.contains("[sic], [1], [the GPL], [see below]"),
        "{main}"
    );
}
