//! `content/book.toml`: the book's settings. Every key is optional.

use serde::{Deserialize, Deserializer};

/// The settings of a book, from `content/book.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BookConfig {
    /// The book's title, shown on every page.
    pub title: String,
    /// A line under the title on the index page.
    pub subtitle: Option<String>,
    /// Who wrote the book.
    pub authors: Vec<String>,
    /// BCP 47 language tag of the notes (`lang` on every page).
    pub language: String,
    /// Name of the theme folder under `themes/`: one plain name, so that
    /// a theme is read only from inside the book ([`is_theme_name`]).
    #[serde(deserialize_with = "theme_name")]
    pub theme: String,
    /// Description for the index page and `<meta name="description">`.
    pub description: Option<String>,
    /// Link the first plain mention of each glossary name in every note.
    pub autolink_glossary: bool,
    /// Where the site is written, relative to the book's root.
    pub output_dir: String,
    /// Publish the editor's report as `report.html` (see [`crate::report`]).
    pub report: bool,
    /// Write the print edition, `print.html`: the whole book on one page.
    pub print: bool,
    /// Write the search index (`search/`) and give every page the search
    /// box.
    pub search: bool,
    /// Where the site is published (`site_url`), if the book says: the
    /// 404 page, which a host shows at any depth, links from there.
    pub site_url: Option<SiteUrl>,
    /// What a quotation in prose that no citation follows is: listed in
    /// the editor's report only (the default), a warning, or an error.
    pub unattributed_quotations: Unattributed,
}

/// How a build treats a quotation in prose that no citation follows in
/// its paragraph: a scare quote, a title, or a quotation whose author
/// forgot to cite it.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Unattributed {
    /// Listed in the editor's report only.
    #[default]
    Allow,
    /// A warning of the build, which still succeeds.
    Warn,
    /// An error: the build fails.
    Error,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: "Briefing book".to_string(),
            subtitle: None,
            authors: Vec::new(),
            language: "en".to_string(),
            theme: "default".to_string(),
            description: None,
            autolink_glossary: false,
            output_dir: "output".to_string(),
            report: false,
            print: true,
            search: true,
            site_url: None,
            unattributed_quotations: Unattributed::Allow,
        }
    }
}

/// Whether `name` can name a folder in the book's `themes/`: one plain
/// name, not a path. A cloned book's `theme = "../../.ssh"` or
/// `theme = "/home/me"` must not publish another folder's files.
pub fn is_theme_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | ':') || c.is_control())
}

fn theme_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if is_theme_name(&name) {
        Ok(name)
    } else {
        Err(serde::de::Error::custom(format!(
            "`theme` {name:?} is not the name of a folder in themes/: a theme is read only from the book's own themes/ folder, so give a plain name such as \"briefing\" and put the theme in themes/briefing/"
        )))
    }
}

/// Where a site is published: an address such as
/// `https://example.org/briefing/` or a path such as `/briefing/`.
///
/// Every page links relatively, so the site works from any folder and
/// straight from disk, except the 404 page: a static host shows it for any
/// missing address, at any depth, where relative links would lead
/// nowhere. Given this setting, the 404 page links from the site's root
/// on its host instead (as mdBook's `site-url` does).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteUrl {
    /// The setting as written.
    text: String,
    /// The site's root on its host: starts and ends with `/`.
    path: String,
}

impl SiteUrl {
    /// Reads a `site_url`; the error says what is wrong, for a diagnostic.
    pub fn parse(text: &str) -> Result<SiteUrl, String> {
        const EXAMPLES: &str =
            "an address such as \"https://example.org/briefing/\" or a path such as \"/briefing/\"";
        let path = if let Some(rest) = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
        {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            if host.is_empty() {
                return Err(format!("`site_url` {text:?} has no host: give {EXAMPLES}"));
            }
            if path.is_empty() { "/" } else { path }
        } else if text.starts_with("//") || !text.starts_with('/') {
            return Err(format!(
                "`site_url` {text:?} is neither an http(s) address nor a path from the host's root: give {EXAMPLES}"
            ));
        } else {
            text
        };
        if let Some(c) = path
            .chars()
            .find(|c| c.is_whitespace() || matches!(c, '?' | '#' | '"' | '<' | '>' | '\\'))
        {
            return Err(format!(
                "`site_url` {text:?} has {c:?} in its path: give {EXAMPLES}"
            ));
        }
        let mut path = path.to_string();
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(SiteUrl {
            text: text.to_string(),
            path,
        })
    }

    /// The setting as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The site's root on its host, such as `/briefing/`: starts and ends
    /// with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<'de> Deserialize<'de> for SiteUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SiteUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::{SiteUrl, is_theme_name};

    #[test]
    fn a_theme_is_a_plain_name_never_a_path() {
        for name in ["default", "briefing", "my theme", "thème-2"] {
            assert!(is_theme_name(name), "{name}");
        }
        for name in ["", ".", "..", "../x", "/etc", "a/b", "a\\b", "c:", "x\u{7}"] {
            assert!(!is_theme_name(name), "{name:?}");
        }
    }

    #[test]
    fn a_site_url_gives_the_path_of_the_sites_root_on_its_host() {
        for (text, path) in [
            ("https://example.org/briefing/", "/briefing/"),
            ("https://example.org/briefing", "/briefing/"),
            ("http://example.org", "/"),
            ("https://user.github.io/talks/2008/", "/talks/2008/"),
            ("/", "/"),
            ("/briefing", "/briefing/"),
        ] {
            assert_eq!(SiteUrl::parse(text).unwrap().path(), path, "{text}");
        }
    }

    #[test]
    fn a_site_url_that_is_not_an_address_or_a_path_is_refused() {
        for (text, says) in [
            (
                "example.org/briefing/",
                "neither an http(s) address nor a path",
            ),
            ("briefing", "neither"),
            ("//example.org/", "neither"),
            ("ftp://example.org/", "neither"),
            ("https:///briefing/", "has no host"),
            ("/brief ing/", "' '"),
            ("/briefing/?x=1", "'?'"),
            ("https://example.org/a\"b", "'\"'"),
        ] {
            let error = SiteUrl::parse(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
            assert!(error.contains("https://example.org/briefing/"), "{error}");
        }
    }
}
