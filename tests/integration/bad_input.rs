//! Bad and hostile input, through the command line as an author meets it.
//!
//! Each case either is an error (exit status 1, a message that names the
//! file and what is wrong, and the previous `output/` left exactly as it
//! was) or has a documented behaviour (docs/TESTING.md, "Bad input"). No
//! case may panic, and nothing an author or an archived article writes may
//! turn into markup or script it did not ask for.

use std::path::Path;
use std::process::Command;

use scraper::{Html, Selector};

use crate::support::{TestBook, options, snapshot_dir};

/// Runs `briefbook build` on the book; returns the exit status and what it
/// printed, with the book's folder written as `<root>`.
fn run(book: &TestBook) -> (Option<i32>, String) {
    let root = book.root().to_str().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .args(["build", "--root", &root])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&root, "<root>");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "briefbook panicked:\n{stderr}"
    );
    (out.status.code(), stderr)
}

/// A small book that builds.
fn good_book() -> TestBook {
    TestBook::new().with_nyt().file(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n\nThe talks [@nyt#p1].\n",
    )
}

/// Builds a good book, then adds each file: the next build must exit with
/// status 1, print every `expect`, and leave the output as it was.
fn rejected(files: &[(&str, &[u8])], expect: &[&str]) -> String {
    let book = good_book();
    let (code, err) = run(&book);
    assert_eq!(code, Some(0), "the good book must build:\n{err}");
    let before = snapshot_dir(&book.root().join("output"));
    assert!(!before.is_empty());
    let mut book = book;
    for (path, contents) in files {
        book = book.file(path, contents);
    }
    let (code, err) = run(&book);
    assert_eq!(code, Some(1), "expected exit status 1:\n{err}");
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
    assert!(
        err.contains("the previous output was left untouched"),
        "{err}"
    );
    assert_eq!(
        snapshot_dir(&book.root().join("output")),
        before,
        "a failed build changed the output"
    );
    err
}

/// The good book with each file added must build (status 0); returns the
/// book and what the build printed.
fn accepted(files: &[(&str, &[u8])]) -> (TestBook, String) {
    let mut book = good_book();
    for (path, contents) in files {
        book = book.file(path, contents);
    }
    let (code, err) = run(&book);
    assert_eq!(code, Some(0), "expected the book to build:\n{err}");
    (book, err)
}

fn page(book: &TestBook, path: &str) -> String {
    std::fs::read_to_string(book.root().join("output").join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn select(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let s = Selector::parse(selector).unwrap();
    doc.select(&s).map(|e| e.html()).collect()
}

fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let s = Selector::parse(selector).unwrap();
    doc.select(&s).map(|e| e.text().collect()).collect()
}

// ---------------------------------------------------------------- encodings

#[test]
fn files_that_are_not_utf8_are_errors_naming_each_file() {
    let latin1: &[u8] = b"+++\ntitle = \"Caf\xe9\"\n+++\n\nCaf\xe9.\n";
    let err = rejected(
        &[
            ("content/latin1.md", latin1),
            ("seeds/latin1.md", latin1),
            (
                "content/glossary.toml",
                b"[[term]]\nname = \"\xff\"\ndefinition = \"x\"\n",
            ),
            ("content/chronology.toml", b"\xfe\xff"),
            ("content/book.toml", b"title = \"\xc3\x28\"\n"),
        ],
        &[
            "content/latin1.md",
            "seeds/latin1.md",
            "content/glossary.toml",
            "content/chronology.toml",
            "content/book.toml",
            "not valid UTF-8",
        ],
    );
    // Five errors alike: three in full, two counted with their places.
    assert_eq!(err.matches("not valid UTF-8").count(), 3, "{err}");
    assert!(
        err.contains("... and 2 more errors like this, at "),
        "{err}"
    );
    assert!(err.contains("the book has 5 errors"), "{err}");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let (book, err) = accepted(&[
        (
            "content/bom.md",
            "\u{FEFF}+++\ntitle = \"With a BOM\"\n+++\n\nQuoted [@bom \"first words\"].\n"
                .as_bytes(),
        ),
        (
            "seeds/bom.md",
            "\u{FEFF}+++\ntitle = \"BOM source\"\n+++\n\nThe first words.\n".as_bytes(),
        ),
        (
            "content/glossary.toml",
            "\u{FEFF}[[term]]\nname = \"Zone\"\ndefinition = \"A zone.\"\n".as_bytes(),
        ),
        (
            "content/book.toml",
            "\u{FEFF}title = \"Book with BOMs\"\n".as_bytes(),
        ),
    ]);
    assert!(!err.contains("warning"), "{err}");
    let note = page(&book, "bom.html");
    assert_eq!(texts(&note, "h1"), ["With a BOM"]);
    assert!(!note.contains('\u{FEFF}'));
    assert_eq!(
        texts(&page(&book, "sources/bom.html"), "h1"),
        ["BOM source"]
    );
    assert!(page(&book, "index.html").contains("<title>Book with BOMs</title>"));
}

#[test]
fn crlf_line_endings_read_like_lf() {
    let (book, _) = accepted(&[
        (
            "content/crlf.md",
            b"+++\r\ntitle = \"CRLF\"\r\ntags = [\"a\"]\r\n+++\r\n\r\n## A heading\r\n\r\nA quotation across\r\na line break [@crlf \"second paragraph\r\nwraps here\"].\r\n",
        ),
        (
            "seeds/crlf.md",
            b"+++\r\ntitle = \"CRLF source\"\r\n[anchors]\r\nsecond = \"p2\"\r\n+++\r\n\r\nFirst paragraph.\r\n\r\nThe second paragraph\r\nwraps here.\r\n\r\nThird.\r\n",
        ),
        (
            "content/chronology.toml",
            b"[[event]]\r\ndate = \"2024-12\"\r\ntitle = \"An event\"\r\nbody = \"\"\"\r\nCited [@crlf#second].\r\n\"\"\"\r\n",
        ),
    ]);
    let note = page(&book, "crlf.html");
    assert_eq!(texts(&note, "h2#a-heading").len(), 1);
    assert_eq!(texts(&note, ".fn-ref").len(), 1);
    let source = page(&book, "sources/crlf.html");
    assert_eq!(select(&source, "li.paragraph").len(), 3, "three paragraphs");
    assert_eq!(texts(&source, "li#p2 mark.quoted").len(), 1);
}

// ---------------------------------------------------------------- empty files

#[test]
fn an_empty_note_glossary_chronology_and_config_are_valid() {
    let (book, _) = accepted(&[
        ("content/empty.md", b""),
        ("content/glossary.toml", b""),
        ("content/chronology.toml", b""),
        ("content/book.toml", b""),
    ]);
    // The note is titled after its file and has a page.
    assert_eq!(texts(&page(&book, "empty.html"), "h1"), ["empty"]);
    assert!(page(&book, "glossary.html").contains("no glossary yet"));
    assert!(page(&book, "chronology.html").contains("no chronology yet"));
}

#[test]
fn an_empty_source_is_an_error() {
    rejected(
        &[("seeds/empty.md", b""), ("seeds/blank.txt", b"\n\n  \n")],
        &[
            "seeds/empty.md",
            "seeds/blank.txt",
            "this source has no text",
        ],
    );
}

// ---------------------------------------------------------------- size

#[test]
fn a_50_mb_note_builds() {
    let paragraph = "The talks resumed in Paris, and every sentence of this long note is plain text \
                     with *emphasis*, `code` and a [link](#top) so that the parser has work to do.\n\n";
    let cited = "A paragraph with a citation [@nyt#p1] and a quotation [@nyt \"buffer zone\"].\n\n";
    let mut text = String::from("+++\ntitle = \"Huge\"\n+++\n\n# Huge {#top}\n\n");
    while text.len() < 50 * 1024 * 1024 {
        for _ in 0..99 {
            text.push_str(paragraph);
        }
        text.push_str(cited);
    }
    let (book, _) = accepted(&[("content/huge.md", text.as_bytes())]);
    let html = std::fs::metadata(book.root().join("output/huge.html")).unwrap();
    assert!(html.len() > 50 * 1024 * 1024);
}

#[test]
fn a_note_with_10000_citations_builds() {
    let mut text = String::from("+++\ntitle = \"Many\"\n+++\n\n");
    for i in 0..10_000 {
        match i % 3 {
            0 => text.push_str("Cited [@nyt#p1]. "),
            1 => text.push_str("Quoted [@nyt \"buffer zone\"]. "),
            _ => text.push_str("Grouped [@nyt#p3; @nyt#zone].\n"),
        }
    }
    let (book, _) = accepted(&[("content/many.md", text.as_bytes())]);
    let note = page(&book, "many.html");
    assert_eq!(note.matches("class=\"fn-ref\"").count(), 10_000);
    assert!(note.contains("id=\"fn-10000\""));
    let source = page(&book, "sources/nyt.html");
    assert!(source.contains("many.html#fnref-10000"));
}

#[test]
fn deeply_nested_markdown_builds() {
    let depth = 10_000;
    let quotes = format!("{} deep [@nyt#p1]\n", ">".repeat(depth));
    let mut lists = String::new();
    for level in 0..depth {
        lists.push_str(&" ".repeat(level * 2));
        lists.push_str("- item\n");
    }
    let emphasis = format!("{}x{}\n", "*".repeat(depth), "*".repeat(depth));
    let brackets = format!("{}@nyt{}\n", "[ ".repeat(depth), " ]".repeat(depth));
    let terms = format!("{}\n", "[[".repeat(depth));
    let html = format!("{}x{}\n", "<span>".repeat(depth), "</span>".repeat(depth));
    let (book, _) = accepted(&[
        ("content/quotes.md", quotes.as_bytes()),
        ("content/lists.md", lists.as_bytes()),
        ("content/emphasis.md", emphasis.as_bytes()),
        ("content/brackets.md", brackets.as_bytes()),
        ("content/terms.md", terms.as_bytes()),
        ("content/html.md", html.as_bytes()),
    ]);
    for page_name in ["quotes", "lists", "emphasis", "brackets", "terms", "html"] {
        let text = page(&book, &format!("{page_name}.html"));
        assert!(text.ends_with("</html>\n"), "{page_name}.html is cut short");
    }
}

// ---------------------------------------------------------------- front matter and TOML

#[test]
fn unterminated_front_matter_is_an_error() {
    rejected(
        &[
            (
                "content/open.md",
                b"+++\ntitle = \"Never closed\"\n\nBody.\n",
            ),
            ("seeds/open.md", b"+++\ntitle = \"Never closed\"\n"),
            ("content/only.md", b"+++"),
        ],
        &[
            "content/open.md:1:1",
            "seeds/open.md:1:1",
            "content/only.md:1:1",
            "front matter is never closed",
        ],
    );
}

#[test]
fn toml_type_errors_are_errors_with_line_and_column() {
    let err = rejected(
        &[
            ("content/t1.md", b"+++\ntitle = 1\n+++\nx\n"),
            ("content/t2.md", b"+++\ntags = \"one\"\n+++\nx\n"),
            ("content/t3.md", b"+++\nweight = \"heavy\"\n+++\nx\n"),
            ("content/t4.md", b"+++\ndraft = \"yes\"\n+++\nx\n"),
            ("content/t5.md", b"+++\ntitle = \"unclosed\n+++\nx\n"),
            (
                "seeds/s1.md",
                b"+++\ntitle = \"S\"\nauthors = \"One\"\n+++\nText.\n",
            ),
            (
                "seeds/s2.md",
                b"+++\ntitle = \"S\"\nanchors = 3\n+++\nText.\n",
            ),
            (
                "content/glossary.toml",
                b"[[term]]\nname = 3\ndefinition = \"x\"\n",
            ),
            (
                "content/chronology.toml",
                b"[[event]]\ndate = 2024\ntitle = \"x\"\n",
            ),
            ("content/book.toml", b"autolink_glossary = \"yes\"\n"),
        ],
        &[
            "content/t1.md:2:",
            "content/t2.md:2:",
            "content/t3.md:2:",
            "content/t4.md:2:",
            "content/t5.md:2:",
            "seeds/s1.md:3:",
            "seeds/s2.md:3:",
            "content/glossary.toml:2:",
            "content/chronology.toml:2:",
            "content/book.toml:1:",
        ],
    );
    assert!(err.contains("the book has 10 errors"), "{err}");
}

// ---------------------------------------------------------------- paths

#[test]
fn a_citation_key_with_dot_dot_is_not_a_path() {
    // A key is only letters, digits, `-` and `_`: `[@../x]` is no citation
    // (it stays text), and `[@nyt/../x]` cites `nyt` with `/../x` as suffix.
    let (book, _) = accepted(&[(
        "content/dots.md",
        b"Not a citation [@../../etc/passwd]. A suffix [@nyt/../../x].\n",
    )]);
    let note = page(&book, "dots.html");
    assert!(note.contains("[@../../etc/passwd]"));
    assert_eq!(texts(&note, ".fn-ref").len(), 1);
    for (path, _) in snapshot_dir(&book.root().join("output")) {
        assert!(!path.contains(".."), "{path}");
    }
    rejected(
        &[
            (
                "seeds/x.md",
                b"+++\nid = \"../x\"\ntitle = \"X\"\n+++\nText.\n",
            ),
            ("content/link.md", b"[out](../../outside.md)\n"),
            ("content/term.md", b"[[../glossary]]\n"),
        ],
        &[
            "`../x` is not a valid source id",
            "points outside `content/`",
            "unknown glossary term `../glossary`",
        ],
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_book_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "+++\ntitle = \"SECRET\"\n+++\n\nSECRET TEXT\n").unwrap();
    std::fs::write(
        outside.path().join("glossary.toml"),
        "[[term]]\nname = \"SECRET\"\ndefinition = \"SECRET TEXT\"\n",
    )
    .unwrap();
    std::fs::create_dir(outside.path().join("folder")).unwrap();
    std::fs::write(outside.path().join("folder/deep.md"), "SECRET TEXT\n").unwrap();
    let book = good_book();
    let link = |target: &Path, at: &str| {
        std::os::unix::fs::symlink(target, book.root().join(at)).unwrap();
    };
    link(&secret, "content/linked.md");
    link(&secret, "seeds/linked.md");
    link(
        &outside.path().join("glossary.toml"),
        "content/glossary.toml",
    );
    link(&outside.path().join("folder"), "content/folder");
    // The theme's folders too: a template, a static file, a folder.
    std::fs::write(
        outside.path().join("note.html"),
        "<p>SECRET TEXT</p>{{ note.body | safe }}",
    )
    .unwrap();
    std::fs::write(outside.path().join("secret.css"), "/* SECRET TEXT */").unwrap();
    for dir in ["templates", "static", "themes/default/static"] {
        std::fs::create_dir_all(book.root().join(dir)).unwrap();
    }
    link(&outside.path().join("note.html"), "templates/note.html");
    link(&outside.path().join("secret.css"), "static/secret.css");
    link(
        &outside.path().join("folder"),
        "themes/default/static/folder",
    );
    let (code, err) = run(&book);
    assert_eq!(code, Some(0), "{err}");
    for name in [
        "content/linked.md",
        "seeds/linked.md",
        "content/glossary.toml",
        "content/folder",
        "templates/note.html",
        "static/secret.css",
        "themes/default/static/folder",
    ] {
        assert!(
            err.contains(&format!("{name} is a symbolic link; it is not followed")),
            "no warning for {name}:\n{err}"
        );
    }
    for (path, bytes) in snapshot_dir(&book.root().join("output")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SECRET"),
            "{path} shows a file from outside the book"
        );
    }
}

#[cfg(unix)]
#[test]
fn linked_folders_are_not_followed_either() {
    // A folder of the book that is itself a link to one outside: the
    // warning says it is not followed, and nothing of it is read, not even
    // the files read by name (book.toml under a linked content/).
    let outside = tempfile::tempdir().unwrap();
    let folder = |name: &str, files: &[(&str, &str)]| {
        let dir = outside.path().join(name);
        for (path, text) in files {
            std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            std::fs::write(dir.join(path), text).unwrap();
        }
        dir
    };
    let content = folder(
        "content",
        &[
            ("book.toml", "title = \"SECRET\"\n"),
            ("secret.md", "+++\ntitle = \"SECRET\"\n+++\n\nSECRET TEXT\n"),
        ],
    );
    let seeds = folder("seeds", &[("secret.md", "SECRET TEXT\n")]);
    let static_files = folder("static", &[("secret.css", "/* SECRET */")]);
    let theme = folder(
        "theme",
        &[("templates/note.html", "SECRET {{ note.body | safe }}")],
    );
    let book = TestBook::new().with_nyt();
    let root = book.root();
    std::fs::create_dir_all(root.join("themes")).unwrap();
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, root.join(at)).unwrap();
    link(&static_files, "static");
    link(&theme, "themes/default");
    // seeds/ must be a real folder for the book to have its source, so a
    // linked seeds folder is tried in a second book below.
    link(&content, "content");
    let (code, err) = run(&book);
    assert_eq!(code, Some(0), "{err}");
    for name in ["content", "static", "themes/default"] {
        assert!(
            err.contains(&format!(
                "warning: {name} is a symbolic link; it is not followed"
            )),
            "no warning for {name}:\n{err}"
        );
    }
    for (path, bytes) in snapshot_dir(&root.join("output")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SECRET"),
            "{path} shows a file from outside the book"
        );
    }
    // `serve` told that files in the linked folder changed reads none of
    // them either.
    let mut project = briefbook::site::Project::load(options(root));
    project.reload(&[
        root.join("content/secret.md"),
        root.join("content/book.toml"),
    ]);
    let site = std::sync::Mutex::new(briefbook::site::Site::default());
    project.render(&site, false, &briefbook::site::Silent);
    for (path, bytes) in &site.lock().unwrap().files {
        assert!(
            !String::from_utf8_lossy(bytes).contains("SECRET"),
            "serve: {path} shows a file from outside the book"
        );
    }
    let book = good_book();
    std::fs::rename(book.root().join("seeds"), outside.path().join("own-seeds")).unwrap();
    std::os::unix::fs::symlink(&seeds, book.root().join("seeds")).unwrap();
    let (code, err) = run(&book);
    // Its one citation now cites a source the book does not have.
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("warning: seeds is a symbolic link; it is not followed"),
        "{err}"
    );
}

#[test]
fn file_names_with_spaces_and_unicode() {
    let (book, _) = accepted(&[
        (
            "content/über uns/Ärger und Ödnis.md",
            "# Ärger\n\nCited [@zeitung#p1]. See [a](../a.md).\n".as_bytes(),
        ),
        (
            "seeds/Die Zeitung.md",
            "+++\nid = \"zeitung\"\ntitle = \"Zeitung\"\n+++\n\nÄrger in Paris.\n".as_bytes(),
        ),
        (
            "content/b.md",
            "[To the Unicode note](%C3%BCber%20uns/%C3%84rger%20und%20%C3%96dnis.md#ärger) \
             and [again](über%20uns/Ärger%20und%20Ödnis.md).\n"
                .as_bytes(),
        ),
    ]);
    assert!(
        book.root()
            .join("output/über uns/Ärger und Ödnis.html")
            .is_file()
    );
    // Links to it are valid URLs: the spaces are encoded.
    for page_name in ["index.html", "b.html", "sources/zeitung.html"] {
        let html = page(&book, page_name);
        let doc = Html::parse_document(&html);
        let links = Selector::parse("a[href]").unwrap();
        let hrefs: Vec<&str> = doc
            .select(&links)
            .filter_map(|a| a.value().attr("href"))
            .filter(|h| h.contains("rger"))
            .collect();
        assert!(!hrefs.is_empty(), "{page_name} does not link the note");
        for href in hrefs {
            assert!(!href.contains(' '), "{page_name}: `{href}`");
        }
    }
    // A source file name with spaces needs an id; the error says so.
    rejected(
        &[("seeds/No Id.md", b"+++\ntitle = \"T\"\n+++\nText.\n")],
        &["seeds/No Id.md", "not a valid source id"],
    );
    // `#`, `?` and `%` cannot be part of a link to the page.
    rejected(
        &[
            ("content/c#.md", b"Text.\n"),
            ("content/why?.md", b"Text.\n"),
        ],
        &["`c#.md` holds `#`", "`why?.md` holds `?`"],
    );
}

// ---------------------------------------------------------------- markup

/// The only elements a page may have that carry script: briefbook's own.
fn assert_no_injected_markup(path: &str, html: &str) {
    let doc = Html::parse_document(html);
    for (selector, what) in [
        (
            "script:not([src$='briefbook.js']):not([src$='search.js'])",
            "a script",
        ),
        ("img", "an image"),
        ("[onerror], [onload], [onclick]", "an event handler"),
        ("i, em b, b", "markup from metadata"),
    ] {
        let s = Selector::parse(selector).unwrap();
        let found: Vec<String> = doc.select(&s).map(|e| e.html()).collect();
        assert!(found.is_empty(), "{path}: {what}: {found:?}");
    }
    let s = Selector::parse("a[href]").unwrap();
    for a in doc.select(&s) {
        let href = a.value().attr("href").unwrap().to_ascii_lowercase();
        assert!(!href.starts_with("javascript:"), "{path}: {href}");
    }
}

#[test]
fn markup_in_sources_and_metadata_is_shown_as_text() {
    let book = TestBook::fixture("edge");
    let (code, err) = run(&book);
    assert_eq!(code, Some(0), "{err}");
    for (path, bytes) in snapshot_dir(&book.root().join("output")) {
        if path.ends_with(".html") && !path.starts_with("raw html") {
            assert_no_injected_markup(&path, &String::from_utf8(bytes).unwrap());
        }
    }
    let source = page(&book, "sources/hostile.html");
    let p1: Vec<String> = texts(&source, "li#p1 > p:not(.cited-by)");
    assert_eq!(
        p1,
        ["<script>alert(\"p1\")</script> opens the text, and it must stay text."]
    );
    let p2 = texts(&source, "li#p2 > p:not(.cited-by)");
    assert!(
        p2[0].starts_with("Then \"><img src=x onerror=alert(2)> tries"),
        "{p2:?}"
    );
    assert_eq!(
        texts(&source, "h1"),
        ["<script>alert(\"title\")</script> Hostile & “quoted”"]
    );
    assert!(texts(&source, "p.kicker").join("").contains("@hostile"));
    assert!(
        source.contains("{{ tera }} {% tag %}"),
        "template syntax in text stays text"
    );
    // The data-preview attribute of a marker holds the text, not markup.
    let index = page(&book, "index.html");
    let doc = Html::parse_document(&index);
    let marker = Selector::parse(".fn-ref a[data-preview]").unwrap();
    let preview = doc
        .select(&marker)
        .next()
        .unwrap()
        .value()
        .attr("data-preview")
        .unwrap()
        .to_string();
    assert!(
        preview.contains("<script>alert(\"p1\")</script>"),
        "{preview}"
    );
    // The book's title and description are text in every page.
    assert!(index.contains("<title>Edge &lt;cases&gt; &amp; “quotes”</title>"));
}

#[test]
fn a_source_url_must_be_a_web_address() {
    rejected(
        &[
            (
                "seeds/js.md",
                b"+++\ntitle = \"JS\"\nurl = \"javascript:alert(1)\"\n+++\nText.\n",
            ),
            (
                "seeds/data.md",
                b"+++\ntitle = \"Data\"\nurl = \" DATA:text/html,<script>x</script>\"\n+++\nText.\n",
            ),
            (
                "seeds/rel.md",
                b"+++\ntitle = \"Relative\"\nurl = \"../../etc/passwd\"\n+++\nText.\n",
            ),
        ],
        &[
            "seeds/js.md:3:",
            "seeds/data.md:3:",
            "seeds/rel.md:3:",
            "must be a web address",
        ],
    );
    // Characters a URL cannot hold are encoded, not refused.
    let (book, _) = accepted(&[(
        "seeds/odd.md",
        b"+++\ntitle = \"Odd\"\nurl = \"https://example.com/a b?q=\\\"x\\\"<y>#frag\"\n+++\nText.\n",
    )]);
    let doc = Html::parse_document(&page(&book, "sources/odd.html"));
    let original = Selector::parse("a[rel~=external]").unwrap();
    let hrefs: Vec<&str> = doc
        .select(&original)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(hrefs, ["https://example.com/a%20b?q=%22x%22%3Cy%3E#frag"]);
    // A quotation's text directive follows the URL's own fragment.
    let (book, _) = accepted(&[
        (
            "seeds/odd.md",
            b"+++\ntitle = \"Odd\"\nurl = \"https://example.com/a#frag\"\n+++\nSome text.\n",
        ),
        ("content/q.md", b"Quoted [@odd \"Some text\"].\n"),
    ]);
    let doc = Html::parse_document(&page(&book, "q.html"));
    let original = Selector::parse("a.cite-original").unwrap();
    let href = doc.select(&original).next().unwrap().value().attr("href");
    assert_eq!(href, Some("https://example.com/a#frag:~:text=Some%20text"));
}

// ---------------------------------------------------------------- raw HTML

#[test]
fn raw_html_in_notes_is_passed_through() {
    let (book, _) = accepted(&[(
        "content/raw.md",
        b"<div class=\"callout\">\n<p>Raw <abbr title=\"x\">HTML</abbr>.</p>\n</div>\n\n\
          <details>\n<summary>More</summary>\n\nMarkdown *inside* [@nyt#p1].\n\n</details>\n\n\
          Inline <kbd>Ctrl</kbd>, a line<br>break, <img src=\"data:,\" alt=\"\"> and <!-- a comment -->.\n\n\
          <script>document.documentElement.dataset.ran = 'yes';</script>\n",
    )]);
    let note = page(&book, "raw.html");
    assert_eq!(select(&note, "main div.callout abbr").len(), 1);
    assert_eq!(select(&note, "main details em").len(), 1);
    assert_eq!(select(&note, "main kbd").len(), 1);
    // The author's own script is theirs to write, and kept.
    assert_eq!(select(&note, "main script").len(), 1);
    // And the page around it is whole.
    assert_eq!(select(&note, "body > footer.site-footer").len(), 1);
    assert_eq!(select(&note, "main > nav.pager").len(), 1);
}

#[test]
fn raw_html_cannot_break_out_of_the_page() {
    let err = rejected(
        &[
            ("content/stray.md", b"Text.\n\n</article></main>\n\nMore.\n"),
            (
                "content/unclosed.md",
                b"<div class=\"x\">\n\nNever closed.\n",
            ),
            (
                "content/comment.md",
                b"Text.\n\n<!-- never closed\n\nMore.\n",
            ),
            (
                "content/script.md",
                b"Text.\n\n<script>\nlet swallowed = 'the rest of the page';\n",
            ),
            (
                "content/inline.md",
                b"A <span>opened in one paragraph.\n\nClosed in the next</span>.\n",
            ),
            (
                "content/misnested.md",
                b"<div><section>\n</div></section>\n",
            ),
            ("content/cut.md", b"> <div\nid=\"d\"\n>\n"),
            (
                "content/glossary.toml",
                b"[[term]]\nname = \"T\"\ndefinition = \"Says \\\"<script>\\\" here.\"\n",
            ),
        ],
        &[
            "content/stray.md:3:1",
            "`</article>` closes an element",
            "content/unclosed.md:1:1",
            "`<div>` is never closed",
            "content/comment.md:3:1",
            "comment is never closed",
            "content/script.md:3:1",
            "`<script>` is never closed",
            "content/inline.md:1:3",
            "`<span>` is never closed",
            "content/misnested.md:2:1",
            "`</div>` closes `<div>` while `<section>`",
            "content/cut.md:1:3",
            "the tag `<div` is not closed with `>` before its HTML block ends",
            "content/glossary.toml:3:",
        ],
    );
    assert!(
        err.contains("a blank line ends a block of raw HTML"),
        "{err}"
    );
}

#[test]
fn the_characters_briefbook_reserves_are_refused() {
    rejected(
        &[(
            "content/pua.md",
            "Text \u{E000}0\u{E001} here [@nyt#p1].\n".as_bytes(),
        )],
        &["content/pua.md:1:6", "U+E000 is reserved", "1 more"],
    );
}

/// A page template that fails while rendering (pages are rendered to bytes,
/// apart from the print edition) is an error naming the template, and
/// nothing is written: a note page (rendered as its note is) and a source
/// page (rendered with the other pages, once every note is).
#[test]
fn a_page_template_that_fails_is_an_error_naming_it() {
    for (template, expected) in [
        ("templates/note.html", "template `note.html` failed"),
        ("templates/source.html", "template `source.html` failed"),
    ] {
        let book = good_book().file(template, "{{ nothing.here }}");
        let errors = book.errors();
        assert!(errors.contains(expected), "{errors}");
        assert!(!book.root().join("output").exists());
    }
}
