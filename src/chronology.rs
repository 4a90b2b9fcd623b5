//! The chronology: `content/chronology.toml`.
//!
//! Events carry partial dates (`1967`, `2024-12`, `2024-12-08`), optional
//! ranges and an "approximate" flag, because a briefing book must show a
//! date at exactly the precision its sources support.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::date::PartialDate;
use crate::diagnostics::{Diagnostic, FileId};
use crate::frontmatter;
use crate::glossary::string_content_offset;
use crate::slug::slugify;
use crate::source::is_valid_id;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChronologyFile {
    #[serde(default)]
    event: Vec<EventEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventEntry {
    id: Option<Spanned<String>>,
    date: Spanned<String>,
    end: Option<Spanned<String>>,
    #[serde(default)]
    approximate: bool,
    title: Spanned<String>,
    body: Option<Spanned<String>>,
}

/// One event of the chronology.
#[derive(Debug, Clone)]
pub struct Event {
    /// The anchor on the chronology page.
    pub id: String,
    /// When it happened (or began).
    pub date: PartialDate,
    /// When it ended, for a range.
    pub end: Option<PartialDate>,
    /// Whether the date is approximate ("c.").
    pub approximate: bool,
    /// What happened, in a line.
    pub title: String,
    /// More about it, Markdown.
    pub body: String,
    /// Where the body's text starts in the file.
    pub body_offset: usize,
    /// Where the event's title was written.
    pub span: Range<usize>,
}

impl Event {
    /// The date as shown: "c. July 2025", "8–10 December 2024" style ranges
    /// are written in full: "8 December 2024 – 10 December 2024".
    pub fn date_label(&self) -> String {
        let mut label = String::new();
        if self.approximate {
            label.push_str("c. ");
        }
        label.push_str(&self.date.human());
        if let Some(end) = &self.end {
            label.push_str(" – ");
            label.push_str(&end.human());
        }
        label
    }
}

/// All events, sorted by date and then title.
#[derive(Debug, Clone, Default)]
pub struct Chronology {
    /// The file the chronology was read from, if the book has one.
    pub file: Option<FileId>,
    /// The events in order.
    pub events: Vec<Event>,
    by_id: HashMap<String, usize>,
}

impl Chronology {
    /// Parses the chronology file's text, collecting every error.
    pub fn parse(file: FileId, text: &str) -> Result<Chronology, Vec<Diagnostic>> {
        let parsed: ChronologyFile =
            frontmatter::parse_toml(file, text, 0, "chronology").map_err(|d| vec![d])?;
        let mut errors = Vec::new();
        let mut events = Vec::new();
        let mut ids: HashMap<String, Range<usize>> = HashMap::new();
        for entry in parsed.event {
            let title = entry.title.get_ref().trim().to_string();
            let date = match PartialDate::parse(entry.date.get_ref()) {
                Ok(date) => Some(date),
                Err(e) => {
                    errors.push(
                        Diagnostic::error(
                            file,
                            entry.date.span(),
                            format!("event \"{title}\" has an invalid date: {e}"),
                        )
                        .with_label("invalid date"),
                    );
                    None
                }
            };
            let end = match &entry.end {
                Some(end) => match PartialDate::parse(end.get_ref()) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        errors.push(Diagnostic::error(
                            file,
                            end.span(),
                            format!("event \"{title}\" has an invalid end date: {e}"),
                        ));
                        None
                    }
                },
                None => None,
            };
            let Some(date) = date else { continue };
            if let (Some(end_date), Some(end_entry)) = (end, &entry.end) {
                if end_date <= date {
                    errors.push(
                        Diagnostic::error(
                            file,
                            end_entry.span(),
                            format!(
                                "event \"{title}\" ends ({end_date}) before it starts ({date})"
                            ),
                        )
                        .with_help("`end` must come after `date`"),
                    );
                }
            }
            let (id, id_span) = match &entry.id {
                Some(id) => (id.get_ref().clone(), id.span()),
                None => (slugify(&format!("{date} {title}")), entry.title.span()),
            };
            if !is_valid_id(&id) {
                errors.push(
                    Diagnostic::error(file, id_span.clone(), format!("`{id}` is not a valid event id"))
                        .with_help("ids use lower-case letters, digits, `-` and `_`; set `id = \"...\"` for this event"),
                );
            }
            if ids.contains_key(&id) {
                errors.push(
                    Diagnostic::error(
                        file,
                        id_span.clone(),
                        format!("two events have the id `{id}`"),
                    )
                    .with_help("give one of them another `id = \"...\"`"),
                );
            }
            ids.insert(id.clone(), id_span);
            let (body, body_offset) = match &entry.body {
                Some(b) => (b.get_ref().clone(), string_content_offset(text, b.span())),
                None => (String::new(), entry.title.span().start),
            };
            events.push(Event {
                id,
                date,
                end,
                approximate: entry.approximate,
                title,
                body,
                body_offset,
                span: entry.title.span(),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        events.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title)));
        let by_id = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(Chronology {
            file: Some(file),
            events,
            by_id,
        })
    }

    /// Finds an event by id.
    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}
