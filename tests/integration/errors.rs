//! One test per kind of error: the message, its file:line:column, the line
//! shown and the help, as a snapshot; positions are also checked directly.

use crate::support::{TestBook, errors_at};

/// Builds, expects exactly the given `file:line:column` positions, and
/// snapshots the whole report.
fn assert_errors(name: &str, book: TestBook, positions: &[&str]) {
    insta::assert_snapshot!(name, errors_at(name, &book, positions));
}

fn note(text: &str) -> TestBook {
    TestBook::new().with_nyt().file("content/a.md", text)
}

#[test]
fn unknown_source() {
    assert_errors(
        "unknown_source",
        note("Text [@nytt#p1].\n"),
        &["content/a.md:1:7"],
    );
}

#[test]
fn unknown_anchor() {
    assert_errors(
        "unknown_anchor",
        note("Text [@nyt#zome].\n"),
        &["content/a.md:1:11"],
    );
}

#[test]
fn paragraph_out_of_range() {
    assert_errors(
        "paragraph_out_of_range",
        note("One.\n\nTwo [@nyt#p9].\n"),
        &["content/a.md:3:10"],
    );
}

#[test]
fn backwards_range() {
    assert_errors(
        "backwards_range",
        note("Text [@nyt#p3-p1].\n"),
        &["content/a.md:1:11"],
    );
}

#[test]
fn quotation_not_found_shows_the_closest_passage() {
    assert_errors(
        "quotation_not_found",
        note("+++\ntitle = \"A\"\n+++\n\nThey said [@nyt \"the talks resumed in London\"].\n"),
        &["content/a.md:5:17"],
    );
}

#[test]
fn quotation_differing_in_case_or_dashes() {
    assert_errors(
        "quotation_case",
        note("Text [@nyt \"the Buffer Zone\"].\n"),
        &["content/a.md:1:12"],
    );
}

#[test]
fn ambiguous_quotation_asks_for_a_paragraph() {
    assert_errors(
        "ambiguous_quotation",
        note("Text [@nyt \"The talks\"].\n"),
        &["content/a.md:1:12"],
    );
}

#[test]
fn empty_quotation() {
    assert_errors(
        "empty_quotation",
        note("Text [@nyt \"  \"].\n"),
        &["content/a.md:1:12"],
    );
}

#[test]
fn unclosed_quotation() {
    assert_errors(
        "unclosed_quotation",
        note("Text [@nyt \"never closed].\n"),
        &["content/a.md:1:12"],
    );
}

#[test]
fn group_part_without_a_source() {
    assert_errors(
        "part_without_source",
        note("Text [@nyt; and more].\n"),
        &["content/a.md:1:13"],
    );
}

#[test]
fn empty_locator() {
    assert_errors(
        "empty_locator",
        note("Text [@nyt#].\n"),
        &["content/a.md:1:11"],
    );
}

#[test]
fn unknown_glossary_term() {
    let book = note("The [[Golan Hieghts]].\n").file(
        "content/glossary.toml",
        "[[term]]\nname = \"Golan Heights\"\naliases = [\"the Golan\"]\ndefinition = \"A plateau.\"\n",
    );
    assert_errors("unknown_term", book, &["content/a.md:1:5"]);
}

#[test]
fn link_to_a_missing_note_or_heading() {
    let book = note("# A\n\nSee [b](b.md), [a part](a.md#nowhere) and [c](sub/c.md#intro).\n")
        .file("content/sub/c.md", "## Introduction\n");
    assert_errors(
        "missing_link_targets",
        book,
        &["content/a.md:3:5", "content/a.md:3:16", "content/a.md:3:43"],
    );
}

#[test]
fn link_outside_content() {
    assert_errors(
        "link_outside_content",
        note("[up](../../README.md)\n"),
        &["content/a.md:1:1"],
    );
}

#[test]
fn link_to_a_missing_chronology_event() {
    let book = note("See [the fall](chronology.md#fall).\n").file(
        "content/chronology.toml",
        "[[event]]\nid = \"fall-of-assad\"\ndate = \"2024-12-08\"\ntitle = \"Assad falls\"\n",
    );
    assert_errors("missing_event", book, &["content/a.md:1:5"]);
}

#[test]
fn unknown_front_matter_key_in_a_note() {
    assert_errors(
        "unknown_note_key",
        note("+++\ntitel = \"A\"\n+++\nText.\n"),
        &["content/a.md:2:1"],
    );
}

#[test]
fn unterminated_front_matter() {
    assert_errors(
        "unterminated_front_matter",
        note("+++\ntitle = \"A\"\n\nText.\n"),
        &["content/a.md:1:1"],
    );
}

#[test]
fn invalid_note_date() {
    assert_errors(
        "invalid_note_date",
        note("+++\ndate = \"2024-02-30\"\n+++\nText.\n"),
        &["content/a.md:2:1"],
    );
}

#[test]
fn unknown_key_in_a_source() {
    let book = TestBook::new().file(
        "seeds/x.md",
        "+++\ntitle = \"X\"\nautor = \"Y\"\n+++\nText.\n",
    );
    assert_errors("unknown_source_key", book, &["seeds/x.md:3:1"]);
}

#[test]
fn source_without_a_title() {
    let book = TestBook::new().file("seeds/x.md", "+++\noutlet = \"X\"\n+++\nText.\n");
    assert_errors("source_without_title", book, &["seeds/x.md:2:1"]);
}

#[test]
fn invalid_source_id() {
    let book = TestBook::new().file("seeds/Bad Name.txt", "Title\nText\n");
    assert_errors("invalid_source_id", book, &["seeds/Bad Name.txt:1:1"]);
}

#[test]
fn duplicate_source_ids() {
    let book = TestBook::new()
        .with_nyt()
        .file("seeds/nyt.txt", "Title\nText\n");
    assert_errors("duplicate_source_ids", book, &["seeds/nyt.txt:1:1"]);
}

#[test]
fn anchor_to_a_missing_paragraph() {
    let book = TestBook::new().file(
        "seeds/x.md",
        "+++\ntitle = \"X\"\n[anchors]\nzone = \"p7\"\nbad = \"seven\"\n+++\nText.\n",
    );
    assert_errors("bad_anchors", book, &["seeds/x.md:4:1", "seeds/x.md:5:1"]);
}

#[test]
fn invalid_published_date() {
    let book = TestBook::new().file(
        "seeds/x.md",
        "+++\ntitle = \"X\"\npublished = \"2025-13\"\n+++\nText.\n",
    );
    assert_errors("invalid_published", book, &["seeds/x.md:3:1"]);
}

#[test]
fn file_that_is_not_utf8() {
    let book = TestBook::new()
        .with_nyt()
        .file("content/a.md", b"Caf\xe9 [@nyt]\n");
    assert_errors("not_utf8", book, &["content/a.md:1:4"]);
}

#[test]
fn note_colliding_with_a_generated_page() {
    let book = TestBook::new()
        .file("content/glossary.md", "Text.\n")
        .file("content/sources/x.md", "Text.\n");
    assert_errors(
        "generated_page_collision",
        book,
        &["content/glossary.md:1:1", "content/sources/x.md:1:1"],
    );
}

#[test]
fn unknown_book_toml_key() {
    let book = TestBook::new().file(
        "content/book.toml",
        "title = \"T\"\nautolink_glosary = true\n",
    );
    assert_errors("unknown_book_key", book, &["content/book.toml:2:1"]);
}

#[test]
fn site_url_that_is_not_an_address() {
    let book = TestBook::new().file(
        "content/book.toml",
        "title = \"T\"\nsite_url = \"example.org/briefing/\"\n",
    );
    assert_errors("site_url_not_an_address", book, &["content/book.toml:2:12"]);
}

#[test]
fn toml_type_error_in_book_toml() {
    let book = TestBook::new().file("content/book.toml", "title = 3\n");
    assert_errors("book_type_error", book, &["content/book.toml:1:9"]);
}

#[test]
fn glossary_duplicates_and_unknown_kind() {
    let book = TestBook::new().file(
        "content/glossary.toml",
        "[[term]]\nname = \"Golan Heights\"\naliases = [\"the Golan\"]\nkind = \"plaice\"\n\n[[term]]\nid = \"golan-heights\"\nname = \"Heights\"\n\n[[term]]\nname = \"Golan\"\naliases = [\"The GOLAN\"]\nsee_also = [\"golan-hieghts\"]\n",
    );
    assert_errors(
        "glossary_duplicates",
        book,
        &[
            "content/glossary.toml:4:8",
            "content/glossary.toml:7:6",
            "content/glossary.toml:12:12",
            "content/glossary.toml:13:13",
        ],
    );
}

#[test]
fn invalid_chronology_dates() {
    let book = TestBook::new().file(
        "content/chronology.toml",
        "[[event]]\ndate = \"2024-13-01\"\ntitle = \"Bad month\"\n\n[[event]]\ndate = \"2024-02-30\"\ntitle = \"Bad day\"\n\n[[event]]\ndate = \"24-1-1\"\ntitle = \"Bad form\"\n\n[[event]]\ndate = \"2024-12-10\"\nend = \"2024-12-08\"\ntitle = \"Backwards\"\n",
    );
    assert_errors(
        "invalid_chronology_dates",
        book,
        &[
            "content/chronology.toml:2:8",
            "content/chronology.toml:6:8",
            "content/chronology.toml:10:8",
            "content/chronology.toml:15:7",
        ],
    );
}

#[test]
fn duplicate_heading_ids() {
    assert_errors(
        "duplicate_heading_ids",
        note("## One {#x}\n\n## Two {#x}\n"),
        &["content/a.md:3:1"],
    );
}

#[test]
fn unknown_theme() {
    let book = TestBook::new().file("content/book.toml", "theme = \"fancy\"\n");
    let text = book.errors();
    assert!(text.contains("theme `fancy` not found"), "{text}");
}

#[test]
fn broken_template_override() {
    let book = TestBook::new()
        .file("content/book.toml", "title = \"B\"\n")
        .file("templates/404.html", "{% block main %}{% endblok %}");
    let text = book.errors();
    assert!(text.contains("a template does not compile"), "{text}");
}

#[test]
fn every_error_of_a_build_is_reported_in_one_run() {
    let book = note("[@nope] and [@nyt#p99] and [@nyt \"absent words\"] and [[Missing]].\n")
        .file("content/b.md", "+++\nbad = 1\n+++\n");
    let outcome = book.build();
    assert_eq!(
        outcome.diagnostics.error_count(),
        5,
        "{}",
        outcome.diagnostics.render(&outcome.files)
    );
}

#[test]
fn errors_inside_toml_strings_with_escapes_point_at_the_right_column() {
    let book = TestBook::new().with_nyt().file(
        "content/glossary.toml",
        "[[term]]\nname = \"Zone\"\ndefinition = \"A \\\"quoted\\\" al\\u2011Sharaa zone [@nope].\"\n",
    );
    // `[@nope]` stands at column 49 of line 3 in the file, after escapes
    // that the decoded string is shorter by.
    assert_errors("escaped_toml_string", book, &["content/glossary.toml:3:49"]);
}
