//! The walk over pulldown-cmark's events that writes a fragment's HTML:
//! placeholders become footnote markers and term links, headings get ids,
//! code blocks are highlighted, footnote definitions are set aside, and
//! raw HTML is checked; the text the later stages need is collected on
//! the way (see `collect`).
//!
//! Footnotes (markers, citation footnotes, Markdown footnotes) are in
//! `footnotes`, and the links the writer makes or rewrites (to glossary
//! terms and to other notes) in `links`.

mod footnotes;
mod links;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

use super::collect::TextCollector;
use super::raw_html::RawHtml;
use super::references::{CLOSE, OPEN, OffsetMap, Resolved, placeholder_in_code};
use super::{Footnote, Fragment, Heading, RenderEnv, Rendered};
use crate::attrs::{self, Ahead, Attr, AttrKind};
use crate::citation::{InlineRef, InlineRefKind, markdown_options};
use crate::diagnostics::Diagnostic;
use crate::highlight;
use crate::html::root_prefix;
use crate::quote;
use crate::slug::{SlugDeduper, slugify};

/// Writes one fragment's HTML from its Markdown events, and gathers what
/// the rendering returns besides ([`Rendered`]).
pub(super) struct EventWriter<'e, 'a> {
    env: &'e RenderEnv<'a>,
    fragment: &'e Fragment<'a>,
    root: String,
    resolved: Vec<Resolved>,
    /// The references found in the fragment, by placeholder index.
    inline_refs: &'e [InlineRef],
    /// How many more quotations not found get their closest passage
    /// searched ([`crate::resolve::CLOSEST_PASSAGES`] per fragment).
    closest_left: usize,
    next_number: usize,
    /// Markdown footnote label -> number.
    footnote_numbers: HashMap<String, usize>,
    /// number -> footnote being built.
    footnotes: HashMap<usize, Footnote>,
    /// Markdown footnote label -> rendered definition, and where it holds
    /// ids, URLs and previews.
    definitions: HashMap<String, (String, Vec<Attr>)>,
    definition_spans: HashMap<String, Range<usize>>,
    slugs: SlugDeduper,
    /// How many links (or images) the current text is inside.
    link_depth: usize,
    /// Names and aliases already linked in this fragment.
    autolinked: HashSet<usize>,
    /// The ids, URLs and previews of pieces of HTML not written yet.
    ahead: Ahead,
    out: &'e mut Rendered,
}

/// Where events are collected while a construct is open.
enum Capture<'t> {
    Heading {
        level: u8,
        id: Option<String>,
        classes: Vec<CowStr<'t>>,
        attrs: Vec<(CowStr<'t>, Option<CowStr<'t>>)>,
        events: Vec<Event<'t>>,
        text: String,
    },
    Code {
        language: Option<String>,
        code: String,
    },
}

impl<'e, 'a> EventWriter<'e, 'a> {
    /// A writer for `fragment`, whose references (`inline_refs`, by
    /// placeholder index) resolved to `resolved`, writing into `out`.
    pub(super) fn new(
        env: &'e RenderEnv<'a>,
        fragment: &'e Fragment<'a>,
        resolved: Vec<Resolved>,
        inline_refs: &'e [InlineRef],
        closest_left: usize,
        out: &'e mut Rendered,
    ) -> EventWriter<'e, 'a> {
        EventWriter {
            env,
            fragment,
            root: root_prefix(fragment.page),
            resolved,
            inline_refs,
            closest_left,
            next_number: fragment.first_footnote,
            footnote_numbers: HashMap::new(),
            footnotes: HashMap::new(),
            definitions: HashMap::new(),
            definition_spans: HashMap::new(),
            slugs: SlugDeduper::default(),
            link_depth: 0,
            autolinked: HashSet::new(),
            ahead: Ahead::default(),
            out,
        }
    }

    /// Writes the fragment's HTML into `out`. With `check_code`, first
    /// makes sure no reference placeholder stands in code or raw HTML, and
    /// returns `false` without writing anything if one does.
    pub(super) fn run(&mut self, text: &str, map: &OffsetMap, check_code: bool) -> bool {
        let mut body: Vec<Event<'_>> = Vec::new();
        let mut definition: Option<(String, Vec<Event<'_>>)> = None;
        let mut capture: Option<Capture<'_>> = None;
        let mut pending_text = String::new();
        let mut raw_html = RawHtml::default();
        let mut collector = TextCollector::new(self.fragment.collect, self.inline_refs);

        let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(text, markdown_options())
            .into_offset_iter()
            .collect();
        if check_code && placeholder_in_code(text, &events) {
            return false;
        }
        self.verify_prose_quotations(text, &events, map);
        let mut i = 0;
        while i < events.len() {
            let (mut event, range) = events[i].clone();
            i += 1;
            // Merge runs of text so a placeholder is never split.
            if let Event::Text(t) = &event {
                pending_text.push_str(t);
                if matches!(events.get(i), Some((Event::Text(_), _))) {
                    continue;
                }
                let merged = std::mem::take(&mut pending_text);
                collector.text(&merged);
                let plain = capture.is_none() && self.link_depth == 0;
                let produced = self.text_events(&merged, plain);
                for e in produced {
                    // A citation hugs the word before it, as in Pandoc,
                    // even when the author put it after a space or on the
                    // next line.
                    let hugs = matches!(&e, Event::InlineHtml(h) if h.starts_with(CITATION_MARKER));
                    if hugs {
                        match &mut capture {
                            Some(Capture::Heading { events, .. }) => trim_trailing_space(events),
                            Some(Capture::Code { .. }) => {}
                            None => match &mut definition {
                                Some((_, events)) => trim_trailing_space(events),
                                None => trim_trailing_space(&mut body),
                            },
                        }
                    }
                    if let Some(Capture::Heading {
                        events,
                        text: heading_text,
                        ..
                    }) = &mut capture
                    {
                        if let Event::Text(t) = &e {
                            heading_text.push_str(t);
                        }
                        events.push(e);
                    } else if let Some(Capture::Code { code, .. }) = &mut capture {
                        if let Event::Text(t) = &e {
                            code.push_str(t);
                        }
                    } else {
                        push(&mut body, &mut definition, e);
                    }
                }
                continue;
            }
            raw_html.observe(&mut event, text, range.clone(), &mut self.ahead);
            collector.event(&event, &range);
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    capture = Some(Capture::Heading {
                        level: level as u8,
                        id: id.map(|i| i.to_string()),
                        classes,
                        attrs,
                        events: Vec::new(),
                        text: String::new(),
                    });
                }
                Event::End(TagEnd::Heading(level)) => {
                    if let Some(Capture::Heading {
                        level: n,
                        id,
                        classes,
                        attrs,
                        events,
                        text,
                    }) = capture.take()
                    {
                        let text = quote::one_line(&text);
                        let id = match id {
                            Some(explicit) => {
                                if !self.slugs.reserve(&explicit) {
                                    self.out.diagnostics.push(
                                        Diagnostic::error(
                                            self.fragment.file,
                                            self.span(map, range.clone()),
                                            format!("two headings have the id `{explicit}`"),
                                        )
                                        .with_help("give this heading another `{#id}`"),
                                    );
                                }
                                explicit
                            }
                            None => self.slugs.unique(&slugify(&text)),
                        };
                        self.out.headings.push(Heading {
                            level: n,
                            id: id.clone(),
                            text,
                        });
                        push(
                            &mut body,
                            &mut definition,
                            Event::Start(Tag::Heading {
                                level,
                                id: Some(id.into()),
                                classes,
                                attrs,
                            }),
                        );
                        for e in events {
                            push(&mut body, &mut definition, e);
                        }
                        push(
                            &mut body,
                            &mut definition,
                            Event::End(TagEnd::Heading(level)),
                        );
                    }
                }
                Event::Code(code) => {
                    if let Some(Capture::Heading { events, text, .. }) = &mut capture {
                        text.push_str(&code);
                        events.push(Event::Code(code));
                    } else {
                        push(&mut body, &mut definition, Event::Code(code));
                    }
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let language = match kind {
                        pulldown_cmark::CodeBlockKind::Fenced(lang) if !lang.is_empty() => {
                            Some(lang.to_string())
                        }
                        _ => None,
                    };
                    capture = Some(Capture::Code {
                        language,
                        code: String::new(),
                    });
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some(Capture::Code { language, code }) = capture.take() {
                        let html = highlight::code_block(&code, language.as_deref());
                        push(&mut body, &mut definition, Event::Html(html.into()));
                    }
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    self.definition_spans
                        .insert(label.to_string(), self.span(map, range.clone()));
                    definition = Some((label.to_string(), Vec::new()));
                }
                Event::End(TagEnd::FootnoteDefinition) => {
                    if let Some((label, events)) = definition.take() {
                        let (mut html_text, mut attrs) = (String::new(), Vec::new());
                        attrs::write_html(&mut html_text, &mut attrs, events, &mut self.ahead);
                        self.definitions.insert(label, (html_text, attrs));
                    }
                }
                Event::TaskListMarker(done) => {
                    // pulldown-cmark's checkbox has no accessible name.
                    let marker = format!(
                        "<input type=\"checkbox\" disabled{} aria-label=\"{}\"> ",
                        if done { " checked" } else { "" },
                        if done { "Done" } else { "Not done" }
                    );
                    self.emit_inline(&mut body, &mut definition, &mut capture, marker);
                }
                Event::FootnoteReference(label) => {
                    let marker = self.markdown_footnote_marker(&label);
                    self.emit_inline(&mut body, &mut definition, &mut capture, marker);
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    self.link_depth += 1;
                    let dest = self.link(&dest_url, self.span(map, range.clone()));
                    let e = Event::Start(Tag::Link {
                        link_type,
                        dest_url: dest.into(),
                        title,
                        id,
                    });
                    self.emit_event(&mut body, &mut definition, &mut capture, e);
                }
                other => {
                    match &other {
                        Event::Start(Tag::Image { .. }) => self.link_depth += 1,
                        Event::End(TagEnd::Link | TagEnd::Image) => {
                            self.link_depth = self.link_depth.saturating_sub(1)
                        }
                        _ => {}
                    }
                    self.emit_event(&mut body, &mut definition, &mut capture, other)
                }
            }
        }

        attrs::write_html(
            &mut self.out.html,
            &mut self.out.attrs,
            body,
            &mut self.ahead,
        );
        debug_assert!(self.ahead.is_empty(), "a piece of HTML was never written");
        let offset = self.fragment.offset;
        let to_file = |range: Range<usize>| {
            let start = map.original(range.start) + offset;
            start..(map.original(range.end.max(range.start)) + offset).max(start)
        };
        collector.finish(text.len(), to_file, self.out);
        self.finish_footnotes();
        raw_html.finish();
        for problem in raw_html.problems {
            self.out.diagnostics.push(
                Diagnostic::error(
                    self.fragment.file,
                    self.span(map, problem.span),
                    problem.message,
                )
                .with_label(problem.label)
                .with_help(problem.help),
            );
        }
        true
    }

    /// Finds the quotations written in the prose and verifies each
    /// against the citation that follows it, before any citation is
    /// rendered: a verified one is then marked in its footnote like a
    /// quotation written inside the brackets.
    fn verify_prose_quotations(
        &mut self,
        text: &str,
        events: &[(Event<'_>, Range<usize>)],
        map: &OffsetMap,
    ) {
        let refs = self.inline_refs;
        let found =
            crate::prose::quotations(events, text, (OPEN, CLOSE), |n| match &refs.get(n)?.kind {
                InlineRefKind::Citation(_) => Some(crate::prose::Placeholder::Citation),
                InlineRefKind::Term(t) => Some(crate::prose::Placeholder::Words(t.shown())),
            });
        for q in found {
            let span = self.span(map, q.span.clone());
            let Some(n) = q.citation else {
                self.out.unattributed.push(crate::prose::Unattributed {
                    file: self.fragment.file,
                    span,
                    text: q.text,
                });
                continue;
            };
            // A citation that did not resolve has its own errors.
            let (Some(Resolved::Citation(resolved)), Some(InlineRefKind::Citation(group))) =
                (self.resolved.get_mut(n), refs.get(n).map(|r| &r.kind))
            else {
                continue;
            };
            let quotation = crate::citation::Quotation { text: q.text, span };
            if let Err(problem) = crate::resolve::verify_quotation(
                self.env.sources,
                &group.refs,
                resolved,
                &quotation,
                &mut self.closest_left,
            ) {
                let file = self.fragment.file;
                self.out.drifts.extend(problem.drift(file));
                self.out.diagnostics.push(problem.diagnostic(file));
            }
        }
    }

    fn emit_event<'t>(
        &mut self,
        body: &mut Vec<Event<'t>>,
        definition: &mut Option<(String, Vec<Event<'t>>)>,
        capture: &mut Option<Capture<'t>>,
        event: Event<'t>,
    ) {
        match capture {
            Some(Capture::Heading { events, text, .. }) => {
                if let Event::SoftBreak | Event::HardBreak = event {
                    text.push(' ');
                }
                events.push(event);
            }
            Some(Capture::Code { .. }) => {}
            None => push(body, definition, event),
        }
    }

    fn emit_inline<'t>(
        &mut self,
        body: &mut Vec<Event<'t>>,
        definition: &mut Option<(String, Vec<Event<'t>>)>,
        capture: &mut Option<Capture<'t>>,
        html_text: String,
    ) {
        self.emit_event(
            body,
            definition,
            capture,
            Event::InlineHtml(html_text.into()),
        );
    }

    fn span(&self, map: &OffsetMap, range: Range<usize>) -> Range<usize> {
        let start = map.original(range.start) + self.fragment.offset;
        let end = map.original(range.end.max(range.start)) + self.fragment.offset;
        start..end.max(start)
    }

    /// Turns merged text with placeholders into text and HTML events.
    /// `plain`: the text is outside links, headings and code, where glossary
    /// names may be linked.
    fn text_events(&mut self, text: &str, plain: bool) -> Vec<Event<'static>> {
        let mut events = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(OPEN) {
            let Some(close) = rest[open..].find(CLOSE).map(|c| open + c) else {
                break;
            };
            if open > 0 {
                self.plain_text_events(&rest[..open], plain, &mut events);
            }
            let index: usize = rest[open + OPEN.len_utf8()..close]
                .parse()
                .unwrap_or(usize::MAX);
            // Each placeholder stands once in the text: its citation is
            // taken, not copied.
            let taken = self
                .resolved
                .get_mut(index)
                .map(|r| std::mem::replace(r, Resolved::Broken(String::new())));
            match taken {
                Some(Resolved::Citation(refs)) => {
                    let html_text = self.citation_marker(&refs);
                    events.push(Event::InlineHtml(html_text.into()));
                }
                Some(Resolved::Term { index, text }) => {
                    let link = self.term_link(index, &text);
                    events.push(Event::InlineHtml(link.into()));
                }
                Some(Resolved::Broken(text)) => events.push(Event::Text(text.into())),
                None => {}
            }
            rest = &rest[close + CLOSE.len_utf8()..];
        }
        if !rest.is_empty() {
            self.plain_text_events(rest, plain, &mut events);
        }
        events
    }

    /// Text without placeholders, with the first mention of each glossary
    /// name linked when autolinking applies.
    fn plain_text_events(&mut self, text: &str, plain: bool, events: &mut Vec<Event<'static>>) {
        let linker = match self.env.autolink {
            Some(linker) if plain && self.fragment.autolink => linker,
            _ => {
                events.push(Event::Text(text.to_string().into()));
                return;
            }
        };
        let mut at = 0;
        for mention in linker.mentions(text) {
            if !self.autolinked.insert(mention.pattern) {
                continue;
            }
            if mention.range.start > at {
                events.push(Event::Text(
                    text[at..mention.range.start].to_string().into(),
                ));
            }
            self.out.terms.push(mention.term);
            let link = self.term_link(mention.term, &text[mention.range.clone()]);
            events.push(Event::InlineHtml(link.into()));
            at = mention.range.end;
        }
        if at < text.len() {
            events.push(Event::Text(text[at..].to_string().into()));
        }
    }

    /// `html`, a piece of HTML to put among the events, with its
    /// attributes recorded for when it is written. Its text stays where it
    /// is in memory until then: without spare capacity, it becomes an
    /// event's boxed string (`String::into_boxed_str`) without moving.
    fn ahead_piece(
        &mut self,
        mut html: String,
        attrs: impl IntoIterator<Item = (Range<usize>, AttrKind)>,
    ) -> String {
        html.shrink_to_fit();
        for (range, kind) in attrs {
            self.ahead.add(&html, range, kind);
        }
        html
    }
}

/// The start of a citation marker's HTML.
const CITATION_MARKER: &str = "<sup class=\"fn-ref\"><a id=\"fnref-";

/// Drops the white space (and soft line breaks) at the end of `events`.
fn trim_trailing_space(events: &mut Vec<Event<'_>>) {
    loop {
        match events.last_mut() {
            Some(Event::SoftBreak) => {
                events.pop();
            }
            Some(Event::Text(text)) if text.ends_with(char::is_whitespace) => {
                let trimmed = text.trim_end().to_string();
                if trimmed.is_empty() {
                    events.pop();
                } else {
                    *text = trimmed.into();
                    return;
                }
            }
            _ => return,
        }
    }
}

fn push<'t>(
    body: &mut Vec<Event<'t>>,
    definition: &mut Option<(String, Vec<Event<'t>>)>,
    event: Event<'t>,
) {
    match definition {
        Some((_, events)) => events.push(event),
        None => body.push(event),
    }
}
