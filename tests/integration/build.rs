//! The fixture book `tests/fixtures/basic`, built end to end.

use crate::support::{Page, TestBook, snapshot_dir, text_of};

#[test]
fn citations_and_markdown_footnotes_share_one_numbering() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("overview.html");
    // Markers in reading order: the second `[^a]` reuses number 2.
    assert_eq!(
        page.texts("main .fn-ref a"),
        ["1", "2", "3", "2", "4", "5", "6", "7", "8"]
    );
    assert_eq!(
        page.attrs("main .fn-ref a", "id"),
        [
            "fnref-1",
            "fnref-2",
            "fnref-3",
            "fnref-2-2",
            "fnref-4",
            "fnref-5",
            "fnref-6",
            "fnref-7",
            "fnref-8"
        ]
    );
    assert_eq!(
        page.attrs("section.footnotes li", "id"),
        [
            "fn-1", "fn-2", "fn-3", "fn-4", "fn-5", "fn-6", "fn-7", "fn-8"
        ]
    );
    // Ten references in all, three of them quotations, were checked.
    assert_eq!(
        (
            built.outcome.stats.citations,
            built.outcome.stats.quotations
        ),
        (10, 3)
    );
    // Every marker points at an existing footnote.
    for href in page.attrs("main .fn-ref a", "href") {
        assert_eq!(page.select(&format!("li{href}")).len(), 1, "{href}");
    }
}

#[test]
fn footnotes_link_back_to_every_reference() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("overview.html");
    assert_eq!(
        page.attrs("#fn-2 a.backref", "href"),
        ["#fnref-2", "#fnref-2-2"]
    );
    assert_eq!(page.attrs("#fn-4 a.backref", "href"), ["#fnref-4"]);
    assert!(page.one("#fn-2").html().contains("A Markdown footnote"));
}

#[test]
fn a_quotation_across_a_hard_line_break_resolves_to_its_paragraph() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("overview.html");
    let footnote = page.one("#fn-4");
    let html = footnote.html();
    assert!(html.contains("href=\"sources/nyt.html#p2\""), "{html}");
    assert_eq!(page.texts("#fn-4 mark"), ["held in Paris on\nTuesday"]);
    // The original gets a text fragment with the source's own words.
    assert_eq!(
        page.attrs("#fn-4 a.cite-original", "href"),
        ["https://example.com/nyt#:~:text=held%20in%20Paris%20on%20Tuesday"]
    );
}

#[test]
fn a_quotation_typed_with_a_plain_hyphen_matches_a_no_break_hyphen() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("overview.html");
    assert_eq!(
        page.attrs("#fn-5 a.cite-loc", "href"),
        ["sources/ynet.html#p3"]
    );
    assert_eq!(page.texts("#fn-5 mark"), ["leader Ahmed al\u{2011}Sharaa"]);
}

#[test]
fn groups_anchors_ranges_and_curly_quotes() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("overview.html");
    // One footnote, two references, prefix and suffix kept.
    let group = page.select("#fn-6 p.cite");
    assert_eq!(group.len(), 2);
    let first = text_of(&group[0]);
    assert!(first.starts_with("see New York Times"), "{first}");
    assert!(first.contains(", for the zone"), "{first}");
    assert_eq!(
        page.attrs("#fn-6 a.cite-loc", "href"),
        ["sources/nyt.html#p3", "sources/ynet.html#p2"]
    );
    assert_eq!(page.texts("#fn-7 a.cite-loc"), ["¶\u{A0}1–2"]);
    assert_eq!(page.texts("#fn-8 mark"), ["a “buffer zone”"]);
}

#[test]
fn nothing_inside_code_or_after_a_backslash_is_a_citation() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("overview.html");
    assert!(page.texts("main p code").contains(&"[@nyt]".to_string()));
    assert!(page.text.contains("Escaped [@nyt] and code"));
    assert!(
        page.one("pre.code")
            .text()
            .collect::<String>()
            .contains("[@nyt]")
    );
    assert!(
        !page.select("pre.code span[class^=hl-]").is_empty(),
        "fenced code is highlighted"
    );
}

#[test]
fn repeated_headings_get_numbered_ids_and_links_are_rewritten() {
    let built = TestBook::fixture("basic").built();
    let overview = built.page("overview.html");
    assert_eq!(
        overview.attrs("main h2[id]", "id")[..2],
        ["key-points", "key-points-1"]
    );
    let detail = built.page("analysis/detail.html");
    let hrefs = detail.attrs("article.note p a:not(.fn-ref a)", "href");
    assert!(
        hrefs.contains(&"../overview.html#key-points".to_string()),
        "{hrefs:?}"
    );
    assert!(
        hrefs.contains(&"../overview.html#key-points-1".to_string()),
        "{hrefs:?}"
    );
    assert!(hrefs.contains(&"../overview.html".to_string()), "{hrefs:?}");
    assert!(
        hrefs.contains(&"https://example.com/page.md".to_string()),
        "external links are left alone: {hrefs:?}"
    );
    // A link inside a Markdown footnote is rewritten too.
    assert_eq!(
        overview.attrs("#fn-2 p:not(.backrefs) a", "href"),
        ["analysis/detail.html#details"]
    );
}

#[test]
fn source_pages_number_paragraphs_and_link_back_to_citing_notes() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("sources/nyt.html");
    assert_eq!(
        page.attrs("ol.paragraphs > li", "id"),
        ["p1", "p2", "p3", "p4", "p5"]
    );
    let backlinks = page.attrs("#p2 .cited-by sup a", "href");
    assert_eq!(
        backlinks,
        [
            "../overview.html#fnref-3",
            "../overview.html#fnref-4",
            "../overview.html#fnref-7"
        ],
    );
    assert_eq!(page.texts("#p2 mark.quoted"), ["held in Paris on\nTuesday"]);
    assert!(page.select("#p4.cited").is_empty(), "p4 is not cited");
    assert_eq!(
        page.attrs("p.cited-whole a", "href"),
        ["../overview.html#fnref-1"]
    );
    // The introduction's citation links back to the index.
    let ynet = built.page("sources/ynet.html");
    assert_eq!(
        ynet.attrs("#p1 .cited-by sup a", "href"),
        ["../index.html#fnref-1"]
    );
    assert_eq!(
        built
            .page("sources/index.html")
            .attrs("ul.source-list a", "href"),
        ["nyt.html", "ynet.html"]
    );
}

#[test]
fn source_text_is_shown_as_text_never_as_markup() {
    let built = TestBook::fixture("basic").built();
    let page = built.page("sources/nyt.html");
    assert!(page.select("script:not([src])").is_empty());
    assert!(page.select("img").is_empty());
    assert!(
        page.texts("#p5 p")
            .join("")
            .contains("<script>alert(\"x\")</script>")
    );
    let detail = built.page("analysis/detail.html");
    assert!(detail.select("img, script:not([src])").is_empty());
}

#[test]
fn every_page_is_generated_with_relative_links_only() {
    let built = TestBook::fixture("basic").built();
    for page in [
        "index.html",
        "overview.html",
        "analysis/detail.html",
        "glossary.html",
        "chronology.html",
        "sources/index.html",
        "sources/nyt.html",
        "sources/ynet.html",
        "404.html",
        "style.css",
        "briefbook.js",
        "highlight.css",
    ] {
        assert!(built.out.join(page).is_file(), "{page} missing");
    }
    for page in [
        "index.html",
        "overview.html",
        "analysis/detail.html",
        "sources/nyt.html",
    ] {
        let parsed = built.page(page);
        for attr in ["href", "src"] {
            for link in parsed.attrs(&format!("[{attr}]"), attr) {
                let external = link.starts_with("https://example.com/");
                assert!(
                    external || !link.contains("://") && !link.starts_with('/'),
                    "{page}: {link}"
                );
            }
        }
    }
    let index = built.page("index.html");
    assert_eq!(
        index.attrs("nav.toc ol a", "href"),
        ["overview.html", "analysis/detail.html"]
    );
    assert_eq!(index.texts("h3.toc-section")[0], "Analysis");
    let detail = built.page("analysis/detail.html");
    assert_eq!(
        detail.attrs("link[rel=stylesheet]", "href"),
        ["../style.css", "../highlight.css"]
    );
    assert_eq!(detail.attrs("a[rel=prev]", "href"), ["../overview.html"]);
}

#[test]
fn two_builds_are_byte_identical() {
    let book = TestBook::fixture("basic");
    let first = book.build_ok();
    let a = snapshot_dir(&first.out);
    let second = book.build_ok();
    assert_eq!(a, snapshot_dir(&second.out));
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let book = TestBook::fixture("basic");
    let built = book.build_ok();
    let before = snapshot_dir(&built.out);
    let book = book.file(
        "content/broken.md",
        "A misquotation [@nyt \"held in London\"] and [@nowhere].\n",
    );
    let outcome = book.build();
    assert_eq!(
        outcome.diagnostics.error_count(),
        2,
        "both errors are reported in one run"
    );
    assert_eq!(before, snapshot_dir(&built.out));
    let siblings: Vec<_> = std::fs::read_dir(book.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !siblings
            .iter()
            .any(|n| n.to_string_lossy().contains("briefbook-")),
        "{siblings:?}"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let book = TestBook::fixture("basic").file(
        "content/wip.md",
        "+++\ndraft = true\n+++\n# Work in progress\n",
    );
    let built = book.build_ok();
    assert!(!built.out.join("wip.html").exists());
    let with_drafts = briefbook::build(&briefbook::BuildOptions {
        root: book.root().to_path_buf(),
        output: Some(book.root().join("with-drafts")),
        drafts: true,
    });
    assert!(!with_drafts.diagnostics.has_errors());
    assert!(book.root().join("with-drafts/wip.html").is_file());
}

/// Every link and stylesheet of a page: where it points.
fn addresses(page: &Page) -> Vec<String> {
    let mut all = page.attrs("a[href]", "href");
    all.extend(page.attrs("link[href]", "href"));
    all.extend(page.attrs("script[src]", "src"));
    all
}

#[test]
fn the_404_page_links_from_the_site_url_and_every_other_page_relatively() {
    // A host shows 404.html for any missing address, at any depth: its
    // links must start from the site's root there.
    let book = TestBook::fixture("basic").file(
        "content/book.toml",
        "title = \"Talks\"\nsite_url = \"https://example.org/briefing\"\n",
    );
    let built = book.build_ok();
    let not_found = addresses(&built.page("404.html"));
    assert!(
        not_found.contains(&"/briefing/style.css".to_string()),
        "{not_found:?}"
    );
    assert!(not_found.contains(&"/briefing/sources/index.html".to_string()));
    assert!(
        not_found
            .iter()
            .all(|a| a.starts_with("/briefing/") || a.starts_with('#')),
        "{not_found:?}"
    );
    for page in ["index.html", "glossary.html", "sources/index.html"] {
        let links = addresses(&built.page(page));
        assert!(!links.is_empty());
        assert!(
            links
                .iter()
                .all(|a| !a.starts_with('/') && !a.contains("example.org")),
            "{page}: {links:?}"
        );
    }

    // Themes get the setting as written.
    let theme_sees = book.file(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<p class=\"at\">{{ book.site_url }}</p>{% endblock main %}",
    );
    let themed = theme_sees.build_ok();
    assert_eq!(
        themed.page("404.html").texts("p.at"),
        ["https://example.org/briefing"]
    );

    // Without it, the 404 page links relatively, like every page: it
    // works from the top folder and straight from disk.
    let plain = TestBook::fixture("basic").built();
    let links = addresses(&plain.page("404.html"));
    assert!(links.contains(&"style.css".to_string()), "{links:?}");
    assert!(links.iter().all(|a| !a.starts_with('/')), "{links:?}");
}

#[test]
fn a_book_without_a_theme_folder_uses_the_built_in_theme_and_overrides_win() {
    let book = TestBook::fixture("basic").file(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<p class=\"custom\">Lost?</p>{% endblock main %}",
    );
    let built = book.build_ok();
    assert_eq!(built.page("404.html").texts("p.custom"), ["Lost?"]);
    assert!(
        built
            .page("index.html")
            .text
            .contains("class=\"skip-link\"")
    );
}
