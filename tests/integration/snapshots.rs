//! Snapshots of the default theme's `<main>` for each kind of page.

use crate::support::TestBook;

#[test]
fn default_theme_pages() {
    let built = TestBook::fixture("basic")
        .file(
            "content/glossary.toml",
            "[[term]]\nname = \"Buffer zone\"\naliases = [\"the zone\"]\nkind = \"place\"\ndefinition = \"A zone [@nyt#p3].\"\n",
        )
        .file(
            "content/chronology.toml",
            "[[event]]\nid = \"talks\"\ndate = \"2025-08\"\napproximate = true\ntitle = \"Talks in Paris\"\nbody = \"Talks [@nyt#p2] on the [[the zone]].\"\n",
        )
        .built();
    for (name, page) in [
        ("page_index", "index.html"),
        ("page_note", "overview.html"),
        ("page_source", "sources/nyt.html"),
        ("page_sources", "sources/index.html"),
        ("page_glossary", "glossary.html"),
        ("page_chronology", "chronology.html"),
    ] {
        insta::assert_snapshot!(name, built.page(page).main_html());
    }
}
