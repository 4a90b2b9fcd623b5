//! The glossary: `content/glossary.toml`.
//!
//! Terms are referred to from notes as `[[Name]]`, `[[alias]]` or
//! `[[id|text]]`; names and aliases match whatever their case. Every name
//! and alias belongs to exactly one term, so a reference is never ambiguous.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Diagnostic, FileId, did_you_mean};
use crate::frontmatter;
use crate::slug::slugify;
use crate::source::is_valid_id;
use crate::tomlstr::StringPosition;

/// The kinds a term may have.
pub const KINDS: [&str; 6] = [
    "person",
    "organization",
    "place",
    "agreement",
    "event",
    "concept",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermEntry {
    id: Option<Spanned<String>>,
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    kind: Option<Spanned<String>>,
    definition: Option<Spanned<String>>,
    #[serde(default)]
    see_also: Vec<Spanned<String>>,
}

/// One glossary term.
#[derive(Debug, Clone)]
pub struct Term {
    /// The anchor on the glossary page.
    pub id: String,
    /// The main name.
    pub name: String,
    /// Other names and spellings.
    pub aliases: Vec<String>,
    /// person, organization, place, agreement, event or concept.
    pub kind: Option<String>,
    /// The definition, Markdown.
    pub definition: String,
    /// Where the definition's text stands in the file.
    pub definition_at: StringPosition,
    /// Related terms by id, with where each was written.
    pub see_also: Vec<(String, Range<usize>)>,
    /// Where the term's name was written.
    pub span: Range<usize>,
}

/// All terms, sorted by name, with a lookup by name, alias and id.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    /// The file the glossary was read from, if the book has one.
    pub file: Option<FileId>,
    /// The terms, sorted alphabetically by name.
    pub terms: Vec<Term>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

impl Glossary {
    /// Parses the glossary file's text, collecting every error.
    pub fn parse(file: FileId, text: &str) -> Result<Glossary, Vec<Diagnostic>> {
        // Every entry is checked, whatever is wrong with the others.
        let (entries, mut errors) =
            frontmatter::parse_entries::<TermEntry>(file, text, "term", "glossary");
        let mut glossary = Glossary {
            file: Some(file),
            ..Glossary::default()
        };
        let mut claimed: HashMap<String, (String, Range<usize>)> = HashMap::new();
        let mut ids: HashMap<String, Range<usize>> = HashMap::new();
        for entry in entries {
            let name = entry.name.get_ref().trim().to_string();
            let name_span = entry.name.span();
            if name.is_empty() {
                errors.push(Diagnostic::error(
                    file,
                    name_span.clone(),
                    "a glossary term has an empty name",
                ));
                continue;
            }
            let (id, id_span) = match &entry.id {
                Some(id) => (id.get_ref().clone(), id.span()),
                None => (slugify(&name), name_span.clone()),
            };
            if !is_valid_id(&id) {
                errors.push(
                    Diagnostic::error(file, id_span.clone(), format!("`{id}` is not a valid term id"))
                        .with_help("ids use lower-case letters, digits, `-` and `_`; set `id = \"...\"` for this term"),
                );
            }
            if ids.contains_key(&id) {
                errors.push(
                    Diagnostic::error(
                        file,
                        id_span.clone(),
                        format!("two glossary terms have the id `{id}`"),
                    )
                    .with_help("give one of them another `id = \"...\"`"),
                );
            } else {
                ids.insert(id.clone(), id_span.clone());
            }
            let mut names = vec![(name.clone(), name_span.clone())];
            names.extend(
                entry
                    .aliases
                    .iter()
                    .map(|a| (a.get_ref().trim().to_string(), a.span())),
            );
            for (claimed_name, span) in &names {
                if claimed_name.is_empty() {
                    errors.push(Diagnostic::error(file, span.clone(), "an alias is empty"));
                    continue;
                }
                let key = claimed_name.to_lowercase();
                match claimed.get(&key) {
                    Some((owner, _)) if *owner == id => {}
                    Some((owner, _)) => errors.push(
                        Diagnostic::error(file, span.clone(), format!("`{claimed_name}` is claimed by two terms, `{owner}` and `{id}`"))
                            .with_help("a name or alias may belong to one term only, whatever its case; remove it from one of them"),
                    ),
                    None => {
                        claimed.insert(key, (id.clone(), span.clone()));
                    }
                }
            }
            let kind = match &entry.kind {
                Some(kind) if !KINDS.contains(&kind.get_ref().as_str()) => {
                    let mut d = Diagnostic::error(
                        file,
                        kind.span(),
                        format!("unknown kind `{}`", kind.get_ref()),
                    )
                    .with_note(format!("the kinds are: {}", KINDS.join(", ")));
                    if let Some(close) = did_you_mean(kind.get_ref(), KINDS) {
                        d = d.with_help(format!("did you mean `{close}`?"));
                    }
                    errors.push(d);
                    None
                }
                Some(kind) => Some(kind.get_ref().clone()),
                None => None,
            };
            let (definition, definition_at) = match &entry.definition {
                Some(d) => (d.get_ref().clone(), StringPosition::locate(text, d.span())),
                None => (String::new(), StringPosition::at(name_span.start)),
            };
            glossary.terms.push(Term {
                id,
                name,
                aliases: entry
                    .aliases
                    .iter()
                    .map(|a| a.get_ref().trim().to_string())
                    .collect(),
                kind,
                definition,
                definition_at,
                see_also: entry
                    .see_also
                    .iter()
                    .map(|s| (s.get_ref().clone(), s.span()))
                    .collect(),
                span: name_span,
            });
        }
        glossary.terms.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.id.cmp(&b.id))
        });
        glossary.index();
        for term in &glossary.terms {
            for (see, span) in &term.see_also {
                if !glossary.by_id.contains_key(see) {
                    let mut d = Diagnostic::error(
                        file,
                        span.clone(),
                        format!("`see_also` names an unknown term `{see}`"),
                    );
                    if let Some(close) =
                        did_you_mean(see, glossary.terms.iter().map(|t| t.id.as_str()))
                    {
                        d = d.with_help(format!("did you mean `{close}`?"));
                    }
                    errors.push(d);
                }
            }
        }
        if errors.is_empty() {
            Ok(glossary)
        } else {
            Err(errors)
        }
    }

    fn index(&mut self) {
        self.by_name.clear();
        self.by_id.clear();
        for (i, term) in self.terms.iter().enumerate() {
            self.by_id.insert(term.id.clone(), i);
            self.by_name.insert(term.name.to_lowercase(), i);
            for alias in &term.aliases {
                self.by_name.insert(alias.to_lowercase(), i);
            }
        }
    }

    /// Finds a term by name or alias (any case), or by id.
    pub fn lookup(&self, target: &str) -> Option<usize> {
        self.by_name
            .get(&target.to_lowercase())
            .or_else(|| self.by_id.get(target))
            .copied()
    }

    /// Finds a term by id.
    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Every name and alias, for suggestions.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().flat_map(|t| {
            std::iter::once(t.name.as_str()).chain(t.aliases.iter().map(String::as_str))
        })
    }
}
