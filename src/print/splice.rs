//! A fragment's HTML written for the print page. The renderer recorded
//! where the HTML holds ids, URLs and previews ([`Attr`]); only those bytes
//! change, everything between them is copied as it is: ids get the prefix
//! of their part of the page, links into the site become links inside the
//! page (another note's heading, a glossary term, an event, a source's
//! entry in the list of sources), links to other files are rebased to the
//! root, where `print.html` stands, and previews, which are for the site's
//! script, are dropped.

use std::borrow::Cow;
use std::ops::Range;

use crate::attrs::{Attr, AttrKind};
use crate::html::escape_into;

use super::layout::{Layout, push_id};

/// Writes fragments rendered for one page of the site into one part of the
/// print page, with buffers kept from URL to URL.
pub(super) struct Splicer<'a> {
    /// The id of the part of the print page: ids inside get it as prefix.
    part: &'a str,
    /// The folder and file name of the site's page the HTML was rendered
    /// for, which its relative URLs start from.
    page_dir: &'a str,
    page_file: &'a str,
    layout: &'a Layout,
    /// The path from the root, built as `a/b/` segment by segment.
    resolved: String,
    /// A URL rebased to the root.
    rebased: String,
}

impl<'a> Splicer<'a> {
    /// For HTML rendered for `page`, going into the part `part`.
    pub(super) fn new(page: &'a str, part: &'a str, layout: &'a Layout) -> Splicer<'a> {
        let (page_dir, page_file) = match page.rfind('/') {
            Some(i) => (&page[..=i], &page[i + 1..]),
            None => ("", page),
        };
        Splicer {
            part,
            page_dir,
            page_file,
            layout,
            resolved: String::new(),
            rebased: String::new(),
        }
    }

    /// The id of the part of the print page.
    pub(super) fn part(&self) -> &'a str {
        self.part
    }

    /// Writes `html` onto `out` for the print page; `attrs` are where it
    /// holds ids, URLs and previews.
    pub(super) fn splice(&mut self, out: &mut String, html: &str, attrs: &[Attr]) {
        self.splice_range(out, html, 0..html.len(), attrs);
    }

    /// [`Splicer::splice`] for the bytes `within` of `html` only; `attrs`
    /// are those that stand there. A recorded place that is not in `html`
    /// (a rendering changed by hand) is left alone.
    pub(super) fn splice_range(
        &mut self,
        out: &mut String,
        html: &str,
        within: Range<usize>,
        attrs: &[Attr],
    ) {
        let Some(_) = html.get(within.clone()) else {
            return;
        };
        out.reserve(within.len());
        let mut copied = within.start;
        for attr in attrs {
            let range = attr.range();
            let (Some(raw), true) = (
                html.get(range.clone()),
                copied <= range.start && range.end <= within.end,
            ) else {
                continue;
            };
            match attr.kind {
                AttrKind::TitleEnd => continue,
                AttrKind::Preview => {}
                kind => {
                    out.push_str(&html[copied..range.start]);
                    if !self.write_value(out, kind, &decode_attribute(raw)) {
                        out.push_str(raw);
                    }
                    copied = range.end;
                    continue;
                }
            }
            out.push_str(&html[copied..range.start]);
            copied = range.end;
        }
        out.push_str(&html[copied..within.end]);
    }

    /// Writes the new value of an attribute of `kind` whose (decoded) value
    /// is `value` onto `out`, escaped; false, writing nothing, if it stays.
    fn write_value(&mut self, out: &mut String, kind: AttrKind, value: &str) -> bool {
        match kind {
            AttrKind::Id => push_id(out, self.part, value),
            AttrKind::Link | AttrKind::Resource => {
                return self.write_url(out, value, kind == AttrKind::Link);
            }
            AttrKind::Srcset => {
                for (k, candidate) in value.split(',').enumerate() {
                    let candidate = candidate.trim();
                    let (url, size) = candidate
                        .split_once(char::is_whitespace)
                        .unwrap_or((candidate, ""));
                    if k > 0 {
                        out.push_str(", ");
                    }
                    if !self.write_url(out, url, false) {
                        escape_into(out, url);
                    }
                    if !size.trim().is_empty() {
                        out.push(' ');
                        escape_into(out, size.trim());
                    }
                }
            }
            AttrKind::MapRef => match value.strip_prefix('#') {
                Some(map) => {
                    out.push('#');
                    push_id(out, self.part, map);
                }
                None => return false,
            },
            AttrKind::IdRefs => {
                for (k, id) in value.split_ascii_whitespace().enumerate() {
                    if k > 0 {
                        out.push(' ');
                    }
                    push_id(out, self.part, id);
                }
            }
            AttrKind::Preview | AttrKind::TitleEnd => return false,
        }
        true
    }

    /// Writes the URL `url`, written on the site's page, onto `out` as the
    /// print page needs it, escaped for a double-quoted attribute: a link
    /// into the site becomes `#<id>` or `#<id>--<fragment>`, a same-page
    /// fragment gets the part's prefix, any other relative URL is rebased
    /// to the root. `link` is false for resources (`src`): they are only
    /// rebased. Returns false, writing nothing, when the URL stays as it is.
    fn write_url(&mut self, out: &mut String, url: &str, link: bool) -> bool {
        let bytes = url.as_bytes();
        match bytes.first() {
            None | Some(b'/' | b'\\') => return false,
            Some(b'#') => {
                if !link || url.len() == 1 {
                    return false;
                }
                out.push('#');
                push_id(out, self.part, &url[1..]);
                return true;
            }
            _ => {}
        }
        if crate::html::has_scheme(url) {
            return false;
        }
        let (before, fragment) = match url.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (url, None),
        };
        let (path, query) = match before.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (before, None),
        };
        let resolved = &mut self.resolved;
        resolved.clear();
        resolved.push_str(self.page_dir);
        let mut up = 0;
        let mut folder = false;
        // `?x` is the page itself.
        let segments = if path.is_empty() {
            self.page_file
        } else {
            path
        };
        for segment in segments.split('/') {
            folder = matches!(segment, "" | "." | "..");
            match segment {
                "" | "." => {}
                ".." => {
                    if resolved.is_empty() {
                        up += 1;
                    } else {
                        resolved.pop();
                        let keep = resolved.rfind('/').map_or(0, |i| i + 1);
                        resolved.truncate(keep);
                    }
                }
                s => {
                    resolved.push_str(s);
                    resolved.push('/');
                }
            }
        }
        if resolved.ends_with('/') {
            resolved.pop();
        }
        if link && up == 0 {
            let length = resolved.len();
            if folder {
                resolved.push_str(if length == 0 {
                    "index.html"
                } else {
                    "/index.html"
                });
            }
            let page = if resolved.contains('%') {
                percent_encoding::percent_decode_str(resolved).decode_utf8_lossy()
            } else {
                Cow::Borrowed(resolved.as_str())
            };
            if let Some((id, keep)) = self.layout.pages.get(page.as_ref()) {
                out.push('#');
                match fragment.filter(|f| *keep && !f.is_empty()) {
                    Some(f) => push_id(out, id, f),
                    None => out.push_str(id),
                }
                return true;
            }
            resolved.truncate(length);
        }
        let rebased = &mut self.rebased;
        rebased.clear();
        for _ in 0..up {
            rebased.push_str("../");
        }
        rebased.push_str(resolved);
        if folder && !resolved.is_empty() {
            rebased.push('/');
        }
        if rebased.is_empty() {
            rebased.push_str("./");
        }
        if let Some(q) = query {
            rebased.push('?');
            rebased.push_str(q);
        }
        if let Some(f) = fragment {
            rebased.push('#');
            rebased.push_str(f);
        }
        if rebased.as_str() == url {
            return false;
        }
        escape_into(out, rebased);
        true
    }
}

/// Decodes the character references an attribute value may hold for the
/// characters that matter in ids and URLs (`&amp;`, `&quot;`, numeric
/// references...). Other named references are left as written.
fn decode_attribute(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return raw.into();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // A reference is short; `;` is ASCII, so its index is a boundary.
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::diagnostics::SourceMap;
    use crate::glossary::Glossary;
    use crate::load::Unloaded;
    use crate::markdown::{Fragment, RenderEnv, Rendered, render};
    use crate::resolve::SourceSet;
    use crate::source::Source;

    /// `markdown` rendered for the site's page `page`, as a note in the
    /// folder `base_dir`, in a book with the source `nyt` and the term
    /// `Buffer zone`.
    fn rendered(page: &str, base_dir: &str, markdown: &str) -> Rendered {
        let mut files = SourceMap::default();
        let file = files.add("n.md".into(), "n.md".into(), markdown.into());
        let source = "+++\ntitle = \"The talks\"\nurl = \"https://example.com/a\"\n+++\nThe talks resumed.\n\nThe buffer zone.\n";
        let sources = SourceSet::new(vec![Source::parse(file, "nyt", source, false).unwrap()]);
        let glossary = Glossary::parse(
            file,
            "[[term]]\nname = \"Buffer zone\"\ndefinition = \"A zone.\"\n",
        )
        .unwrap();
        // The definition's plain text, as rendering it gives.
        let previews = vec!["A zone.".to_string()];
        let env = RenderEnv {
            sources: &sources,
            glossary: &glossary,
            autolink: None,
            term_previews: &previews,
            unloaded: &Unloaded::default(),
        };
        let fragment = Fragment {
            file,
            text: markdown,
            offset: 0,
            page,
            base_dir,
            first_footnote: 1,
            autolink: false,
            escapes: None,
            collect: crate::markdown::Collect::Page {
                sections: false,
                title_in_body: false,
                units: false,
            },
        };
        let rendered = render(&env, &fragment);
        assert!(
            rendered.diagnostics.is_empty(),
            "{markdown}: {:?}",
            rendered.diagnostics
        );
        rendered
    }

    fn layout() -> Layout {
        let mut pages = HashMap::default();
        for (page, id, keep) in [
            ("overview.html", "overview", true),
            ("background/history.html", "background-history", true),
            ("über/Ärger notes.html", "über-ärger-notes", true),
            ("index.html", "introduction", true),
            ("glossary.html", "glossary", true),
            ("chronology.html", "chronology", true),
            ("sources/index.html", "sources", false),
            ("sources/nyt.html", "sources--nyt", false),
        ] {
            pages.insert(page.to_string(), (id.to_string(), keep));
        }
        Layout {
            notes: vec!["overview".into(), "background-history".into()],
            pages,
        }
    }

    /// `markdown`, a note in `background/`, as the print page shows it:
    /// its body, then each footnote.
    fn printed(markdown: &str) -> Vec<String> {
        let rendered = rendered("background/history.html", "background", markdown);
        let layout = layout();
        let mut splicer = Splicer::new("background/history.html", "background-history", &layout);
        let mut body = String::new();
        splicer.splice(&mut body, &rendered.html, &rendered.attrs);
        let mut printed = vec![body];
        for f in &rendered.footnotes {
            let mut html = String::new();
            splicer.splice(&mut html, &f.html, &f.attrs);
            printed.push(html);
        }
        printed
    }

    #[test]
    fn ids_get_the_prefix_and_links_stay_inside_the_page() {
        let printed = printed(
            "## The 1974 agreement {#deal .wide}\n\nBack to [the key](../overview.md#key \"The key\"), [the overview](../overview.md), [here](#deal), [the zone](../glossary.md#buffer-zone), [[Buffer zone]], [1974](../chronology.md#disengagement-1974) and [the start](../index.md).[^n] Cited [@nyt#p2].\n\n[^n]: A note on [the overview](../overview.md#key).\n",
        );
        assert_eq!(
            printed,
            [
                concat!(
                    r##"<h2 id="background-history--deal" class="wide">The 1974 agreement</h2>"##,
                    "\n",
                    r##"<p>Back to <a href="#overview--key" title="The key">the key</a>, <a href="#overview">the overview</a>, <a href="#background-history--deal">here</a>, "##,
                    // The glossary, linked or referred to; its preview dropped.
                    r##"<a href="#glossary--buffer-zone">the zone</a>, <a class="term" href="#glossary--buffer-zone">Buffer zone</a>, "##,
                    r##"<a href="#chronology--disengagement-1974">1974</a> and <a href="#introduction">the start</a>."##,
                    // Markers point at the endnotes; previews dropped.
                    r##"<sup class="fn-ref"><a id="background-history--fnref-1" href="#background-history--fn-1" role="doc-noteref" aria-label="Note 1">1</a></sup>"##,
                    r##" Cited<sup class="fn-ref"><a id="background-history--fnref-2" href="#background-history--fn-2" role="doc-noteref" aria-label="Note 2">2</a></sup>.</p>"##,
                    "\n",
                ),
                "<p>A note on <a href=\"#overview--key\">the overview</a>.</p>\n",
                // A source's paragraphs are not on the print page: its entry is.
                concat!(
                    r##"<p class="cite"><cite>“<a href="#sources--nyt" dir="auto">The talks</a>”</cite>, <a class="cite-loc" href="#sources--nyt">"##,
                    "¶\u{a0}2</a> ",
                    r##"<a class="cite-original" href="https://example.com/a" rel="external noopener">original</a></p>"##,
                    r##"<blockquote class="passage"><p dir="auto">The buffer zone.</p></blockquote>"##,
                ),
            ]
        );
    }

    #[test]
    fn other_urls_are_rebased_and_external_ones_left_alone() {
        let [body] = &printed(
            "![Map](../img/map.png \"A map\") ![Here](local.png) [pdf](../../x.pdf?v=1#p) [query](?v=1) [up](../) [sources](../sources/) [encoded](../%C3%BCber/%C3%84rger%20notes.md#%C3%BC)\n\n[o](https://example.com/a#:~:text=x) <mailto:a@b.c> <https://example.com/?a=1&b=2> [root](/abs.html)\n",
        )[..] else {
            panic!("no footnotes")
        };
        assert_eq!(
            body,
            concat!(
                r##"<p><img src="img/map.png" alt="Map" title="A map" /> <img src="background/local.png" alt="Here" /> "##,
                // Above the site's root stays above it.
                r##"<a href="../x.pdf?v=1#p">pdf</a> "##,
                // A query alone is the page itself; a folder is its index.
                r##"<a href="#background-history">query</a> <a href="#introduction">up</a> <a href="#sources">sources</a> "##,
                r##"<a href="#über-ärger-notes--%C3%BC">encoded</a></p>"##,
                "\n",
                r##"<p><a href="https://example.com/a#:~:text=x">o</a> <a href="mailto:a@b.c">mailto:a@b.c</a> <a href="https://example.com/?a=1&amp;b=2">https://example.com/?a=1&amp;b=2</a> <a href="/abs.html">root</a></p>"##,
                "\n",
            )
        );
    }

    #[test]
    fn the_authors_html_is_changed_where_its_ids_and_urls_stand() {
        let [body] = &printed(concat!(
            "<label for='q' >Q</label> <input id=q aria-describedby=\"h1 h2\"> <a href=\"../overview.html#k\" data-preview=\"x\" title=\"a &amp; b\">k</a>\n\n",
            "<div id=\"multi\"\n  data-x=\"a>b\">\n<a name=\"old\" HREF=\"x.png?a=1&amp;b=2\">x</a>\n",
            "<img srcset=\"../a.png 1x, b.png 2x\" usemap=\"#map\" alt=\"\"><map name=\"map\"></map>\n</div>\n\n",
            // Comments and raw text are not markup.
            "<!-- <a id=\"x\"> --><script>var s = '<a id=\"y\">';</script>\n\n",
            "> Inline <span\n> id=\"owned\">HTML</span> over two lines.\n",
        ))[..] else {
            panic!("no footnotes")
        };
        assert_eq!(
            body,
            concat!(
                "<p><label for='background-history--q' >Q</label> <input id=background-history--q aria-describedby=\"background-history--h1 background-history--h2\"> ",
                "<a href=\"#overview--k\" title=\"a &amp; b\">k</a></p>\n",
                "<div id=\"background-history--multi\"\n  data-x=\"a>b\">\n<a name=\"background-history--old\" HREF=\"background/x.png?a=1&amp;b=2\">x</a>\n",
                "<img srcset=\"a.png 1x, background/b.png 2x\" usemap=\"#background-history--map\" alt=\"\"><map name=\"map\"></map>\n</div>\n",
                "<!-- <a id=\"x\"> --><script>var s = '<a id=\"y\">';</script>\n",
                "<blockquote>\n<p>Inline <span\nid=\"background-history--owned\">HTML</span> over two lines.</p>\n</blockquote>\n",
            )
        );
    }

    #[test]
    fn a_title_is_set_apart_where_it_ends() {
        let rendered = rendered(
            "overview.html",
            "",
            "# The [key](#key) {#top}\n\n## Key {#key}\n",
        );
        let end = rendered
            .attrs
            .iter()
            .find(|a| a.kind == AttrKind::TitleEnd)
            .expect("the title's end");
        assert_eq!(
            &rendered.html[..end.start as usize],
            "<h1 id=\"top\">The <a href=\"#key\">key</a></h1>"
        );
    }

    #[test]
    fn attribute_references_are_decoded() {
        assert_eq!(
            decode_attribute("a&amp;b&#39;c&#x27;&nbsp;&"),
            "a&b'c'&nbsp;&"
        );
        assert_eq!(
            decode_attribute("&lt;/b&gt;” ¶ &#x110000; &#"),
            "</b>” ¶ &#x110000; &#"
        );
    }

    #[test]
    fn places_that_are_not_in_the_html_are_left_alone() {
        let layout = layout();
        let mut splicer = Splicer::new("overview.html", "overview", &layout);
        let html = "<p id=\"é\">x</p>";
        let mut out = String::new();
        let attrs = [
            // Not at a character boundary, past the end, and backwards.
            Attr::new(8..9, AttrKind::Id),
            Attr::new(12..40, AttrKind::Id),
            Attr {
                start: 7,
                end: 3,
                kind: AttrKind::Link,
            },
        ];
        splicer.splice(&mut out, html, &attrs);
        assert_eq!(out, html);
    }
}
