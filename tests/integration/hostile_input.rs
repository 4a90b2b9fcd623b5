//! Hostile input builds to a clear result with bounded work: brackets
//! nested or left open by the hundred thousand, a long quotation that is
//! not in its long source, a 1 MB quotation and a 1 MB key among 10,000
//! sources. Work is counted (characters looked at, cells of edit
//! distance), never timed.

use briefbook::citation;
use briefbook::diagnostics::Diagnostic;
use briefbook::quote::{self, Normalized};

use crate::support::TestBook;

/// `count` made-up words from a vocabulary of 2,000.
fn words(seed: u64, count: usize) -> String {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            format!("w{}x", state % 2_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The errors of a build, each as its message and notes (the line a
/// hostile citation stands on is too long to snapshot).
fn errors(book: &TestBook) -> Vec<Diagnostic> {
    let outcome = book.build();
    outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect()
}

fn summary(errors: &[Diagnostic]) -> String {
    errors
        .iter()
        .map(|d| format!("{}\n{}", d.message, d.notes.join("\n")))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn a_hundred_thousand_open_or_nested_brackets_build_with_linear_work() {
    let n = 100_000;
    let bodies = [
        ("unclosed [[", "[[".repeat(n)),
        ("nested [", format!("{}x{}", "[a ".repeat(n), "]".repeat(n))),
        ("nested [[", format!("{}x{}", "[".repeat(n), "]".repeat(n))),
        ("[@", "[@".repeat(n)),
        ("unclosed quotations", "[@a \"".repeat(n)),
        ("unclosed curly quotations", "[\u{201C}".repeat(n)),
        (
            "curly quotations around brackets",
            "[\u{201C}[\u{201D}".repeat(n),
        ),
    ];
    for (name, body) in &bodies {
        // At most a few looks per character; the search per bracket
        // looked at the rest of the paragraph, n^2 / 2 characters.
        let work = citation::scan_work(body, &[]);
        assert!(
            work <= 8 * body.len(),
            "{name}: {work} for {} bytes",
            body.len()
        );
    }
    // The innermost `[[x]]` of the nested brackets is a glossary
    // reference: the one error.
    let (nested, rest): (Vec<_>, Vec<_>) =
        bodies.iter().partition(|(name, _)| *name == "nested [[");
    let book = TestBook::new().file("content/nested.md", format!("{}\n", nested[0].1));
    let found = errors(&book);
    assert_eq!(found.len(), 1, "{}", summary(&found));
    assert_eq!(found[0].message, "unknown glossary term `x`");
    let mut book = TestBook::new().with_nyt();
    for (i, (_, body)) in rest.iter().enumerate() {
        book = book.file(&format!("content/hostile-{i}.md"), format!("{body}\n"));
    }
    let built = book.built();
    let page = built.page("hostile-0.html");
    assert!(page.text.contains(&"[[".repeat(1_000)));
}

#[test]
fn a_long_quotation_not_in_its_long_source_shows_its_closest_passage() {
    let source = words(1, 20_000);
    let mut quotation = words(2, 20_000);
    // Its first words stand in the source, one of them changed: that is
    // the passage to show.
    let first: Vec<&str> = source.split(' ').skip(7_000).take(80).collect();
    let mut start = first.clone();
    start[10] = "changed";
    quotation = format!("{} {quotation}", start.join(" "));
    let needle = Normalized::new(&quotation);
    let haystack = Normalized::new(&source);
    // Scoring every passage of 20,000 words against the 20,000-word
    // quotation was about 10^15 steps (it never finished).
    let work = quote::closest_passage_work(&[&haystack], &needle.text);
    assert!(work < 40_000_000, "{work}");

    let book = TestBook::new()
        .file(
            "seeds/long.md",
            format!("+++\ntitle = \"Long\"\n+++\n\n{source}\n"),
        )
        .file("content/a.md", format!("Said [@long \"{quotation}\"].\n"));
    let errors = errors(&book);
    assert_eq!(errors.len(), 1, "{}", summary(&errors));
    let shown = first[..quote::CLOSEST_WORDS].join(" ");
    assert!(
        errors[0].notes[0].contains(&shown),
        "{}",
        errors[0].notes[0]
    );
    insta::assert_snapshot!("long_quotation_not_found", summary(&errors));
}

#[test]
fn a_1_mb_quotation_and_a_1_mb_key_among_10000_sources_are_clear_errors() {
    let mut book = TestBook::new().with_nyt();
    for i in 0..10_000 {
        book = book.file(
            &format!("seeds/s{i:05}.md"),
            format!("+++\ntitle = \"S{i}\"\n+++\n\nParagraph {i}.\n"),
        );
    }
    let quotation = "q".repeat(1 << 20);
    let key = "k".repeat(1 << 20);
    let book = book.file(
        "content/a.md",
        format!("Said [@nyt \"{quotation}\"] and [@{key}].\n"),
    );
    let errors = errors(&book);
    assert_eq!(errors.len(), 2, "{}", summary(&errors));
    // The messages name the key by its first characters only.
    for e in &errors {
        assert!(
            e.message.len() + e.notes.iter().map(String::len).sum::<usize>() < 2_000,
            "{}",
            e.message.len()
        );
    }
    insta::assert_snapshot!("one_mb_quotation_and_key", summary(&errors));
}

#[test]
fn a_quotation_found_a_million_times_is_a_clear_error() {
    // Each place costs the quotation's length to check: 10^12 steps to
    // count them all.
    // Two paragraphs: found in one only, however often, it would be
    // verified (the place within a paragraph cannot be cited).
    let source = "a ".repeat(1 << 19);
    let quotation = "a ".repeat(1 << 18);
    let book = TestBook::new()
        .file(
            "seeds/rep.md",
            format!("+++\ntitle = \"Repeated\"\n+++\n\n{source}\n\n{source}\n"),
        )
        .file(
            "content/a.md",
            format!("Said [@rep \"{}\"].\n", quotation.trim()),
        );
    let errors = errors(&book);
    assert_eq!(errors.len(), 1, "{}", summary(&errors));
    assert!(
        errors[0]
            .message
            .starts_with("quotation found in 2 paragraphs of `rep` (p1, p2)"),
        "{}",
        errors[0].message
    );
}

#[test]
fn many_misquotations_of_one_long_source_search_a_closest_passage_a_bounded_number_of_times() {
    // Each search is bounded, but 100,000 of them in one note against a
    // long source would take minutes: past a number per text, the error
    // says the words are not there, without the search.
    let count = briefbook::resolve::CLOSEST_PASSAGES + 30;
    let note: String = (0..count)
        .map(|i| format!("\"words number {i} nowhere\" [@rep#p1]\n\n"))
        .collect();
    let book = TestBook::new()
        .file(
            "seeds/rep.md",
            "+++\ntitle = \"Repeated\"\n+++\n\nThe words in the source.\n",
        )
        .file("content/a.md", note);
    let errors = errors(&book);
    assert_eq!(errors.len(), count, "{}", summary(&errors));
    let searched = errors
        .iter()
        .filter(|d| d.notes.iter().any(|n| n.starts_with("closest passage")))
        .count();
    assert_eq!(searched, briefbook::resolve::CLOSEST_PASSAGES);
    assert!(
        errors[count - 1]
            .notes
            .iter()
            .any(|n| n.contains("searched for the first 50 quotations")),
        "{:?}",
        errors[count - 1].notes
    );
}
