//! A small builder for test books, in the spirit of mdBook's `BookTest`:
//! start from a fixture folder or from nothing, add or replace files, build,
//! and look at the result.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use briefbook::site::{BuildOptions, Outcome};
use scraper::{Html, Selector};
use tempfile::TempDir;

/// Options for the book at `root` as `serve` and `build` use them: the
/// default output, no drafts.
/// Runs the briefbook program in `dir` with `args`, without colour.
pub(crate) fn briefbook_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_briefbook"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Builds `book`, expects it to fail with an error at each of the
/// `file:line:column` `positions`, and returns the rendered errors (to be
/// snapshotted by the caller, under its own module's name).
pub(crate) fn errors_at(name: &str, book: &TestBook, positions: &[&str]) -> String {
    let text = book.errors();
    for position in positions {
        assert!(
            text.contains(position),
            "{name}: expected {position} in\n{text}"
        );
    }
    text
}

pub(crate) fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
    }
}

/// A book in a temporary folder.
pub(crate) struct TestBook {
    pub dir: TempDir,
}

/// Copies a folder recursively.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir(from) {
        let relative = entry.strip_prefix(from).unwrap();
        let target = to.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < all.len() {
        if all[i].is_dir() {
            let mut children: Vec<PathBuf> = std::fs::read_dir(&all[i])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            children.sort();
            all.extend(children);
        }
        i += 1;
    }
    all
}

/// Every file under `dir` with its bytes, sorted by path.
pub(crate) fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walkdir(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

impl TestBook {
    /// An empty book.
    pub(crate) fn new() -> TestBook {
        TestBook {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A copy of `tests/fixtures/<name>`.
    pub(crate) fn fixture(name: &str) -> TestBook {
        let book = TestBook::new();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            book.root(),
        );
        book
    }

    /// The book's folder.
    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders).
    pub(crate) fn file(self, path: &str, contents: impl AsRef<[u8]>) -> TestBook {
        let target = self.root().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
        self
    }

    /// The usual minimal source, `seeds/nyt.md`.
    pub(crate) fn with_nyt(self) -> TestBook {
        self.file(
            "seeds/nyt.md",
            "+++\ntitle = \"Talks\"\noutlet = \"New York Times\"\n[anchors]\nzone = \"p2\"\n+++\n\nThe talks resumed in Paris.\n\nThe buffer zone was discussed, and the talks went on.\n\nThe talks ended.\n",
        )
    }

    /// Builds into `<root>/output`.
    pub(crate) fn build(&self) -> Outcome {
        briefbook::build(&BuildOptions {
            root: self.root().to_path_buf(),
            output: None,
            drafts: false,
        })
    }

    /// Builds and expects success, returning the output folder.
    pub(crate) fn build_ok(&self) -> Built {
        let outcome = self.build();
        assert!(
            !outcome.diagnostics.has_errors(),
            "the build failed:\n{}",
            outcome.diagnostics.render(&outcome.files)
        );
        Built {
            out: outcome.output_dir.clone(),
            outcome,
            _book: None,
        }
    }

    /// Builds and expects success, keeping the book alive with the result.
    pub(crate) fn built(self) -> Built {
        let mut built = self.build_ok();
        built._book = Some(self);
        built
    }

    /// Builds and expects failure; returns the rendered diagnostics.
    pub(crate) fn errors(&self) -> String {
        let outcome = self.build();
        assert!(
            outcome.diagnostics.has_errors(),
            "the build should have failed"
        );
        outcome
            .diagnostics
            .render(&outcome.files)
            .replace(&*self.root().to_string_lossy(), "<root>")
    }
}

/// A successful build.
pub(crate) struct Built {
    pub out: PathBuf,
    pub outcome: Outcome,
    /// The book's temporary folder lives as long as the result.
    _book: Option<TestBook>,
}

impl Built {
    /// A page of the site, parsed.
    pub(crate) fn page(&self, path: &str) -> Page {
        let text =
            std::fs::read_to_string(self.out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        Page {
            html: Html::parse_document(&text),
            text,
        }
    }
}

/// A parsed page.
pub(crate) struct Page {
    pub html: Html,
    pub text: String,
}

impl Page {
    /// Every element matching `selector`.
    pub(crate) fn select(&self, selector: &str) -> Vec<scraper::ElementRef<'_>> {
        let s =
            Selector::parse(selector).unwrap_or_else(|e| panic!("bad selector {selector}: {e:?}"));
        self.html.select(&s).collect()
    }

    /// The one element matching `selector`.
    pub(crate) fn one(&self, selector: &str) -> scraper::ElementRef<'_> {
        let found = self.select(selector);
        assert_eq!(
            found.len(),
            1,
            "expected one `{selector}`, found {}",
            found.len()
        );
        found[0]
    }

    /// The text of every element matching `selector`.
    pub(crate) fn texts(&self, selector: &str) -> Vec<String> {
        self.select(selector)
            .iter()
            .map(|e| e.text().collect::<String>())
            .collect()
    }

    /// An attribute of every element matching `selector`.
    pub(crate) fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        self.select(selector)
            .iter()
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// The `<main>` element's HTML, for snapshots.
    pub(crate) fn main_html(&self) -> String {
        self.one("main").html()
    }
}

/// Text of an element.
pub(crate) fn text_of(e: &scraper::ElementRef<'_>) -> String {
    e.text().collect()
}

/// A GET request to `briefbook serve` on `port`: the status and the body.
pub(crate) fn get(port: u16, path: &str) -> (u16, String) {
    exchange(
        port,
        format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    )
}

/// Sends `request` to `briefbook serve` on `port` as it is, and returns
/// the status and the body of the answer.
pub(crate) fn exchange(port: u16, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // The server may answer and close before it has read a request it
    // refuses: what counts is its answer, not whether all was sent.
    let _ = stream.write_all(request);
    read_answer(&mut stream)
}

/// Reads an answer from `stream` until the server closes it: the status
/// (0 if there was none) and the body.
pub(crate) fn read_answer(stream: &mut TcpStream) -> (u16, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut response = Vec::new();
    // A reset after the answer (the server closed with bytes of the request
    // unread) leaves what was read in `response`.
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Starts `briefbook serve` on a free port, with `extra` arguments and
/// `$BROWSER` set to `browser` (if given): the server (stopped when
/// dropped), its port, and what it says on standard error after the
/// address, line by line as it comes.
pub(crate) fn start_serve(
    root: &Path,
    extra: &[&str],
    browser: Option<&Path>,
) -> (Server, u16, std::sync::mpsc::Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_briefbook"));
    command
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    match browser {
        Some(browser) => command.env("BROWSER", browser),
        None => command.env_remove("BROWSER"),
    };
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let port: u16 = lines
        .by_ref()
        .take(20)
        .filter_map(Result::ok)
        .find_map(|line| {
            line.split("http://127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split('/').next()?.parse().ok())
        })
        .expect("serve says where it listens");
    let (said, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = said.send(line);
        }
    });
    (server, port, heard)
}

/// A running `briefbook serve`, stopped when dropped.
pub(crate) struct Server(std::process::Child);

impl Server {
    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }
}
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
