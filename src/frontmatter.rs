//! Splitting a file into TOML front matter (between `+++` lines) and body,
//! and parsing that front matter with errors that point into the file.
//!
//! Spans stay byte offsets into the whole file so that every later error,
//! from a TOML typo to a misquoted citation, can name its line and column.

use std::ops::Range;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, FileId, did_you_mean};

/// A file cut into its front matter and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The TOML text between the `+++` lines and its byte range in the file.
    pub front_matter: Option<(&'a str, Range<usize>)>,
    /// The rest of the file.
    pub body: &'a str,
    /// Where the body starts in the file.
    pub body_offset: usize,
}

/// Cuts `text` into front matter and body. A file whose first line is `+++`
/// must close it with another `+++` line.
pub fn split(text: &str) -> Result<Split<'_>, Range<usize>> {
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "+++" {
        return Ok(Split {
            front_matter: None,
            body: text,
            body_offset: 0,
        });
    }
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let body_offset = offset + line.len();
            return Ok(Split {
                front_matter: Some((&text[first_line_end..offset], first_line_end..offset)),
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(0..first_line_end.min(text.len()).max(1).min(text.len()))
}

/// The diagnostic for front matter that opens with `+++` and never closes.
pub fn unterminated(file: FileId, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(file, span, "front matter is never closed")
        .with_label("opened here")
        .with_help("end the front matter with a line holding only `+++`")
}

/// Parses TOML text that starts at byte `offset` of `file` into `T`,
/// reporting every problem at once: each unknown key (with a "did you
/// mean") and each wrongly typed value, each at its own place.
///
/// `T` is a struct that denies unknown fields. The value comes back when
/// the keys that are right make a whole `T` (all required keys present),
/// so that callers can check it further and report those problems in the
/// same run; the diagnostics are empty only if the text was right.
pub fn parse_toml<T: DeserializeOwned>(
    file: FileId,
    toml_text: &str,
    offset: usize,
    what: &str,
) -> Parsed<T> {
    // A correct file, by far the most common, costs one parse.
    let first_error = match toml::from_str(toml_text) {
        Ok(value) => {
            return Parsed {
                value: Some(value),
                errors: Vec::new(),
            };
        }
        Err(error) => error,
    };
    match toml::de::DeTable::parse(toml_text) {
        Ok(table) => {
            let place = Place {
                file,
                toml_text,
                offset,
                what,
            };
            let table =
                toml::Spanned::new(table.span(), toml::de::DeValue::Table(table.into_inner()));
            let (value, errors) = place.deserialize_each_key(table);
            Parsed { value, errors }
        }
        // Not TOML at all: the syntax error is the one problem to report.
        Err(_) => Parsed {
            value: None,
            errors: vec![toml_diagnostic(file, toml_text, offset, what, &first_error)],
        },
    }
}

/// The string value of `key` in the front matter of `text`, if the front
/// matter is TOML and has it: what a file meant to say even when its front
/// matter as a whole is wrong (a source's `id`, which citations use).
pub fn declared_string(text: &str, key: &str) -> Option<String> {
    let (toml_text, _) = split(text).ok()?.front_matter?;
    let table = toml::de::DeTable::parse(toml_text).ok()?;
    let value = table.get_ref().get(key)?;
    value.get_ref().as_str().map(str::to_string)
}

/// What [`parse_toml`] made of a piece of TOML.
pub struct Parsed<T> {
    /// The value, from the keys that were right, if they make a whole one.
    pub value: Option<T>,
    /// Every problem found; empty if the TOML was right.
    pub errors: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// The value if the TOML was right, else every problem found.
    pub fn into_result(self) -> Result<T, Vec<Diagnostic>> {
        match self.value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

/// Parses a TOML file made of one array of tables (`[[term]]`, `[[event]]`)
/// into its entries, reporting every problem of every entry at once (see
/// [`parse_toml`]). `key` is the array's name; an entry comes back when
/// its keys that are right make a whole `T`.
pub fn parse_entries<T: DeserializeOwned>(
    file: FileId,
    text: &str,
    key: &str,
    what: &str,
) -> (Vec<T>, Vec<Diagnostic>) {
    let place = Place {
        file,
        toml_text: text,
        offset: 0,
        what,
    };
    let document = match toml::de::DeTable::parse(text) {
        Ok(document) => document.into_inner(),
        Err(error) => return (Vec::new(), vec![place.diagnostic(&error)]),
    };
    let mut errors = place.unknown_keys(&document, &[key]);
    let mut entries = Vec::new();
    let Some(array) = document.get(key) else {
        return (entries, errors);
    };
    let Some(items) = array.get_ref().as_array() else {
        let message = format!(
            "invalid type: {}, expected an array of tables (`[[{key}]]`)",
            array.get_ref().type_str()
        );
        errors.push(place.error(array.span(), &message));
        return (entries, errors);
    };
    for item in items {
        let (entry, found) = place.deserialize_each_key::<T>(item.clone());
        entries.extend(entry);
        errors.extend(found);
    }
    (entries, errors)
}

/// Where a piece of TOML stands, for diagnostics.
struct Place<'a> {
    file: FileId,
    toml_text: &'a str,
    offset: usize,
    what: &'a str,
}

impl Place<'_> {
    fn diagnostic(&self, error: &toml::de::Error) -> Diagnostic {
        toml_diagnostic(self.file, self.toml_text, self.offset, self.what, error)
    }

    fn error(&self, span: Range<usize>, message: &str) -> Diagnostic {
        located_diagnostic(
            self.file,
            self.toml_text,
            self.offset,
            self.what,
            span,
            message,
        )
    }

    /// An error for every key of `table` not in `known`.
    fn unknown_keys(&self, table: &toml::de::DeTable<'_>, known: &[&str]) -> Vec<Diagnostic> {
        table
            .keys()
            .filter(|key| !known.contains(&key.get_ref().as_ref()))
            .map(|key| self.error(key.span(), &unknown_field(key.get_ref(), known)))
            .collect()
    }

    /// Deserializes the table `value` into `T` key by key: unknown keys are
    /// reported and left out, then each key whose value does not fit is
    /// reported and left out, until what is left deserializes (or cannot,
    /// for a reason that belongs to no one key).
    fn deserialize_each_key<T: DeserializeOwned>(
        &self,
        value: toml::Spanned<toml::de::DeValue<'_>>,
    ) -> (Option<T>, Vec<Diagnostic>) {
        let (value, mut errors) = self.deserialize_each_key_unordered(value);
        // The table's keys are in alphabetical order: the errors are put
        // back in the order of the text.
        errors.sort_by_key(|d| d.location.as_ref().map(|(_, span)| span.start));
        (value, errors)
    }

    fn deserialize_each_key_unordered<T: DeserializeOwned>(
        &self,
        value: toml::Spanned<toml::de::DeValue<'_>>,
    ) -> (Option<T>, Vec<Diagnostic>) {
        let span = value.span();
        let toml::de::DeValue::Table(mut table) = value.into_inner() else {
            return (
                None,
                vec![self.error(span, "invalid type, expected a table")],
            );
        };
        let known = field_names::<T>();
        let mut errors = self.unknown_keys(&table, known);
        let unknown: Vec<String> = table
            .keys()
            .map(|key| key.get_ref().to_string())
            .filter(|key| !known.contains(&key.as_str()))
            .collect();
        for key in &unknown {
            table.remove(key.as_str());
        }
        let mut left_out: Vec<String> = Vec::new();
        // Each round leaves out one more key, so there are at most as many
        // rounds as keys.
        loop {
            let attempt = toml::Spanned::new(span.clone(), toml::de::DeValue::Table(table.clone()));
            let error = match T::deserialize(toml::de::ValueDeserializer::from(attempt)) {
                Ok(value) => return (Some(value), errors),
                Err(error) => error,
            };
            if left_out
                .iter()
                .any(|key| error.message() == format!("missing field `{key}`"))
            {
                // Missing only because its wrong value was left out, which
                // is reported already.
                return (None, errors);
            }
            let culprit = error.span().and_then(|at| {
                table
                    .iter()
                    .find(|(key, value)| {
                        value.span().contains(&at.start) || key.span().contains(&at.start)
                    })
                    .map(|(key, _)| key.get_ref().to_string())
            });
            errors.push(self.diagnostic(&error));
            let Some(culprit) = culprit else {
                return (None, errors);
            };
            table.remove(culprit.as_str());
            left_out.push(culprit);
        }
    }
}

/// serde's message for an unknown field (as `deny_unknown_fields` words
/// it), which [`located_diagnostic`] reads the names from.
fn unknown_field(key: &str, known: &[&str]) -> String {
    let quoted: Vec<String> = known.iter().map(|name| format!("`{name}`")).collect();
    match quoted.as_slice() {
        [] => format!("unknown field `{key}`, there are no fields"),
        [one] => format!("unknown field `{key}`, expected {one}"),
        [first, second] => format!("unknown field `{key}`, expected {first} or {second}"),
        _ => format!(
            "unknown field `{key}`, expected one of {}",
            quoted.join(", ")
        ),
    }
}

/// The names of the fields of the struct `T`, as its derived
/// `Deserialize` declares them (for "unknown key" errors).
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields
}

/// A deserializer that only records the field names a struct asks for.
struct FieldProbe<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldProbe<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("only the field names were wanted"))
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// Turns a TOML error into a diagnostic, with a hint for unknown keys.
pub fn toml_diagnostic(
    file: FileId,
    toml_text: &str,
    offset: usize,
    what: &str,
    error: &toml::de::Error,
) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    located_diagnostic(file, toml_text, offset, what, span, error.message())
}

/// The diagnostic for a TOML problem at `span` of `toml_text` (which starts
/// at byte `offset` of `file`), with a hint for unknown keys.
fn located_diagnostic(
    file: FileId,
    toml_text: &str,
    offset: usize,
    what: &str,
    span: Range<usize>,
    message: &str,
) -> Diagnostic {
    let span = if span.is_empty() && span.start < toml_text.len() {
        span.start..span.start + 1
    } else {
        span
    };
    let message = message.trim();
    let first_line = message.lines().next().unwrap_or("invalid TOML").to_string();
    let mut diagnostic = Diagnostic::error(
        file,
        offset + span.start..offset + span.end,
        format!("invalid {what}: {first_line}"),
    );
    for extra in message.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        diagnostic = diagnostic.with_note(extra.trim().to_string());
    }
    if first_line.starts_with("unknown field") {
        // serde says: unknown field `titel`, expected one of `title`, `summary`
        let names: Vec<&str> = first_line.split('`').skip(1).step_by(2).collect();
        let suggestion = names
            .split_first()
            .and_then(|(wrong, known)| did_you_mean(wrong, known.iter().copied()));
        diagnostic = match suggestion {
            Some(known) => diagnostic.with_help(format!("did you mean `{known}`? Unknown keys are errors so that typos never pass silently")),
            None => diagnostic.with_help("remove the key or fix its spelling; unknown keys are errors so that typos never pass silently"),
        };
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let s = split("+++\ntitle = \"x\"\n+++\nbody\n").unwrap();
        assert_eq!(s.front_matter.unwrap().0, "title = \"x\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_offset, 20);
    }

    #[test]
    fn no_front_matter_and_crlf() {
        let s = split("# Hi\n").unwrap();
        assert!(s.front_matter.is_none());
        let s = split("+++\r\na = 1\r\n+++\r\nb").unwrap();
        assert_eq!(s.front_matter.unwrap().0, "a = 1\r\n");
        assert_eq!(s.body, "b");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        name: String,
        #[serde(default)]
        weight: i64,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn file() -> FileId {
        crate::diagnostics::SourceMap::default().add("f".into(), "f".into(), "".into())
    }

    /// Each problem at its own place, in the order of the text.
    fn places(text: &str, errors: &[Diagnostic]) -> Vec<String> {
        errors
            .iter()
            .map(|d| text[d.location.as_ref().unwrap().1.clone()].to_string())
            .collect()
    }

    #[test]
    fn every_unknown_key_and_every_wrong_type_is_reported() {
        let text = "nmae = 1\nname = \"A\"\ntags = [\"x\", 2]\nweight = \"heavy\"\ncolour = 3\n";
        let parsed = parse_toml::<Entry>(file(), text, 0, "entry");
        assert_eq!(
            places(text, &parsed.errors),
            ["nmae", "2", "\"heavy\"", "colour"]
        );
        assert!(parsed.errors[0].notes[0].contains("did you mean `name`?"));
        // The keys that were right still make an entry, to check further.
        let entry = parsed.value.unwrap();
        assert_eq!(
            (entry.name.as_str(), entry.weight, entry.tags.len()),
            ("A", 0, 0)
        );
    }

    #[test]
    fn a_required_key_with_a_wrong_value_is_one_error_not_two() {
        let text = "name = 1\n";
        let parsed = parse_toml::<Entry>(file(), text, 0, "entry");
        assert_eq!(places(text, &parsed.errors), ["1"]);
        assert!(parsed.value.is_none());
        let text = "weight = 1\n";
        let parsed = parse_toml::<Entry>(file(), text, 0, "entry");
        assert!(parsed.errors[0].message.contains("missing field `name`"));
    }

    #[test]
    fn every_entry_of_an_array_of_tables_is_checked() {
        let text = "other = 1\n[[entry]]\nname = \"A\"\nwieght = 2\n[[entry]]\nname = \"B\"\n[[entry]]\nname = 3\n";
        let (entries, errors) = parse_entries::<Entry>(file(), text, "entry", "list");
        assert_eq!(places(text, &errors), ["other", "wieght", "3"]);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        let (_, errors) = parse_entries::<Entry>(file(), "oops\n[[entry]]\n", "entry", "list");
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn unterminated_front_matter_is_an_error() {
        assert!(split("+++\ntitle = 1\n").is_err());
        assert!(split("+++").is_err());
    }
}
