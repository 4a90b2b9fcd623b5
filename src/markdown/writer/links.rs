//! The links the writer makes or rewrites: a glossary reference's link to
//! its term (with the term's short definition as a preview), and a `.md`
//! link to another note, which becomes a link to its page and is recorded
//! to be checked once every page is known.

use std::ops::Range;

use super::EventWriter;
use crate::attrs::AttrKind;
use crate::diagnostics::Diagnostic;
use crate::html::escape_into;
use crate::markdown::InternalLink;

impl EventWriter<'_, '_> {
    /// A link to a glossary term, carrying its short definition.
    pub(super) fn term_link(&mut self, index: usize, text: &str) -> String {
        let term = &self.env.glossary.terms[index];
        let preview = self.env.term_previews.get(index).map_or("", String::as_str);
        let mut h = String::with_capacity(64 + term.id.len() + preview.len() + text.len());
        let mut attrs = [(0..0, AttrKind::Link), (0..0, AttrKind::Preview)];
        h.push_str("<a class=\"term\" href=\"");
        let href = h.len();
        h.push_str(&self.root);
        h.push_str("glossary.html#");
        escape_into(&mut h, &term.id);
        attrs[0].0 = href..h.len();
        let preview_start = h.len();
        h.push_str("\" data-preview=\"");
        escape_into(&mut h, preview);
        attrs[1].0 = preview_start + 1..h.len() + 1;
        h.push_str("\">");
        escape_into(&mut h, text);
        h.push_str("</a>");
        self.ahead_piece(h, attrs)
    }

    /// Rewrites a link to a `.md` note to its `.html` page and records it for
    /// checking.
    pub(super) fn link(&mut self, dest: &str, span: Range<usize>) -> String {
        if crate::html::has_scheme(dest) || dest.starts_with('/') {
            return dest.to_string();
        }
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (dest, None),
        };
        if path.is_empty() {
            let target = format!("{}.md", self.fragment.page.trim_end_matches(".html"));
            self.out.links.push(InternalLink {
                file: self.fragment.file,
                span,
                target,
                fragment,
            });
            return dest.to_string();
        }
        if !path.ends_with(".md") {
            return dest.to_string();
        }
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .to_string();
        let Some(target) = join_path(self.fragment.base_dir, &decoded) else {
            self.out.diagnostics.push(
                Diagnostic::error(
                    self.fragment.file,
                    span,
                    format!("the link `{dest}` points outside `content/`"),
                )
                .with_help("link to notes inside the book, relative to this note"),
            );
            return dest.to_string();
        };
        let page = format!("{}.html", target.trim_end_matches(".md"));
        let href = format!(
            "{}{}{}",
            self.root,
            page.split('/')
                .map(|s| percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string())
                .collect::<Vec<_>>()
                .join("/"),
            fragment
                .as_ref()
                .map(|f| format!("#{f}"))
                .unwrap_or_default()
        );
        self.out.links.push(InternalLink {
            file: self.fragment.file,
            span,
            target,
            fragment,
        });
        href
    }
}

const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%');

/// Joins a relative link to the folder it was written in, within `content/`.
fn join_path(base_dir: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths_inside_content() {
        assert_eq!(join_path("a/b", "../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(join_path("", "./x/y.md").as_deref(), Some("x/y.md"));
        assert_eq!(join_path("", "../escape.md"), None);
    }
}
