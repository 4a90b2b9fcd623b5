//! Quotations the report lists: those no longer found in their source
//! (each also an error of the build, [`crate::problem::QuoteDrift`] as the
//! renderer recorded it, with the passage now closest to it) and those in
//! prose that no citation follows. Both come from every rendered fragment
//! and are sorted by file and position.

use super::{ClosestPassage, Drift, Renderings, UnattributedQuotation};
use crate::load::Book;

/// Quotations not found in their source, by file, line and column.
pub(super) fn drifts(book: &Book, renderings: &Renderings<'_>) -> Vec<Drift> {
    let mut drifts: Vec<Drift> = renderings
        .fragments
        .all()
        .flat_map(|r| &r.drifts)
        .map(|d| {
            let (line, column) = book.files.line_column(d.file, d.span.start);
            Drift {
                file: book.files.name(d.file).to_string(),
                line,
                column,
                source: book
                    .sources
                    .sources
                    .get(d.source)
                    .map(|s| s.id.clone())
                    .unwrap_or_default(),
                quotation: d.quotation.clone(),
                closest: d.closest.as_ref().map(|(p, text)| ClosestPassage {
                    paragraph: p + 1,
                    text: text.clone(),
                }),
            }
        })
        .collect();
    drifts.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    drifts
}

/// Quotations in prose that no citation follows in their paragraph, by
/// file, line and column.
pub(super) fn unattributed(book: &Book, renderings: &Renderings<'_>) -> Vec<UnattributedQuotation> {
    let mut quotations: Vec<UnattributedQuotation> = renderings
        .fragments
        .all()
        .flat_map(|r| &r.unattributed)
        .map(|q| {
            let (line, column) = book.files.line_column(q.file, q.span.start);
            UnattributedQuotation {
                file: book.files.name(q.file).to_string(),
                line,
                column,
                text: crate::quote::one_line(&q.text),
            }
        })
        .collect();
    quotations.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    quotations
}
