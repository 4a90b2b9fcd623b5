//! `briefbook serve`: the book on 127.0.0.1, rebuilt as files change, with
//! open tabs reloaded.
//!
//! The site lives in memory ([`LiveSite`]); nothing is written to disk and
//! nothing outside the site is ever served. A watcher collects file events,
//! waits for a quiet moment (editors save in bursts), hands the changed
//! paths to the [`Project`], which renders again only what depends on them,
//! and swaps the changed pages in. Pages get a small script that long-polls
//! the server: on a new version the tab reloads; on a failed build it shows
//! the same diagnostics as the terminal over the last good page (at once,
//! for a page loaded while the book is broken).
//!
//! The server faces whatever can reach 127.0.0.1, web pages included, so it
//! answers only requests addressed to 127.0.0.1 or localhost at its port
//! (421 otherwise: a page elsewhere cannot read the book by pointing its own
//! name at this computer), reads at most [`MAX_HEAD`] bytes of a request's
//! line and headers (431 past it), and serves every connection as a task on
//! one thread started up front: a connection never needs a thread, and at
//! most [`MAX_CONNECTIONS`] are served at once (503 past it).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, HeaderValue};
use notify::{RecursiveMode, Watcher};
use tokio::sync::watch;

use crate::diagnostics::Diagnostic;
use crate::output::{FileError, PageSink};
use crate::site::{BuildOptions, Progress, Project};

/// How long the watcher waits after an event for another before it
/// rebuilds: an editor's save is often a few events in a row (a temporary
/// file written, then renamed over the note), a few milliseconds apart.
const QUIET: Duration = Duration::from_millis(25);
/// The longest a rebuild waits for events to stop, so that a tool writing
/// files without a pause still sees its changes.
const SETTLE_AT_MOST: Duration = Duration::from_millis(250);
/// How long a reload poll waits for a new version before answering anyway.
const POLL_WAIT: Duration = Duration::from_secs(25);
/// How long a request for the print edition waits for it to be made.
const PRINT_WAIT: Duration = Duration::from_secs(120);
/// The most connections served at once; one more is answered 503 and
/// closed at once. An open tab holds one (its reload poll), and a browser
/// opens at most six to one address, so this is far more than people use;
/// it bounds what the server can be made to hold (each connection keeps at
/// most [`MAX_HEAD`] bytes of a request).
pub const MAX_CONNECTIONS: usize = 256;
/// The most bytes of request line and headers one request may send: past
/// it, the answer is 431 and the connection is closed, the rest unread.
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header fields one request may send (431 past it).
const MAX_HEADER_FIELDS: usize = 100;
/// How long a connection may take to send a request's line and headers
/// (an idle kept-alive connection too) before it is closed.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait before accepting again when accepting failed (out of
/// file descriptors, say, until connections close).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What wakes the thread that owns the project.
pub enum Wake {
    /// Files of the book changed.
    Files(Vec<PathBuf>),
    /// A tab asks for the print edition, which is made only on request
    /// (the whole book on one page is not worth making on every edit).
    Print,
}

/// The served site: pages in memory and a version that changes with every
/// rebuild.
#[derive(Default)]
pub struct LiveSite {
    /// Every file of the site, by its path in the site.
    pages: RwLock<HashMap<String, StoredPage>>,
    /// The version and error, watched by reload polls and by requests
    /// waiting for the print edition.
    state: watch::Sender<LiveState>,
    /// Where to ask for the print edition, once serving.
    print_requests: Mutex<Option<Sender<Wake>>>,
}

#[derive(Default, Clone)]
struct LiveState {
    version: u64,
    /// The diagnostics of the last build, if it failed.
    error: Option<String>,
    /// How many requests for the print edition were answered.
    print_answers: u64,
}

impl PageSink for LiveSite {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        // Compressed before the lock is taken: pages come from every
        // rendering thread at once.
        let page = StoredPage::new(bytes);
        if let Ok(mut pages) = self.pages.write() {
            pages.insert(path.to_string(), page);
        }
        Ok(())
    }
}

/// The largest file [`LiveSite`] compresses. Every page a book has on
/// every edit is far below it (at 10,000 notes a note page is about 40 KB,
/// the glossary, the largest, about 5 MB); the print edition is far above
/// it (hundreds of megabytes), made only on request and dropped by the
/// next rebuild: compressing it would take seconds, and every request
/// would then make a copy of it as large as the page.
const COMPRESS_AT_MOST: usize = 8 * 1024 * 1024;

/// zstd's level for kept pages. Level 1 keeps a note page in a fifth of
/// its size at about 350 MB/s on one core; higher levels gain a few per
/// cent for much more time, and negative levels lose a third of the gain.
const ZSTD_LEVEL: i32 = 1;

/// A file of the site as [`LiveSite`] keeps it. `serve` holds every page
/// of the book for as long as it runs (at 10,000 notes, 600 MB of HTML);
/// compressed, the pages take a fifth of that, and a page is decompressed
/// in well under a millisecond when a tab asks for it. Cloned (both
/// kinds are shared) to be read outside the site's lock.
#[derive(Clone)]
enum StoredPage {
    /// As it came: a file that compression does not make clearly smaller
    /// (images, fonts, a few bytes), and files above
    /// [`COMPRESS_AT_MOST`], which are answered from this copy, never
    /// copied.
    Plain(Arc<Vec<u8>>),
    /// Compressed with zstd (one frame, which records its size).
    Zstd(Arc<[u8]>),
}

impl StoredPage {
    /// `bytes` compressed if that pays: to at most three quarters.
    fn new(mut bytes: Vec<u8>) -> StoredPage {
        if bytes.len() <= COMPRESS_AT_MOST {
            if let Ok(compressed) = zstd::bulk::compress(&bytes, ZSTD_LEVEL) {
                if compressed.len() <= bytes.len() / 4 * 3 {
                    // Copied out at its size: the compressor's buffer is
                    // as large as the page, and an allocator may shrink
                    // it in place, keeping all of it.
                    return StoredPage::Zstd(Arc::from(compressed.as_slice()));
                }
            }
        }
        // Pages are made in growing buffers, up to twice their size.
        bytes.shrink_to_fit();
        StoredPage::Plain(Arc::new(bytes))
    }

    /// The file's bytes: its own copy if kept plain. `None` only when
    /// memory for a decompressed copy cannot be had.
    fn bytes(self) -> Option<Arc<Vec<u8>>> {
        match self {
            StoredPage::Plain(bytes) => Some(bytes),
            StoredPage::Zstd(compressed) => zstd::bulk::decompress(&compressed, COMPRESS_AT_MOST)
                .ok()
                .map(Arc::new),
        }
    }

    /// The bytes kept for the file.
    #[cfg(test)]
    fn stored_len(&self) -> usize {
        match self {
            StoredPage::Plain(bytes) => bytes.len(),
            StoredPage::Zstd(compressed) => compressed.len(),
        }
    }
}

/// An answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Body,
}

/// The body of a [`Reply`]. A page is answered from the site's own copy
/// (or, if the site keeps it compressed, from one decompressed for the
/// request), the live script read in where it goes: a large page (the
/// print edition of a big book runs to hundreds of megabytes) is never
/// copied to answer a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Bytes made for this reply.
    Bytes(Vec<u8>),
    /// A page of the site, with `script` read in before byte `at`.
    Page {
        /// The page as the site keeps it.
        page: Arc<Vec<u8>>,
        /// Where the script goes: before `</body>`, or at the end.
        at: usize,
        /// The live script.
        script: String,
    },
}

impl Body {
    /// The number of bytes the body sends.
    pub fn len(&self) -> usize {
        match self {
            Body::Bytes(bytes) => bytes.len(),
            Body::Page { page, script, .. } => page.len() + script.len(),
        }
    }

    /// Whether the body sends nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the body sends, in one piece (for tests and small replies).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Page { page, at, script } => {
                [&page[..*at], script.as_bytes(), &page[*at..]].concat()
            }
        }
    }

    /// The body's bytes in the order they are sent: a page is shared with
    /// the site, not copied.
    pub fn into_chunks(self) -> Vec<Bytes> {
        match self {
            Body::Bytes(bytes) => vec![bytes.into()],
            Body::Page { page, at, script } => {
                let at = at.min(page.len());
                let page = Bytes::from_owner(SharedPage(page));
                vec![page.slice(..at), script.into(), page.slice(at..)]
            }
        }
    }
}

/// A page of the site as the owner of the bytes a reply sends.
struct SharedPage(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedPage {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A reply's body as the HTTP server sends it: its chunks in order, their
/// total length known before the first is sent (the `Content-Length`).
struct Chunks(VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        Poll::Ready(
            self.0
                .pop_front()
                .map(|chunk| Ok(http_body::Frame::data(chunk))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.0.iter().map(|chunk| chunk.len() as u64).sum())
    }
}

/// The script added to every HTML page while serving (never to built files).
const LIVE_SCRIPT: &str = r#"<script>
(function () {
  var version = __VERSION__;
  var error = __ERROR__;
  function overlay(text) {
    var box = document.getElementById("briefbook-error");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "briefbook-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:99999;background:#fff8f6;color:#5c0b00;border-top:4px solid #b42318;font:14px/1.45 ui-monospace,monospace;padding:1rem 1.25rem;box-shadow:0 -4px 18px rgba(0,0,0,.25)";
      var close = document.createElement("button");
      close.textContent = "Close";
      close.style.cssText = "float:right;font:inherit";
      close.onclick = function () { box.remove(); };
      box.appendChild(close);
      var title = document.createElement("strong");
      title.textContent = "The book has errors; this is the last good version of the page.";
      box.appendChild(title);
      box.appendChild(document.createElement("pre"));
      document.body.appendChild(box);
    }
    box.querySelector("pre").textContent = text;
  }
  // Only a tab in view polls: each poll holds one of the few connections a
  // browser opens to one address (six), and more tabs than that must not
  // keep the next page from loading. A tab shown again polls at once.
  var current = null, retry = null;
  function poll() {
    current = null;
    if (document.hidden) return;
    var mine = current = new AbortController();
    fetch("/__briefbook/poll?since=" + version, { cache: "no-store", signal: mine.signal })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (current !== mine) return;
        if (state.version !== version) {
          if (state.error) { version = state.version; overlay(state.error); }
          else { location.reload(); return; }
        }
        poll();
      })
      .catch(function () { if (current === mine) retry = setTimeout(poll, 1000); });
  }
  document.addEventListener("visibilitychange", function () {
    clearTimeout(retry);
    if (current) current.abort();
    current = null;
    if (!document.hidden) poll();
  });
  overlay(error);
  poll();
})();
</script>"#;

/// What a URL (path and query) asks the server for.
enum Route {
    /// The live script's poll for a version other than `since`.
    Poll {
        /// The version the tab shows.
        since: u64,
    },
    /// A file of the site, by its path in the site.
    Page(String),
    /// A path that could step outside the site.
    Outside,
}

impl Route {
    fn of(url: &str) -> Route {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        if path == "/__briefbook/poll" {
            let since = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("since="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            return Route::Poll { since };
        }
        page_key(path).map_or(Route::Outside, Route::Page)
    }
}

impl LiveSite {
    /// The current version and error.
    fn state(&self) -> LiveState {
        self.state.borrow().clone()
    }

    /// Records a rebuild: keeps only `paths`, bumps the version.
    pub fn published(&self, paths: &[String], error: Option<String>) {
        if error.is_none() {
            if let Ok(mut pages) = self.pages.write() {
                // Tens of thousands of paths in a large book, on every
                // rebuild, while requests wait: the fast hasher.
                let keep: crate::fingerprint::FastSet<&str> =
                    paths.iter().map(String::as_str).collect();
                pages.retain(|path, _| keep.contains(path.as_str()));
            }
        }
        self.state.send_modify(|state| {
            state.version += 1;
            state.error = error;
        });
    }

    /// Waits until `done` holds for the state, or `timeout` passes.
    async fn until(&self, timeout: Duration, done: impl FnMut(&LiveState) -> bool) {
        // `wait_for` looks at the state as it is first: a change made
        // before the wait began is not missed.
        let mut states = self.state.subscribe();
        let _ = tokio::time::timeout(timeout, states.wait_for(done)).await;
    }

    /// Answers a GET for `url` (path and query) with what the site holds
    /// now: a poll is answered at once. [`LiveSite::answer`] waits first.
    pub fn reply(&self, url: &str) -> Reply {
        self.reply_to(Route::of(url))
    }

    /// Answers a GET for `url` (path and query) as the server does: a poll
    /// once the version differs from the tab's (or after a while), the
    /// print edition once it is made.
    pub async fn answer(&self, url: &str) -> Reply {
        let route = Route::of(url);
        match &route {
            Route::Poll { since } => {
                self.until(POLL_WAIT, |state| state.version != *since).await;
            }
            Route::Page(key) if key == crate::print::PAGE => self.wait_for_print().await,
            _ => {}
        }
        self.reply_to(route)
    }

    fn reply_to(&self, route: Route) -> Reply {
        let key = match route {
            Route::Poll { .. } => {
                let state = self.state.borrow();
                return Reply {
                    status: 200,
                    content_type: "application/json",
                    body: Body::Bytes(
                        format!(
                            "{{\"version\":{},\"error\":{}}}",
                            state.version,
                            json_error(&state.error)
                        )
                        .into_bytes(),
                    ),
                };
            }
            Route::Page(key) => key,
            Route::Outside => return self.not_found(),
        };
        let page = self.pages.read().ok().and_then(|pages| {
            pages
                .get(&key)
                .or_else(|| pages.get(&format!("{key}/index.html")))
                .cloned()
        });
        // Decompressed outside the lock: a rebuild's pages need not wait.
        let page = page.and_then(StoredPage::bytes);
        match page {
            Some(bytes) => {
                let content_type = content_type(&key);
                let body = if content_type.starts_with("text/html") {
                    self.with_live_script(bytes)
                } else {
                    Body::Page {
                        at: bytes.len(),
                        page: bytes,
                        script: String::new(),
                    }
                };
                Reply {
                    status: 200,
                    content_type,
                    body,
                }
            }
            None => self.not_found(),
        }
    }

    fn has_page(&self, path: &str) -> bool {
        self.pages.read().is_ok_and(|p| p.contains_key(path))
    }

    /// The bytes the site keeps for its files, compressed or not.
    #[cfg(test)]
    fn stored_bytes(&self) -> usize {
        self.pages
            .read()
            .map_or(0, |p| p.values().map(StoredPage::stored_len).sum())
    }

    /// Asks for the print edition if it is not made (or was dropped by a
    /// rebuild since), and waits until it is or the request was answered
    /// without it.
    async fn wait_for_print(&self) {
        let sender = self.print_requests.lock().ok().and_then(|s| s.clone());
        let Some(sender) = sender else { return };
        if self.has_page(crate::print::PAGE) {
            return;
        }
        let asked = self.state.borrow().print_answers;
        if sender.send(Wake::Print).is_err() {
            return;
        }
        self.until(PRINT_WAIT, |state| {
            state.print_answers != asked || self.has_page(crate::print::PAGE)
        })
        .await;
    }

    /// Sets where requests for the print edition go.
    pub fn send_print_requests_to(&self, sender: Sender<Wake>) {
        if let Ok(mut requests) = self.print_requests.lock() {
            *requests = Some(sender);
        }
    }

    /// Records that a request for the print edition was answered.
    pub fn print_answered(&self) {
        self.state.send_modify(|state| state.print_answers += 1);
    }

    fn not_found(&self) -> Reply {
        let body = self
            .pages
            .read()
            .ok()
            .and_then(|p| p.get("404.html").cloned())
            .and_then(StoredPage::bytes);
        Reply {
            status: 404,
            content_type: "text/html; charset=utf-8",
            body: match body {
                Some(bytes) => self.with_live_script(bytes),
                None => Body::Bytes(
                    b"<!DOCTYPE html><title>Not found</title><p>Not found.</p>".to_vec(),
                ),
            },
        }
    }

    /// `page` with the live script before its last `</body>`, or at its end.
    /// The script is given the version and the error of the last build, so
    /// a page loaded while the book is broken shows the error at once.
    fn with_live_script(&self, page: Arc<Vec<u8>>) -> Body {
        let script = {
            let state = self.state.borrow();
            LIVE_SCRIPT
                .replace("__VERSION__", &state.version.to_string())
                .replace("__ERROR__", &json_error(&state.error))
        };
        let at = memchr::memmem::rfind(&page, b"</body>").unwrap_or(page.len());
        Body::Page { page, at, script }
    }
}

/// The error of the last build as JSON: a string, or `null`.
fn json_error(error: &Option<String>) -> String {
    error
        .as_deref()
        .map_or_else(|| "null".to_string(), json_string)
}

/// A JSON string literal that can also stand in a `<script>` element: `<`,
/// `>` and `&` are escaped, so no text (a diagnostic quoting a note's
/// `</script>`, say) can end the script or start another.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The site path for a URL path: `/` -> `index.html`; `None` for anything
/// that could step outside the site.
fn page_key(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\\', '\0']) => return None,
            s => segments.push(s),
        }
    }
    let mut key = segments.join("/");
    if key.is_empty() || decoded.ends_with('/') {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Some(key)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Whether a changed path can affect the book (editor swap files and the
/// like cannot).
fn is_relevant(root: &Path, path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
    {
        return false;
    }
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .unwrap_or_default();
    match first.as_str() {
        "content" => path.extension().is_some_and(|e| e == "md" || e == "toml"),
        "seeds" => path.extension().is_some_and(|e| e == "md" || e == "txt"),
        "themes" | "templates" | "static" => true,
        _ => false,
    }
}

/// What `serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The book's folder.
    pub root: PathBuf,
    /// The port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Include drafts.
    pub drafts: bool,
    /// Open the book in the web browser once it is served (`$BROWSER`, if
    /// set, else the system's default).
    pub open: bool,
}

/// Says what happened, to the terminal.
pub trait ServeReport: Sync {
    /// The server listens at `url`.
    fn listening(&self, url: &str);
    /// A build finished: `errors` is the rendered diagnostics, if any.
    fn built(&self, elapsed: Duration, pages: usize, diagnostics: &str, failed: bool);
    /// `open` was asked for, and no browser could be started.
    fn browser_not_opened(&self, _url: &str, _error: &str) {}
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The folder is not a book (its message and notes, as `build` says it).
    #[error("{}{}", .0.message, .0.notes.iter().map(|n| format!("\n  = {n}")).collect::<String>())]
    NotABook(Box<Diagnostic>),
    /// The port is taken by another program.
    #[error("port {0} is already in use on 127.0.0.1; choose another with --port")]
    PortInUse(u16),
    /// Listening failed for another reason.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The book's folder could not be opened or watched.
    #[error(transparent)]
    File(#[from] crate::output::FileError),
    /// The HTTP server could not be started.
    #[error("cannot start the web server: {0}")]
    Http(std::io::Error),
}

/// Serves the book until the process ends.
pub fn serve(
    options: &ServeOptions,
    report: &dyn ServeReport,
    progress: &dyn Progress,
) -> Result<(), ServeError> {
    // `serve` writes no output: only the book itself is checked.
    crate::site::check_root(&options.root).map_err(|d| ServeError::NotABook(Box::new(d)))?;
    let root = options
        .root
        .canonicalize()
        .map_err(FileError::doing("open", &options.root))?;
    // Bound before the first build, so that a port in use is said at once;
    // connections made meanwhile wait to be accepted.
    let listener = std::net::TcpListener::bind(("127.0.0.1", options.port)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::PortInUse(options.port)
        } else {
            ServeError::Listen {
                port: options.port,
                source: e,
            }
        }
    })?;
    let port = listener.local_addr().map_or(options.port, |a| a.port());

    let site = Arc::new(LiveSite::default());
    let mut project = Project::load(BuildOptions {
        root: root.clone(),
        output: None,
        drafts: options.drafts,
    });
    // The server answers any missing address with the 404 page: from the
    // root, its links must not be relative to the missing page's folder.
    project.serve_from_root();
    rebuild(&mut project, &site, false, report, progress);

    let (sender, events) = channel();
    site.send_print_requests_to(sender.clone());
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading a file is an event too (and every rebuild reads files):
        // only changes count.
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                let _ = sender.send(Wake::Files(event.paths));
            }
        }
    })
    .map_err(|e| FileError {
        action: "watch",
        path: root.clone(),
        source: std::io::Error::other(e),
    })?;
    // The root itself, so that a folder created later (templates/,
    // static/) is noticed and watched from then on.
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| FileError {
            action: "watch",
            path: root.clone(),
            source: std::io::Error::other(e),
        })?;
    let mut watched = Vec::new();
    watch_book_folders(&mut watcher, &root, &mut watched);

    start_http(listener, port, site.clone())?;
    let url = format!("http://127.0.0.1:{port}/");
    report.listening(&url);
    if options.open {
        // After the first build and with the server accepting, so that the
        // browser's first request gets the book, not a refused connection.
        if let Err(e) = opener::open_browser(&url) {
            report.browser_not_opened(&url, &e.to_string());
        }
    }
    watch_loop(
        &events,
        &root,
        &mut project,
        &site,
        report,
        progress,
        &mut |root| watch_book_folders(&mut watcher, root, &mut watched),
    );
    Ok(())
}

/// The folders a book is read from.
const BOOK_FOLDERS: [&str; 5] = ["content", "seeds", "themes", "templates", "static"];

/// Watches the book's folders that exist and are not watched yet.
fn watch_book_folders(
    watcher: &mut notify::RecommendedWatcher,
    root: &Path,
    watched: &mut Vec<PathBuf>,
) {
    for dir in BOOK_FOLDERS {
        let path = root.join(dir);
        if path.is_dir()
            && !watched.contains(&path)
            && watcher.watch(&path, RecursiveMode::Recursive).is_ok()
        {
            watched.push(path);
        }
    }
}

/// Starts answering requests on `listener` (bound to 127.0.0.1:`port`)
/// from `site`, on a thread of its own that serves every connection as a
/// task: once this returns, no connection needs a new thread.
fn start_http(
    listener: std::net::TcpListener,
    port: u16,
    site: Arc<LiveSite>,
) -> Result<(), ServeError> {
    let cannot = ServeError::Http;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(cannot)?;
    listener.set_nonblocking(true).map_err(cannot)?;
    let listener = {
        let _inside = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(cannot)?
    };
    std::thread::Builder::new()
        .name("briefbook-http".to_string())
        .spawn(move || runtime.block_on(accept(listener, port, site)))
        .map_err(cannot)?;
    Ok(())
}

/// Accepts connections for as long as the process runs.
async fn accept(listener: tokio::net::TcpListener, port: u16, site: Arc<LiveSite>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .max_header_size(MAX_HEAD)
        .max_headers(MAX_HEADER_FIELDS);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let busy = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{BUSY}",
        BUSY.len()
    );
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Said at once rather than kept waiting unseen. The answer is
            // small and the connection new: its buffer takes it whole.
            let _ = stream.try_write(busy.as_bytes());
            continue;
        };
        let site = site.clone();
        let service = hyper::service::service_fn(move |request| {
            let site = site.clone();
            async move { Ok::<_, Infallible>(respond(&site, port, &request).await) }
        });
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        tokio::spawn(async move {
            // A connection's errors (a client gone, a request refused by
            // the limits, already answered) end only that connection.
            let _ = connection.await;
            drop(slot);
        });
    }
}

/// What a connection beyond [`MAX_CONNECTIONS`] is told.
const BUSY: &str = "briefbook serve has too many connections open; try again when some close.\n";

/// The HTTP answer to `request`.
async fn respond(
    site: &LiveSite,
    port: u16,
    request: &hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Chunks> {
    let hosts: Vec<&[u8]> = request
        .headers()
        .get_all(HOST)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    let target = request.uri().authority().map(|a| a.as_str());
    let reply = if let Some(refusal) = misdirected(&hosts, target, port) {
        refusal
    } else if matches!(*request.method(), hyper::Method::GET | hyper::Method::HEAD) {
        let url = request.uri().path_and_query().map_or("/", |p| p.as_str());
        site.answer(url).await
    } else {
        Reply {
            status: 405,
            content_type: "text/plain; charset=utf-8",
            body: Body::Bytes(b"GET only".to_vec()),
        }
    };
    let status = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = HeaderValue::from_static(reply.content_type);
    let chunks = reply.body.into_chunks();
    let mut response = hyper::Response::new(Chunks(
        chunks.into_iter().filter(|c| !c.is_empty()).collect(),
    ));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, content_type);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The answer to a request not addressed to this server, if it is one.
/// `hosts` are its `Host` headers, `target` the address in its request line
/// (if it has one). Only `127.0.0.1` and `localhost` at the server's port
/// are answered: a web page elsewhere that points its own name at this
/// computer (DNS rebinding) asks with that name, and must not read the book.
fn misdirected(hosts: &[&[u8]], target: Option<&str>, port: u16) -> Option<Reply> {
    let problem = match hosts {
        [] => "The request has no Host header",
        [host]
            if is_own_address(host, port)
                && target.is_none_or(|t| is_own_address(t.as_bytes(), port)) =>
        {
            return None;
        }
        [_] => "The request is addressed to another host",
        _ => "The request has more than one Host header",
    };
    Some(Reply {
        status: 421,
        content_type: "text/plain; charset=utf-8",
        body: Body::Bytes(
            format!(
                "{problem}. briefbook serve answers only requests for \
                 http://127.0.0.1:{port}/ and http://localhost:{port}/, so that \
                 a web page elsewhere cannot read the book by pointing its own \
                 name at this computer. Open one of these addresses instead.\n"
            )
            .into_bytes(),
        ),
    })
}

/// Whether `authority` (`host` or `host:port`) is 127.0.0.1 or localhost at
/// `port`. Without a port, a host means port 80.
fn is_own_address(authority: &[u8], port: u16) -> bool {
    let Ok(authority) = std::str::from_utf8(authority) else {
        return false;
    };
    let (name, same_port) = match authority.rsplit_once(':') {
        Some((name, given)) => (
            name,
            given.bytes().all(|b| b.is_ascii_digit()) && given.parse::<u16>() == Ok(port),
        ),
        None => (authority, port == 80),
    };
    same_port && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
}

fn watch_loop(
    events: &Receiver<Wake>,
    root: &Path,
    project: &mut Project,
    site: &LiveSite,
    report: &dyn ServeReport,
    progress: &dyn Progress,
    watch_new_folders: &mut dyn FnMut(&Path),
) {
    while let Ok(first) = events.recv() {
        let mut changed: Vec<PathBuf> = Vec::new();
        let mut print = false;
        let mut take = |wake: Wake| match wake {
            Wake::Files(paths) => changed.extend(paths),
            Wake::Print => print = true,
        };
        let files = matches!(first, Wake::Files(_));
        take(first);
        // Changed files are rebuilt once the events stop; a request for the
        // print edition alone is answered at once.
        let started = Instant::now();
        if files {
            loop {
                let left = SETTLE_AT_MOST.saturating_sub(started.elapsed());
                if left.is_zero() {
                    break;
                }
                match events.recv_timeout(QUIET.min(left)) {
                    Ok(more) => take(more),
                    Err(_) => break,
                }
            }
        }
        if changed.iter().any(|p| p.parent() == Some(root)) {
            watch_new_folders(root);
        }
        changed.retain(|p| is_relevant(root, p));
        changed.sort();
        changed.dedup();
        if !changed.is_empty() {
            project.reload(&changed);
            rebuild(project, site, true, report, progress);
        }
        if print {
            make_print(project, site, report);
        }
    }
}

/// Makes the print edition for a request, from the last good render, and
/// answers the request. A rebuild drops the page (it is not among the
/// paths a render lists), so the next request makes it again.
fn make_print(project: &Project, site: &LiveSite, report: &dyn ServeReport) {
    if !site.has_page(crate::print::PAGE) && site.state().error.is_none() {
        let started = Instant::now();
        match project.render_print(site) {
            Ok(true) => report.built(started.elapsed(), 1, "", false),
            // `print = false`, or a theme without the template.
            Ok(false) => {}
            Err(d) => {
                let mut diagnostics = crate::diagnostics::Diagnostics::new();
                diagnostics.push(d);
                let text = diagnostics.render(project.files());
                report.built(started.elapsed(), 0, &text, true);
            }
        }
    }
    site.print_answered();
}

/// Renders what changed into the live site and tells the tabs.
pub fn rebuild(
    project: &mut Project,
    site: &LiveSite,
    only_changed: bool,
    report: &dyn ServeReport,
    progress: &dyn Progress,
) {
    let started = Instant::now();
    let render = project.render(site, only_changed, progress);
    let text = render.diagnostics.render(project.files());
    let failed = render.diagnostics.has_errors();
    site.published(&render.all_paths, failed.then(|| text.clone()));
    report.built(started.elapsed(), render.written.len(), &text, failed);
    if render.written.len() >= RELEASE_AFTER_PAGES {
        release_freed_memory();
    }
}

/// How many pages a render must have written for [`release_freed_memory`]
/// to follow it: the first render, or one after a theme edit, frees a
/// gigabyte at 10,000 notes; a one-note edit frees a few megabytes, and
/// handing those back would cost the next edit as many page faults (its
/// rebuild took 26 to 32 ms instead of 22).
const RELEASE_AFTER_PAGES: usize = 256;

/// Has the allocator return to the system what a render freed. A render
/// allocates on rayon's threads, and most of it is freed on this one once
/// the render is over (the renderings' pages, the first time: more than a
/// gigabyte at 10,000 notes); mimalloc takes a block freed by another
/// thread back into its owner's heap only when the owner allocates again,
/// so the idle threads would hold on to it all until the next edit.
/// (Harmless when mimalloc is not the allocator: its heaps are empty.)
fn release_freed_memory() {
    // SAFETY: `mi_collect` only frees what mimalloc holds unused; it may be
    // called on any thread at any time.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_site_paths_and_never_outside() {
        assert_eq!(page_key("/").as_deref(), Some("index.html"));
        assert_eq!(page_key("/sources/").as_deref(), Some("sources/index.html"));
        assert_eq!(
            page_key("/sources/nyt.html").as_deref(),
            Some("sources/nyt.html")
        );
        assert_eq!(page_key("/a%20b.html").as_deref(), Some("a b.html"));
        assert_eq!(page_key("/../etc/passwd"), None);
        assert_eq!(page_key("/%2e%2e/secret"), None);
    }

    #[test]
    fn pages_get_the_live_script_and_unknown_paths_the_404_page() {
        let site = LiveSite::default();
        site.put(
            "index.html",
            b"<html><body><p>Hi</p></body></html>".to_vec(),
        )
        .unwrap();
        site.put("style.css", b"p{}".to_vec()).unwrap();
        site.put("404.html", b"<body>Lost</body>".to_vec()).unwrap();
        let page = site.reply("/");
        assert_eq!(
            (page.status, page.content_type),
            (200, "text/html; charset=utf-8")
        );
        let html = String::from_utf8(page.body.to_vec()).unwrap();
        // The reply reads the site's own copy of the page: no page, however
        // large, is copied to be served.
        let kept = match site.pages.read().unwrap().get("index.html") {
            Some(StoredPage::Plain(kept)) => Arc::clone(kept),
            _ => panic!("a page of a few bytes is kept as it is"),
        };
        assert!(matches!(&page.body, Body::Page { page, .. } if Arc::ptr_eq(page, &kept)));
        let chunks = page.body.clone().into_chunks();
        assert_eq!(
            chunks[0].as_ptr(),
            kept.as_ptr(),
            "sent from the site's copy"
        );
        let sent = chunks.concat();
        assert_eq!(
            (sent.len(), &sent),
            (page.body.len(), &html.clone().into_bytes())
        );
        assert!(
            html.contains("/__briefbook/poll") && html.ends_with("</script></body></html>"),
            "{html}"
        );
        assert_eq!(site.reply("/style.css").body.to_vec(), b"p{}");
        let missing = site.reply("/nope.html");
        assert_eq!(missing.status, 404);
        assert!(
            String::from_utf8(missing.body.to_vec())
                .unwrap()
                .contains("Lost")
        );
    }

    /// A note page as a book's look: varied paragraphs, about 40 KB.
    fn note_page() -> Vec<u8> {
        let mut page =
            String::from("<!DOCTYPE html><html><head><title>A note</title></head><body><main>");
        for i in 0..400 {
            page += &format!(
                "<p id=\"p{i}\">Paragraph {i} cites <a href=\"../sources/s{}.html#p{}\">source {}</a>.</p>\n",
                i * 7 % 13,
                i * 31 % 97,
                i % 5
            );
        }
        page += "</main></body></html>\n";
        page.into_bytes()
    }

    /// Bytes that do not compress, as an image's: a fixed pseudo-random
    /// sequence.
    fn image_like(len: usize) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect()
    }

    fn stored_plain(site: &LiveSite, path: &str) -> bool {
        matches!(
            site.pages.read().unwrap().get(path),
            Some(StoredPage::Plain(_))
        )
    }

    #[test]
    fn pages_kept_compressed_are_answered_byte_for_byte() {
        let site = LiveSite::default();
        let page = note_page();
        let script = b"let a = 1;\n".repeat(2000);
        let image = image_like(20_000);
        site.put("notes/a.html", page.clone()).unwrap();
        site.put("briefbook.js", script.clone()).unwrap();
        site.put("images/a.png", image.clone()).unwrap();
        // The HTML and the script are kept compressed, the image as it is.
        assert!(!stored_plain(&site, "notes/a.html"));
        assert!(!stored_plain(&site, "briefbook.js"));
        assert!(stored_plain(&site, "images/a.png"));
        let live = LIVE_SCRIPT
            .replace("__VERSION__", "0")
            .replace("__ERROR__", "null");
        let at = memchr::memmem::rfind(&page, b"</body>").unwrap();
        let expected = [&page[..at], live.as_bytes(), &page[at..]].concat();
        let reply = site.reply("/notes/a.html");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body.len(), expected.len());
        assert!(reply.body.to_vec() == expected, "the page as it was put");
        assert!(reply.body.into_chunks().concat() == expected);
        assert!(site.reply("/briefbook.js").body.to_vec() == script);
        assert!(site.reply("/images/a.png").body.to_vec() == image);
    }

    #[test]
    fn a_kept_html_page_takes_a_fraction_of_its_size() {
        let site = LiveSite::default();
        let page = note_page();
        site.put("notes/a.html", page.clone()).unwrap();
        assert!(
            site.stored_bytes() < page.len() / 3,
            "{} bytes kept for {}",
            site.stored_bytes(),
            page.len()
        );
    }

    #[test]
    fn a_page_above_the_threshold_is_kept_and_answered_as_it_is() {
        let site = LiveSite::default();
        let mut page = Vec::with_capacity(2 * COMPRESS_AT_MOST);
        while page.len() <= COMPRESS_AT_MOST {
            page.extend_from_slice(&note_page());
        }
        let len = page.len();
        site.put("print.html", page).unwrap();
        assert_eq!(site.stored_bytes(), len);
        let kept = match site.pages.read().unwrap().get("print.html") {
            Some(StoredPage::Plain(kept)) => Arc::clone(kept),
            _ => panic!("a page above the threshold is kept as it is"),
        };
        // Kept at its size, not its buffer's, and answered from this copy.
        assert_eq!(kept.capacity(), len);
        let reply = site.reply("/print.html");
        assert!(matches!(&reply.body, Body::Page { page, .. } if Arc::ptr_eq(page, &kept)));
    }

    #[test]
    fn polls_answer_with_the_version_and_the_error() {
        let site = LiveSite::default();
        site.published(&[], Some("error: \"bad\"\n".into()));
        let reply = site.reply("/__briefbook/poll?since=0");
        assert_eq!(
            String::from_utf8(reply.body.to_vec()).unwrap(),
            r#"{"version":1,"error":"error: \"bad\"\n"}"#
        );
    }

    #[test]
    fn a_page_served_while_the_book_is_broken_carries_the_error_safely() {
        let site = LiveSite::default();
        site.put("index.html", b"<body></body>".to_vec()).unwrap();
        site.published(&["index.html".into()], None);
        let script = |site: &LiveSite| String::from_utf8(site.reply("/").body.to_vec()).unwrap();
        assert!(script(&site).contains("var error = null;\n"));
        site.published(&[], Some("a.md:1: </script><b>\u{2028}&".into()));
        let page = script(&site);
        assert!(
            page.contains(r#"var error = "a.md:1: \u003c/script\u003e\u003cb\u003e\u2028\u0026";"#),
            "{page}"
        );
        assert!(page.contains("overlay(error);\n  poll();"), "{page}");
        assert_eq!(page.matches("</script>").count(), 1, "{page}");
    }

    #[test]
    fn only_requests_for_127_0_0_1_or_localhost_at_the_port_are_answered() {
        for (host, port, own) in [
            ("127.0.0.1:4000", 4000, true),
            ("localhost:4000", 4000, true),
            ("LOCALHOST:4000", 4000, true),
            ("127.0.0.1", 80, true),
            ("localhost", 80, true),
            ("127.0.0.1", 4000, false),
            ("127.0.0.1:4001", 4000, false),
            ("127.0.0.1:", 4000, false),
            ("127.0.0.1:+4000", 4000, false),
            ("127.0.0.1:4000:4000", 4000, false),
            ("evil.example:4000", 4000, false),
            ("localhost.evil.example:4000", 4000, false),
            ("127.0.0.2:4000", 4000, false),
            ("[::1]:4000", 4000, false),
            ("", 4000, false),
        ] {
            assert_eq!(
                is_own_address(host.as_bytes(), port),
                own,
                "{host} at {port}"
            );
        }
        assert!(!is_own_address(b"127.0.0.1:4000\xff", 4000));
        let own: &[&[u8]] = &[b"localhost:4000"];
        assert_eq!(misdirected(own, None, 4000), None);
        assert_eq!(misdirected(own, Some("localhost:4000"), 4000), None);
        let refused = |hosts: &[&[u8]], target| {
            let reply = misdirected(hosts, target, 4000).expect("refused");
            assert_eq!(
                (reply.status, reply.content_type),
                (421, "text/plain; charset=utf-8")
            );
            String::from_utf8(reply.body.to_vec()).unwrap()
        };
        assert!(
            refused(own, Some("evil.example:4000"))
                .starts_with("The request is addressed to another host.")
        );
        assert!(refused(&[], None).starts_with("The request has no Host header."));
        assert!(
            refused(&[b"localhost:4000", b"localhost:4000"], None)
                .starts_with("The request has more than one Host header.")
        );
    }

    #[test]
    fn only_book_files_trigger_rebuilds() {
        let root = Path::new("/b");
        assert!(is_relevant(root, Path::new("/b/content/a.md")));
        assert!(is_relevant(root, Path::new("/b/seeds/x.txt")));
        assert!(is_relevant(root, Path::new("/b/templates/note.html")));
        assert!(!is_relevant(root, Path::new("/b/content/.a.md.swp")));
        assert!(!is_relevant(root, Path::new("/b/content/a.md~")));
        assert!(!is_relevant(root, Path::new("/b/output/index.html")));
    }
}
