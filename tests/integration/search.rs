//! The search index (`search/` of a built site): what it holds, where its
//! results lead, and that `serve` keeps it equal to a full build.
//!
//! The index files are read back here the way `search.js` reads them: the
//! JSON inside `briefbookSearch.x(…)`, the shard of a token from its first
//! three characters, the postings decoded from their base-45 digits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use briefbook::search;
use briefbook::site::{Project, Silent, Site};

use crate::support::{TestBook, options};

// ---------------------------------------------------------------- JSON

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Number(f64),
    Text(String),
    List(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(fields) => fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no `{key}` in {self:?}")),
            _ => panic!("not an object: {self:?}"),
        }
    }
    fn list(&self) -> &[Json] {
        match self {
            Json::List(items) => items,
            _ => panic!("not a list: {self:?}"),
        }
    }
    fn text(&self) -> &str {
        match self {
            Json::Text(t) => t,
            _ => panic!("not a string: {self:?}"),
        }
    }
    fn number(&self) -> usize {
        match self {
            Json::Number(n) => *n as usize,
            _ => panic!("not a number: {self:?}"),
        }
    }
}

/// A small JSON parser: enough for the index, strict enough to fail on
/// anything `JSON.parse` would refuse in it.
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn value(&mut self) -> Json {
        match self.text[self.at] {
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.text[self.at] == b']' {
                    self.at += 1;
                    return Json::List(items);
                }
                loop {
                    items.push(self.value());
                    match self.text[self.at] {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Json::List(items);
                        }
                        c => panic!("unexpected `{}` at {}", c as char, self.at),
                    }
                }
            }
            b'{' => {
                self.at += 1;
                let mut fields = Vec::new();
                loop {
                    let Json::Text(key) = self.value() else {
                        panic!("object key at {}", self.at)
                    };
                    assert_eq!(self.text[self.at], b':');
                    self.at += 1;
                    fields.push((key, self.value()));
                    match self.text[self.at] {
                        b',' => self.at += 1,
                        b'}' => {
                            self.at += 1;
                            return Json::Object(fields);
                        }
                        c => panic!("unexpected `{}` at {}", c as char, self.at),
                    }
                }
            }
            b'"' => {
                self.at += 1;
                let mut out = Vec::new();
                loop {
                    let c = self.text[self.at];
                    self.at += 1;
                    match c {
                        b'"' => return Json::Text(String::from_utf8(out).unwrap()),
                        b'\\' => {
                            let e = self.text[self.at];
                            self.at += 1;
                            match e {
                                b'"' | b'\\' | b'/' => out.push(e),
                                b'n' => out.push(b'\n'),
                                b't' => out.push(b'\t'),
                                b'r' => out.push(b'\r'),
                                b'u' => {
                                    let hex = std::str::from_utf8(&self.text[self.at..self.at + 4])
                                        .unwrap();
                                    self.at += 4;
                                    let c = char::from_u32(u32::from_str_radix(hex, 16).unwrap())
                                        .unwrap();
                                    out.extend(c.to_string().as_bytes());
                                }
                                e => panic!("bad escape \\{}", e as char),
                            }
                        }
                        c if c < 0x20 => panic!("raw control character in a string"),
                        c => out.push(c),
                    }
                }
            }
            _ => {
                let start = self.at;
                while self.text[self.at].is_ascii_digit() || self.text[self.at] == b'.' {
                    self.at += 1;
                }
                let number = std::str::from_utf8(&self.text[start..self.at]).unwrap();
                Json::Number(
                    number
                        .parse()
                        .unwrap_or_else(|_| panic!("bad number at {start}")),
                )
            }
        }
    }
}

/// The data of one index file: `briefbookSearch.<call>(<json>);`.
fn script_data(path: &Path, call: &str) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let prefix = format!("briefbookSearch.{call}(");
    let body = text
        .strip_prefix(&prefix)
        .and_then(|t| t.strip_suffix(");\n"))
        .unwrap_or_else(|| panic!("{} is not a `{prefix}…);` script", path.display()));
    // What a JavaScript string may not hold raw.
    assert!(!body.contains('\u{2028}') && !body.contains('\u{2029}'));
    let mut reader = Reader {
        text: body.as_bytes(),
        at: 0,
    };
    let value = reader.value();
    assert_eq!(reader.at, body.len(), "trailing text in {}", path.display());
    value
}

// ---------------------------------------------------------------- the index

/// A document: kind, title, context, URL (percent-decoded), text.
#[derive(Debug, Clone)]
struct Doc {
    kind: String,
    title: String,
    context: String,
    url: String,
    text: String,
}

/// An index read back from a site.
struct Index {
    shards: Vec<Option<BTreeMap<String, String>>>,
    docs: Vec<Doc>,
}

/// Decodes postings: `(document, in title)` pairs.
fn decode(postings: &str) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut value = 0usize;
    let mut previous: i64 = -1;
    for b in postings.bytes() {
        assert!(
            b != b'\\' && b != b'"' && (0x23..0x7e).contains(&b),
            "bad digit {b}"
        );
        let digit = usize::from(if b < 0x5c { b - 0x23 } else { b - 0x24 });
        if digit >= 45 {
            value = value * 45 + digit - 45;
        } else {
            value = value * 45 + digit;
            let doc = previous + 1 + (value / 2) as i64;
            out.push((doc as usize, value % 2 == 1));
            previous = doc;
            value = 0;
        }
    }
    assert_eq!(value, 0, "postings end inside a number");
    out
}

impl Index {
    fn read(site: &Path) -> Index {
        let dir = site.join("search");
        let meta = script_data(&dir.join("meta.js"), "meta");
        assert_eq!(meta.get("version").number(), 1);
        let count = meta.get("docs").number();
        let shards: Vec<Option<BTreeMap<String, String>>> = meta
            .get("shards")
            .list()
            .iter()
            .map(|name| match name {
                Json::Number(n) if *n == 0.0 => None,
                name => {
                    let data = script_data(&dir.join(format!("t-{}.js", name.text())), "shard");
                    let items = data.list();
                    assert_eq!(items.len() % 2, 0);
                    let tokens: Vec<&str> = items.iter().step_by(2).map(Json::text).collect();
                    // Sorted as JavaScript compares strings, for binary search.
                    let mut sorted = tokens.clone();
                    sorted.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
                    assert_eq!(tokens, sorted, "shard {} is not sorted", name.text());
                    Some(
                        items
                            .chunks(2)
                            .map(|pair| (pair[0].text().to_string(), pair[1].text().to_string()))
                            .collect(),
                    )
                }
            })
            .collect();
        assert!(shards.len().is_power_of_two());
        let mut docs = Vec::new();
        for chunk in meta.get("chunks").list() {
            let [first, name] = chunk.list() else {
                panic!("chunk {chunk:?}")
            };
            assert_eq!(first.number(), docs.len(), "chunks must follow each other");
            let data = script_data(&dir.join(format!("d-{}.js", name.text())), "docs");
            for entry in data.list() {
                let [kind, title, context, url, text] = entry.list() else {
                    panic!("document {entry:?}")
                };
                docs.push(Doc {
                    kind: kind.text().into(),
                    title: title.text().into(),
                    context: context.text().into(),
                    url: percent_decode(url.text()),
                    text: text.text().into(),
                });
            }
        }
        assert_eq!(docs.len(), count);
        // Every token is in the shard the browser will look in, and its
        // postings point at documents that exist.
        for (n, shard) in shards.iter().enumerate() {
            for (token, postings) in shard.iter().flatten() {
                assert_eq!(
                    search::shard_hash(token) as usize % shards.len(),
                    n,
                    "`{token}` is in the wrong shard"
                );
                let decoded = decode(postings);
                assert!(!decoded.is_empty());
                assert!(decoded.windows(2).all(|w| w[0].0 < w[1].0));
                assert!(decoded.iter().all(|(d, _)| *d < count));
            }
        }
        Index { shards, docs }
    }

    /// The documents holding `token`, as the browser finds them.
    fn find(&self, token: &str) -> Vec<(&Doc, bool)> {
        let n = search::shard_hash(token) as usize % self.shards.len();
        let Some(Some(shard)) = self.shards.get(n) else {
            return Vec::new();
        };
        shard
            .get(token)
            .map(|postings| {
                decode(postings)
                    .into_iter()
                    .map(|(d, title)| (&self.docs[d], title))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn urls(&self, token: &str) -> Vec<&str> {
        self.find(token)
            .iter()
            .map(|(d, _)| d.url.as_str())
            .collect()
    }

    fn all_tokens(&self) -> Vec<&str> {
        self.shards
            .iter()
            .flatten()
            .flat_map(|s| s.keys().map(String::as_str))
            .collect()
    }
}

/// The basic fixture with a glossary, a chronology and a note with accents,
/// headings and a citation whose quotation must not be indexed as the
/// note's own words.
fn book() -> TestBook {
    TestBook::fixture("basic")
        .file(
            "content/glossary.toml",
            "[[term]]\nid = \"golan-heights\"\nname = \"Golan Heights\"\naliases = [\"the Golan\"]\nkind = \"place\"\ndefinition = \"A plateau [@nyt#p1].\"\n\n\
             [[term]]\nname = \"Ahmed al\u{2011}Sharaa\"\nid = \"sharaa\"\ndefinition = \"The Syrian president.\"\n",
        )
        .file(
            "content/chronology.toml",
            "[[event]]\nid = \"war\"\ndate = \"1948\"\ntitle = \"Israel and Syria at war\"\nbody = \"At war since then.\"\n",
        )
        .file(
            "content/places/geneva.md",
            "+++\ntitle = \"Délégations\"\ntags = [\"diplomacy\"]\n+++\n\nOpening words about Qunayṭirah.\n\n\
             ## Café à Genève {#geneve}\n\nThe envoys met in GENÈVE, see [[the Golan]] [@nyt \"officially at war since 1948\"].\n\n\
             ```\nunindexedcodeword\n```\n\n## Straße\n\nSchloß co\u{00AD}operation naïve Ærøskøbing.\n",
        )
}

// ---------------------------------------------------------------- tests

#[test]
fn tokens_are_folded_and_cut_at_every_hyphen() {
    assert_eq!(
        search::tokens("Ahmed al\u{2011}Sharaa"),
        ["ahmed", "al", "sharaa"]
    );
    assert_eq!(
        search::tokens("al-Sharaa al\u{2010}Sharaa"),
        ["al", "sharaa", "al", "sharaa"]
    );
    assert_eq!(search::tokens("Golan Heights"), ["golan", "heights"]);
    assert_eq!(
        search::tokens("GENÈVE Qunayṭirah"),
        ["geneve", "qunaytirah"]
    );
    assert_eq!(
        search::tokens("Straße Ærøskøbing"),
        ["strasse", "aeroskobing"]
    );
    assert_eq!(search::tokens("co\u{00AD}operation"), ["cooperation"]);
    assert_eq!(search::tokens("Syria’s U.S. x-ray"), ["syria", "ray"]);
    assert_eq!(search::tokens("ΣΟΦΊΑΣ σοφίας"), ["σοφιασ", "σοφιασ"]);
    assert_eq!(search::tokens("שָׁלוֹם"), ["שלום"]);
    assert_eq!(search::tokens("İstanbul"), ["istanbul"]);
}

#[test]
fn the_index_finds_folded_words_and_links_to_the_exact_place() {
    let built = book().built();
    let index = Index::read(&built.out);

    // "Sharaa" finds "al‑Sharaa" written with a no-break hyphen: the source
    // paragraph, and the glossary term (in its title).
    let sharaa = index.find("sharaa");
    assert!(
        sharaa.iter().any(|(d, _)| d.url == "sources/ynet.html#p3"),
        "{sharaa:?}"
    );
    assert!(
        sharaa
            .iter()
            .any(|(d, title)| d.url == "glossary.html#sharaa" && *title)
    );
    let p3 = &index
        .docs
        .iter()
        .find(|d| d.url == "sources/ynet.html#p3")
        .unwrap();
    assert!(
        p3.text.contains("al\u{2011}Sharaa"),
        "the text is shown as written"
    );
    assert_eq!((p3.kind.as_str(), p3.context.as_str()), ("s", "¶ 3"));

    // "Golan" finds "Golan Heights", a title; and the note that refers to
    // the term by an alias, in the section of that heading.
    let golan = index.find("golan");
    assert!(
        golan
            .iter()
            .any(|(d, title)| d.url == "glossary.html#golan-heights"
                && *title
                && d.title == "Golan Heights")
    );
    assert!(index.urls("golan").contains(&"places/geneva.html#geneve"));
    assert!(
        index
            .urls("heights")
            .contains(&"glossary.html#golan-heights")
    );

    // Accents and case are folded; each section links to its heading, the
    // text before the first heading to the page.
    assert_eq!(index.urls("geneve"), ["places/geneva.html#geneve"]);
    let section = index.find("geneve")[0];
    assert!(section.1, "a heading's words are its title");
    assert_eq!(
        (section.0.title.as_str(), section.0.context.as_str()),
        ("Café à Genève", "Délégations")
    );
    assert_eq!(index.urls("qunaytirah"), ["places/geneva.html"]);
    assert!(
        index
            .find("delegations")
            .iter()
            .any(|(d, t)| d.url == "places/geneva.html" && *t)
    );
    assert!(
        index
            .find("diplomacy")
            .iter()
            .any(|(d, t)| d.url == "places/geneva.html" && *t),
        "tags"
    );
    assert_eq!(index.urls("strasse"), ["places/geneva.html#straße"]);
    for word in ["schloss", "cooperation", "naive", "aeroskobing"] {
        assert_eq!(index.urls(word), ["places/geneva.html#straße"], "{word}");
    }

    // Glossary terms and events link to their entries.
    assert_eq!(index.urls("plateau"), ["glossary.html#golan-heights"]);
    assert!(index.urls("war").contains(&"chronology.html#war"));
    let event = index
        .docs
        .iter()
        .find(|d| d.url == "chronology.html#war")
        .unwrap();
    assert_eq!((event.kind.as_str(), event.context.as_str()), ("e", "1948"));

    // A citation's quotation is the source's text, not the note's; code is
    // not indexed; the introduction links to index.html.
    let section = index
        .docs
        .iter()
        .find(|d| d.url == "places/geneva.html#geneve")
        .unwrap();
    assert_eq!(section.text, "The envoys met in GENÈVE, see the Golan.");
    assert!(
        !index
            .urls("officially")
            .iter()
            .any(|u| u.starts_with("places/"))
    );
    assert!(index.urls("unindexedcodeword").is_empty());
    assert!(index.urls("introduction").contains(&"index.html"));

    // Source paragraphs keep their numbers; the whole source is a document.
    assert_eq!(
        index
            .urls("1948")
            .iter()
            .filter(|u| u.starts_with("sources/nyt"))
            .count(),
        1
    );
    assert!(index.urls("1948").contains(&"sources/nyt.html#p4"));
    assert!(
        index
            .find("revive")
            .iter()
            .any(|(d, t)| d.url == "sources/nyt.html" && *t)
    );

    // One-letter ASCII words are not indexed; every token is folded.
    for token in index.all_tokens() {
        assert!(!(token.len() == 1 && token.is_ascii()), "{token}");
        assert_eq!(
            search::tokens(token),
            [token],
            "{token} is not a folded token"
        );
    }

    // Every URL of the index reaches a page and an id of the site.
    for doc in &index.docs {
        let (page, id) = doc.url.split_once('#').unwrap_or((&doc.url, ""));
        let html =
            std::fs::read_to_string(built.out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        if !id.is_empty() {
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "{page} has no id {id}"
            );
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn pages_load_the_script_and_hold_no_search_box() {
    let built = book().built();
    for (page, script) in [
        ("index.html", "search.js"),
        ("places/geneva.html", "../search.js"),
        ("sources/nyt.html", "../search.js"),
    ] {
        let parsed = built.page(page);
        assert!(
            parsed
                .attrs("script[src]", "src")
                .contains(&script.to_string()),
            "{page}"
        );
        // Without JavaScript there is nothing to type into.
        assert!(
            parsed
                .select("input, form, [role=search], search")
                .is_empty(),
            "{page}"
        );
    }
    assert!(built.out.join("search.js").is_file());
    let js = std::fs::read_to_string(built.out.join("search.js")).unwrap();
    // The code, without its comments (which say why there is no fetch).
    let mut code = String::new();
    let mut rest = js.as_str();
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    code.push_str(rest);
    let code: String = code
        .lines()
        .map(|l| l.split(" // ").next().unwrap_or(""))
        .collect();
    assert!(
        !code.contains("fetch(") && !code.contains("XMLHttpRequest") && !code.contains("import("),
        "file:// forbids them"
    );
}

#[test]
fn search_can_be_turned_off() {
    let built = book()
        .file("content/book.toml", "title = \"Basic\"\nsearch = false\n")
        .built();
    assert!(!built.out.join("search").exists());
    for page in ["index.html", "places/geneva.html", "sources/nyt.html"] {
        let scripts = built.page(page).attrs("script[src]", "src");
        assert!(
            !scripts.iter().any(|s| s.ends_with("search.js")),
            "{page}: {scripts:?}"
        );
        // The site's own script stays: previews do not need the index.
        assert!(
            scripts.iter().any(|s| s.ends_with("briefbook.js")),
            "{page}"
        );
    }
}

#[test]
fn index_files_are_scripts_named_by_their_content() {
    let book = book();
    let first = book.build_ok();
    let dir = first.out.join("search");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.contains(&"meta.js".to_string()));
    for name in &names {
        assert!(name.ends_with(".js"), "{name}");
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.starts_with("briefbookSearch."), "{name}");
    }
    let before: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (n.clone(), std::fs::read(dir.join(n)).unwrap()))
        .collect();

    // A change of one word changes the files that hold it, and their names.
    std::fs::write(
        book.root().join("content/places/geneva.md"),
        std::fs::read_to_string(book.root().join("content/places/geneva.md"))
            .unwrap()
            .replace("envoys", "delegates"),
    )
    .unwrap();
    let second = book.build_ok();
    let after: Vec<String> = std::fs::read_dir(second.out.join("search"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let changed = before.iter().filter(|(n, _)| !after.contains(n)).count();
    assert!(
        changed >= 2 && changed < before.len(),
        "{changed} of {} files changed",
        before.len()
    );
    let index = Index::read(&second.out);
    assert!(index.urls("envoys").is_empty());
    assert_eq!(index.urls("delegates"), ["places/geneva.html#geneve"]);
}

#[test]
fn a_note_cannot_take_a_path_of_the_index() {
    // Notes are pages (`.html`); the index is scripts (`.js`).
    let built = book()
        .file(
            "content/search/meta.md",
            "# Meta\n\nZebrafish in the search.\n",
        )
        .built();
    assert!(built.out.join("search/meta.html").is_file());
    let index = Index::read(&built.out);
    assert_eq!(index.urls("zebrafish"), ["search/meta.html"]);
}

#[test]
fn a_static_file_on_a_path_of_the_index_is_a_warning() {
    let book = book().file("static/search/meta.js", "/* mine */\n");
    let outcome = book.build();
    assert!(!outcome.diagnostics.has_errors());
    let report = outcome.diagnostics.render(&outcome.files);
    assert!(
        report.contains(
            "warning: the static file search/meta.js has the path of a file of the search index"
        ),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(outcome.output_dir.join("search/meta.js")).unwrap(),
        "/* mine */\n"
    );
}

// ---------------------------------------------------------------- serve

fn search_files(site: &Site) -> BTreeMap<String, Vec<u8>> {
    site.files
        .iter()
        .filter(|(p, _)| p.starts_with("search/"))
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect()
}

/// Renders what changed; returns the search files handed over.
fn rerender(project: &mut Project, site: &Mutex<Site>, changed: &[PathBuf]) -> Vec<String> {
    project.reload(changed);
    let render = project.render(site, true, &Silent);
    assert!(
        !render.diagnostics.has_errors(),
        "{}",
        render.diagnostics.render(project.files())
    );
    site.lock()
        .unwrap()
        .files
        .retain(|path, _| render.all_paths.contains(path));
    render
        .written
        .into_iter()
        .filter(|p| p.starts_with("search/"))
        .collect()
}

fn full(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let (outcome, site) = briefbook::render_book(&options(root));
    assert!(!outcome.diagnostics.has_errors());
    search_files(&site.unwrap())
}

#[test]
fn serve_updates_the_index_and_it_equals_a_full_build() {
    let book = book();
    let root = book.root().to_path_buf();
    let mut project = Project::load(options(&root));
    let site = Mutex::new(Site::default());
    let first = project.render(&site, true, &Silent);
    assert!(first.written.iter().any(|p| p == search::META));
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));

    // Nothing changed: nothing is handed over.
    assert!(rerender(&mut project, &site, &[]).is_empty());

    // One word of a note: its chunk, the shards of the words, meta.js.
    let note = root.join("content/places/geneva.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replace("envoys", "delegates")).unwrap();
    let written = rerender(&mut project, &site, std::slice::from_ref(&note));
    let all = search_files(&site.lock().unwrap()).len();
    assert!(written.contains(&search::META.to_string()));
    assert!(written.len() < all, "{written:?}");
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));

    // A new heading renumbers the documents after it.
    std::fs::write(&note, format!("{text}\n## Later\n\nAn epilogue.\n")).unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&note));
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));

    // A new note and a deleted one.
    let extra = root.join("content/extra.md");
    std::fs::write(&extra, "# Extra\n\nZanzibar [@nyt#p4].\n").unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&extra));
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));
    std::fs::remove_file(&extra).unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&extra));
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));

    // The glossary, the chronology, a source.
    let glossary = root.join("content/glossary.toml");
    std::fs::write(
        &glossary,
        "[[term]]\nname = \"Golan\"\naliases = [\"the Golan\"]\ndefinition = \"A zone.\"\n",
    )
    .unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&glossary));
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));
    let chronology = root.join("content/chronology.toml");
    std::fs::write(
        &chronology,
        "[[event]]\ndate = \"1974\"\ntitle = \"Disengagement\"\n",
    )
    .unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&chronology));
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));
    let ynet = root.join("seeds/ynet.txt");
    let source = std::fs::read_to_string(&ynet).unwrap();
    std::fs::write(
        &ynet,
        format!("{source}Another paragraph about Quneitra.\n"),
    )
    .unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&ynet));
    let files = search_files(&site.lock().unwrap());
    assert_eq!(files, full(&root));

    // Search turned off and on again: the index leaves the site, then
    // comes back whole.
    let config = root.join("content/book.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{settings}search = false\n")).unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&config));
    assert!(search_files(&site.lock().unwrap()).is_empty());
    assert!(full(&root).is_empty());
    std::fs::write(&config, &settings).unwrap();
    rerender(&mut project, &site, std::slice::from_ref(&config));
    assert_eq!(search_files(&site.lock().unwrap()), files);

    // And what it holds is right.
    let dir = tempfile::tempdir().unwrap();
    for (path, bytes) in &files {
        std::fs::create_dir_all(dir.path().join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.path().join(path), bytes).unwrap();
    }
    let index = Index::read(dir.path());
    assert_eq!(index.urls("quneitra"), ["sources/ynet.html#p5"]);
    assert_eq!(index.urls("epilogue"), ["places/geneva.html#later"]);
    assert!(index.urls("zanzibar").is_empty());
    assert_eq!(
        index.urls("disengagement"),
        ["chronology.html#1974-disengagement"]
    );
}

#[test]
fn a_larger_book_is_sharded_and_serve_keeps_it_equal() {
    // Enough postings for several shards: 300 notes of varied words.
    const WORDS: [&str; 24] = [
        "border",
        "security",
        "envoy",
        "ceasefire",
        "plateau",
        "province",
        "liaison",
        "framework",
        "monitoring",
        "withdrawal",
        "guarantees",
        "mediation",
        "sovereignty",
        "delegation",
        "stability",
        "pressure",
        "agreement",
        "territory",
        "statement",
        "leverage",
        "energy",
        "tourism",
        "timeline",
        "community",
    ];
    let mut book = TestBook::fixture("basic");
    let mut seed = 7u64;
    for n in 0..300 {
        let mut text =
            format!("+++\ntitle = \"Note {n}\"\n+++\n\nWord{n} opens.\n\n## Part {n}\n\n");
        for i in 0..120 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(WORDS[(seed % WORDS.len() as u64) as usize]);
            text.push_str(&format!("{} ", (seed >> 8) % 97 + i % 3));
        }
        book = book.file(&format!("content/n/{n:03}.md"), text);
    }
    let root = book.root().to_path_buf();
    let built = book.build_ok();
    let index = Index::read(&built.out);
    assert!(index.shards.len() >= 4, "{} shards", index.shards.len());
    assert_eq!(index.urls("word17"), ["n/017.html"]);
    assert!(index.urls("part").len() >= 300);

    let mut project = Project::load(options(&root));
    let site = Mutex::new(Site::default());
    project.render(&site, true, &Silent);
    let note = root.join("content/n/150.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replace("opens", "begins")).unwrap();
    let written = rerender(&mut project, &site, std::slice::from_ref(&note));
    // meta.js, the shard of each word in or out, the note's chunk.
    assert!(written.len() <= 4, "{written:?}");
    assert_eq!(search_files(&site.lock().unwrap()), full(&root));

    // Edits that keep each note's number of documents are chunked again
    // only around the notes edited; the rest change the numbers. Either
    // way, the index is the one a full build makes.
    let path = |n: usize| root.join(format!("content/n/{n:03}.md"));
    let edit = |n: usize, from: &str, to: &str| {
        let text = std::fs::read_to_string(path(n)).unwrap();
        std::fs::write(path(n), text.replace(from, to)).unwrap();
    };
    let long = "a much longer opening ".repeat(3000);
    let edits: [&[(usize, &str, &str)]; 6] = [
        &[(0, "opens", "begins"), (299, "opens", "begins")],
        &[
            (10, "opens", "starts"),
            (11, "opens", "starts"),
            (200, "opens", "starts"),
        ],
        // Past the most a chunk holds: the chunks after it end elsewhere.
        &[(42, "opens", &long)],
        &[(42, &long, "opens")],
        // A section more: every later document moves.
        &[(120, "opens.", "opens.\n\n## Another part")],
        &[(120, "opens.\n\n## Another part", "opens.")],
    ];
    for notes in edits {
        for &(n, from, to) in notes {
            edit(n, from, to);
        }
        let changed: Vec<_> = notes.iter().map(|&(n, ..)| path(n)).collect();
        rerender(&mut project, &site, &changed);
        assert_eq!(search_files(&site.lock().unwrap()), full(&root));
    }
    // Notes grown by a third to nearly all of what a chunk holds, one at
    // a time: a chunk that now fills up ends where no chunk ended before,
    // and the next chunks must be made again until one ends where an old
    // one did.
    for (k, n) in [60, 90, 150, 180, 210, 240, 270].into_iter().enumerate() {
        let grown = format!("opens {}", "padding ".repeat(2000 + 700 * k));
        edit(n, "opens", &grown);
        rerender(&mut project, &site, &[path(n)]);
        assert_eq!(
            search_files(&site.lock().unwrap()),
            full(&root),
            "note {n} grown"
        );
    }
}

/// What `serve` spends on the index for a one-note edit in a large book
/// (docs/PERFORMANCE.md, "Search"). Run by hand on a generated book:
///
/// ```sh
/// BRIEFBOOK_SEARCH_BOOK=/dev/shm/briefbook-bench/10000/book \
///   cargo test --release --test integration measure_one_note_edit -- --ignored --nocapture
/// ```
///
/// The book is copied first: it is edited.
#[test]
#[ignore]
fn measure_one_note_edit() {
    let Some(book) = std::env::var_os("BRIEFBOOK_SEARCH_BOOK") else {
        return;
    };
    let copy = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    crate::support::copy_dir(Path::new(&book), copy.path());
    let root = copy.path().to_path_buf();
    let mut project = Project::load(options(&root));
    let started = std::time::Instant::now();
    let first = project.render(&briefbook::output::NullSink, true, &Silent);
    assert!(!first.diagnostics.has_errors());
    let search = |r: &briefbook::site::Render| {
        r.timings
            .iter()
            .find(|(name, _)| *name == "search")
            .map(|(_, t)| t.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    eprintln!(
        "first render: {:.0} ms, of which search {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0,
        search(&first)
    );
    let note = ["content/notes/n0.md", "content/n0.md"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.is_file())
        .expect("a note n0.md");
    let original = std::fs::read_to_string(&note).unwrap();
    for (what, text) in [
        ("a word", original.replacen("Agriculture", "Quokka", 1)),
        ("a heading", original.replace("## ", "## Edit ")),
        (
            "a new heading",
            format!("{original}\n## Added\n\nMore words.\n"),
        ),
    ] {
        for run in 0..3 {
            std::fs::write(&note, format!("{text}{}", " x".repeat(run))).unwrap();
            let started = std::time::Instant::now();
            project.reload(std::slice::from_ref(&note));
            let render = project.render(&briefbook::output::NullSink, true, &Silent);
            assert!(!render.diagnostics.has_errors());
            let total = started.elapsed().as_secs_f64() * 1000.0;
            let files = render
                .written
                .iter()
                .filter(|p| p.starts_with("search/"))
                .count();
            eprintln!(
                "edit ({what}): {total:.1} ms in all, search {:.1} ms, {files} index files written",
                search(&render)
            );
        }
    }
}
