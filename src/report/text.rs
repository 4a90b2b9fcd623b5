//! The report as text for a terminal (`briefbook check --report`): one
//! section per finding, each item on a line that starts with where to
//! look.

use std::fmt::Write as _;

use super::{NoteSources, Occurrence, Report};

impl Report {
    /// The report as text for a terminal: one section per finding, each
    /// item on a line that starts with where to look.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(out, "Editor's report: {}", self.book);
        let _ = writeln!(
            out,
            "{} notes, {} sources, {} glossary terms, {} chronology events",
            s.notes, s.sources, s.terms, s.events
        );

        section(&mut out, "Sources never cited", self.uncited_sources.len());
        for u in &self.uncited_sources {
            let outlet = u
                .outlet
                .as_deref()
                .map(|o| format!(", {o}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}  “{}”{outlet} ({})", u.id, u.title, u.file);
        }

        section(
            &mut out,
            "Paragraphs of notes with no citation",
            self.uncited_paragraphs.len(),
        );
        for p in &self.uncited_paragraphs {
            let _ = writeln!(
                out,
                "  {}:{}  {}: “{}”",
                p.file, p.line, p.kind, p.first_words
            );
        }

        section(
            &mut out,
            "Glossary terms never referred to",
            self.unused_terms.len(),
        );
        for t in &self.unused_terms {
            let _ = writeln!(out, "  {}:{}  {} ({})", t.file, t.line, t.name, t.id);
        }

        section(
            &mut out,
            "Chronology events with no citation",
            self.uncited_events.len(),
        );
        for e in &self.uncited_events {
            let _ = writeln!(
                out,
                "  {}:{}  {}: {} ({})",
                e.file, e.line, e.date, e.title, e.id
            );
        }

        let single: Vec<&NoteSources> = self.note_sources.iter().filter(|n| n.count == 1).collect();
        let none: Vec<&NoteSources> = self.note_sources.iter().filter(|n| n.count == 0).collect();
        let _ = writeln!(out, "\nSources per note");
        if self.note_sources.is_empty() {
            let _ = writeln!(out, "  none");
        }
        let width = self
            .note_sources
            .iter()
            .map(|n| n.file.chars().count())
            .max()
            .unwrap_or(0);
        for n in &self.note_sources {
            let _ = writeln!(
                out,
                "  {:<width$}  {}{}",
                n.file,
                plural(n.count, "source"),
                if n.sources.is_empty() {
                    String::new()
                } else {
                    format!(": {}", n.sources.join(", "))
                }
            );
        }
        let _ = writeln!(
            out,
            "  Notes citing only one source: {} of {}{}",
            single.len(),
            self.note_sources.len(),
            list_files(&single)
        );
        let _ = writeln!(
            out,
            "  Notes citing no source: {} of {}{}",
            none.len(),
            self.note_sources.len(),
            list_files(&none)
        );

        section(
            &mut out,
            "Possible name variants in the sources",
            self.name_variants.len(),
        );
        for v in &self.name_variants {
            let places: Vec<String> = group_occurrences(&v.occurrences);
            let _ = writeln!(
                out,
                "  “{}” looks like {} ({}), {}; it is not listed as a name or alias: {}",
                v.form,
                v.term_name,
                v.term,
                why_text(&v.why),
                places.join("; ")
            );
        }

        section(
            &mut out,
            "Quotations not found in their source",
            self.quotation_drifts.len(),
        );
        for d in &self.quotation_drifts {
            let _ = writeln!(
                out,
                "  {}:{}:{}  @{} “{}”",
                d.file, d.line, d.column, d.source, d.quotation
            );
            match &d.closest {
                Some(c) => {
                    let _ = writeln!(
                        out,
                        "      the source now reads, in p{}: “{}”",
                        c.paragraph, c.text
                    );
                }
                None => {
                    let _ = writeln!(out, "      the source has no text to compare");
                }
            }
        }

        section(
            &mut out,
            "Quotations that no citation follows",
            self.unattributed_quotations.len(),
        );
        for q in &self.unattributed_quotations {
            let _ = writeln!(out, "  {}:{}:{}  “{}”", q.file, q.line, q.column, q.text);
        }
        out
    }
}

fn section(out: &mut String, title: &str, count: usize) {
    let _ = writeln!(out, "\n{title} ({count})");
    if count == 0 {
        let _ = writeln!(out, "  none");
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn list_files(notes: &[&NoteSources]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let files: Vec<&str> = notes.iter().map(|n| n.file.as_str()).collect();
    format!(" ({})", files.join(", "))
}

/// `nyt p3, p5; ynet p2`: occurrences grouped by source.
fn group_occurrences(occurrences: &[Occurrence]) -> Vec<String> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for o in occurrences {
        match grouped.last_mut() {
            Some((source, paragraphs)) if *source == o.source => {
                paragraphs.push(format!("p{}", o.paragraph));
            }
            _ => grouped.push((o.source.clone(), vec![format!("p{}", o.paragraph)])),
        }
    }
    grouped
        .into_iter()
        .map(|(s, p)| format!("{s} {}", p.join(", ")))
        .collect()
}

fn why_text(why: &str) -> &'static str {
    match why {
        "spelling" => "differing only in case, accents, hyphens, spaces or apostrophes",
        "transliteration" => "a common transliteration variant",
        _ => "one letter apart",
    }
}
