//! GitHub-style slugs for heading ids and default term and event ids.

use std::collections::HashMap;

/// The GitHub-style slug of `text`: lower case, white space to `-`,
/// punctuation dropped (letters and digits of every script are kept).
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if c == '-' || c == '_' {
            slug.push(c);
        } else if c.is_whitespace() {
            slug.push('-');
        }
    }
    slug
}

/// Hands out unique slugs within one page: the second `Overview` becomes
/// `overview-1`, the third `overview-2`.
#[derive(Debug, Default)]
pub struct SlugDeduper {
    seen: HashMap<String, usize>,
}

impl SlugDeduper {
    /// Reserves an id that must stay as it is (an explicit `{#id}`).
    /// Returns false if it was already taken.
    pub fn reserve(&mut self, id: &str) -> bool {
        match self.seen.get(id) {
            Some(_) => false,
            None => {
                self.seen.insert(id.to_string(), 0);
                true
            }
        }
    }

    /// A unique id based on `slug`.
    pub fn unique(&mut self, slug: &str) -> String {
        let base = if slug.is_empty() {
            "section".to_string()
        } else {
            slug.to_string()
        };
        match self.seen.get(&base).copied() {
            None => {
                self.seen.insert(base.clone(), 0);
                base
            }
            Some(mut count) => loop {
                count += 1;
                let candidate = format!("{base}-{count}");
                if !self.seen.contains_key(&candidate) {
                    self.seen.insert(base.clone(), count);
                    self.seen.insert(candidate.clone(), 0);
                    break candidate;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style() {
        assert_eq!(
            slugify("The 1974 Disengagement Agreement"),
            "the-1974-disengagement-agreement"
        );
        assert_eq!(slugify("Sweida & the Druze: who?"), "sweida--the-druze-who");
        assert_eq!(slugify("Al-Sharaa’s “red lines”"), "al-sharaas-red-lines");
        assert_eq!(slugify("Ḥusayn السلامة"), "ḥusayn-السلامة");
    }

    #[test]
    fn repeats_are_numbered() {
        let mut d = SlugDeduper::default();
        assert_eq!(d.unique("overview"), "overview");
        assert_eq!(d.unique("overview"), "overview-1");
        assert_eq!(d.unique("overview"), "overview-2");
        assert!(d.reserve("custom"));
        assert!(!d.reserve("custom"));
        assert_eq!(d.unique("custom"), "custom-1");
    }
}
