//! The chronology: `content/chronology.toml`.
//!
//! Events carry partial dates (`1967`, `2024-12`, `2024-12-08`), optional
//! ranges and an "approximate" flag, because a briefing book must show a
//! date at exactly the precision its sources support.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::date::{DateValue, PartialDate};
use crate::diagnostics::{Diagnostic, FileId};
use crate::frontmatter;
use crate::slug::slugify;
use crate::source::is_valid_id;
use crate::tomlstr::StringPosition;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventEntry {
    id: Option<Spanned<String>>,
    date: Spanned<DateValue>,
    end: Option<Spanned<DateValue>>,
    #[serde(default)]
    approximate: bool,
    #[serde(default)]
    order: i64,
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
    /// Orders events with the same date (lower first), before the title.
    pub order: i64,
    /// What happened, in a line.
    pub title: String,
    /// More about it, Markdown.
    pub body: String,
    /// Where the body's text stands in the file.
    pub body_at: StringPosition,
    /// Where the event's title was written.
    pub span: Range<usize>,
}

impl Event {
    /// The date as shown, at its precision: "1967", "c. July 2025",
    /// "8–10 December 2024", "July – September 2025".
    pub fn date_label(&self) -> String {
        let prefix = if self.approximate { "c. " } else { "" };
        let Some(end) = self.end else {
            return format!("{prefix}{}", self.date.human());
        };
        let (start, end_date) = (self.date, end);
        let label = match (start.month, start.day, end_date.month, end_date.day) {
            (Some(m1), Some(d1), Some(m2), Some(_)) if start.year == end_date.year && m1 == m2 => {
                format!("{d1}–{}", end_date.human())
            }
            (Some(_), Some(_), Some(_), Some(_)) if start.year == end_date.year => {
                let first = start.human();
                let first = first.trim_end_matches(&format!(" {}", start.year));
                format!("{first} – {}", end_date.human())
            }
            (Some(_), None, Some(_), None) if start.year == end_date.year => {
                let first = start.human();
                let first = first.trim_end_matches(&format!(" {}", start.year));
                format!("{first} – {}", end_date.human())
            }
            _ => format!("{} – {}", start.human(), end_date.human()),
        };
        format!("{prefix}{label}")
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
        // Every entry is checked, whatever is wrong with the others.
        let (entries, mut errors) =
            frontmatter::parse_entries::<EventEntry>(file, text, "event", "chronology");
        let mut events = Vec::new();
        let mut ids: HashMap<String, Range<usize>> = HashMap::new();
        for entry in entries {
            let title = entry.title.get_ref().trim().to_string();
            let date = match entry.date.get_ref().to_partial() {
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
                Some(end) => match end.get_ref().to_partial() {
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
            let (body, body_at) = match &entry.body {
                Some(b) => (b.get_ref().clone(), StringPosition::locate(text, b.span())),
                None => (String::new(), StringPosition::at(entry.title.span().start)),
            };
            events.push(Event {
                id,
                date,
                end,
                approximate: entry.approximate,
                order: entry.order,
                title,
                body,
                body_at,
                span: entry.title.span(),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        events.sort_by(|a, b| (a.date, a.order, &a.title).cmp(&(b.date, b.order, &b.title)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    fn parse(text: &str) -> Chronology {
        let file = SourceMap::default().add("c".into(), "c".into(), "".into());
        Chronology::parse(file, text).unwrap()
    }

    #[test]
    fn dates_are_shown_at_their_precision() {
        let c = parse(concat!(
            "[[event]]\ndate = \"1967\"\ntitle = \"A\"\n",
            "[[event]]\ndate = \"2025-07\"\napproximate = true\ntitle = \"B\"\n",
            "[[event]]\ndate = \"2024-12-08\"\nend = \"2024-12-10\"\ntitle = \"C\"\n",
            "[[event]]\ndate = \"2024-11-28\"\nend = \"2024-12-03\"\ntitle = \"D\"\n",
            "[[event]]\ndate = \"2025-07\"\nend = \"2025-09\"\ntitle = \"E\"\n",
            "[[event]]\ndate = \"2025-12\"\nend = \"2026-01\"\ntitle = \"F\"\n",
        ));
        let labels: Vec<String> = c.events.iter().map(Event::date_label).collect();
        assert_eq!(
            labels,
            [
                "1967",
                "28 November – 3 December 2024",
                "8–10 December 2024",
                "c. July 2025",
                "July – September 2025",
                "December 2025 – January 2026"
            ]
        );
    }

    #[test]
    fn toml_dates_are_accepted_too() {
        let c = parse("[[event]]\ndate = 2024-12-08\nend = 2024-12-10\ntitle = \"A\"\n");
        assert_eq!(c.events[0].date_label(), "8–10 December 2024");
    }

    #[test]
    fn events_sort_by_date_then_order_then_title() {
        let c = parse(concat!(
            "[[event]]\ndate = \"2024-12-08\"\ntitle = \"A later day\"\n",
            "[[event]]\ndate = \"2024-12\"\ntitle = \"Z month\"\norder = -1\n",
            "[[event]]\ndate = \"2024-12\"\ntitle = \"B month\"\n",
            "[[event]]\ndate = \"2024\"\ntitle = \"Year\"\n",
        ));
        let titles: Vec<&str> = c.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Year", "Z month", "B month", "A later day"]);
        assert_eq!(c.events[0].id, "2024-year");
        assert!(c.by_id("2024-12-08-a-later-day").is_some());
    }
}
