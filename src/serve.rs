//! `briefbook serve`: the book on 127.0.0.1, rebuilt as files change, with
//! open tabs reloaded.
//!
//! The site lives in memory ([`LiveSite`]); nothing is written to disk and
//! nothing outside the site is ever served. A watcher collects file events,
//! waits for a quiet moment (editors save in bursts), hands the changed
//! paths to the [`Project`], which renders again only what depends on them,
//! and swaps the changed pages in. Pages get a small script that long-polls
//! the server: on a new version the tab reloads; on a failed build it shows
//! the same diagnostics as the terminal over the last good page.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::output::PageSink;
use crate::site::{BuildOptions, Progress, Project};

/// How long the watcher waits for more events before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(60);
/// How long a reload poll waits for a new version before answering anyway.
const POLL_WAIT: Duration = Duration::from_secs(25);
/// How long a request for the print edition waits for it to be made.
const PRINT_WAIT: Duration = Duration::from_secs(120);

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
    pages: RwLock<HashMap<String, Arc<Vec<u8>>>>,
    state: Mutex<LiveState>,
    changed: Condvar,
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
        if let Ok(mut pages) = self.pages.write() {
            pages.insert(path.to_string(), Arc::new(bytes));
        }
        Ok(())
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

/// The body of a [`Reply`]. A page is answered from the site's own copy,
/// the live script read in where it goes: a large page (the print edition
/// of a big book runs to hundreds of megabytes) is never copied to answer
/// a request.
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

    /// A reader of the body's bytes.
    pub fn reader(self) -> Box<dyn std::io::Read + Send> {
        use std::io::Read as _;
        match self {
            Body::Bytes(bytes) => Box::new(std::io::Cursor::new(bytes)),
            Body::Page { page, at, script } => {
                let end = page.len();
                Box::new(
                    PageSlice(page.clone(), 0..at)
                        .chain(std::io::Cursor::new(script.into_bytes()))
                        .chain(PageSlice(page, at..end)),
                )
            }
        }
    }
}

/// Part of a shared page, read without copying it first.
struct PageSlice(Arc<Vec<u8>>, std::ops::Range<usize>);

impl std::io::Read for PageSlice {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.0.get(self.1.clone()).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.1.start += n;
        Ok(n)
    }
}

/// The script added to every HTML page while serving (never to built files).
const LIVE_SCRIPT: &str = r#"<script>
(function () {
  var version = __VERSION__;
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
  function poll() {
    fetch("/__briefbook/poll?since=" + version, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.version !== version) {
          if (state.error) { version = state.version; overlay(state.error); }
          else { location.reload(); return; }
        }
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>"#;

impl LiveSite {
    /// The current version and error.
    fn state(&self) -> LiveState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Records a rebuild: keeps only `paths`, bumps the version.
    pub fn published(&self, paths: &[String], error: Option<String>) {
        if error.is_none() {
            if let Ok(mut pages) = self.pages.write() {
                let keep: std::collections::HashSet<&str> =
                    paths.iter().map(String::as_str).collect();
                pages.retain(|path, _| keep.contains(path.as_str()));
            }
        }
        if let Ok(mut state) = self.state.lock() {
            state.version += 1;
            state.error = error;
        }
        self.changed.notify_all();
    }

    /// Waits until the version differs from `since` (or a while passes).
    fn wait(&self, since: u64, timeout: Duration) -> LiveState {
        let Ok(guard) = self.state.lock() else {
            return LiveState::default();
        };
        let result = self
            .changed
            .wait_timeout_while(guard, timeout, |state| state.version == since);
        match result {
            Ok((state, _)) => state.clone(),
            Err(_) => LiveState::default(),
        }
    }

    /// Answers a GET for `url` (path and query).
    pub fn reply(&self, url: &str) -> Reply {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        if path == "/__briefbook/poll" {
            let since = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("since="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let state = self.wait(since, POLL_WAIT);
            let error = match &state.error {
                Some(text) => json_string(text),
                None => "null".to_string(),
            };
            return Reply {
                status: 200,
                content_type: "application/json",
                body: Body::Bytes(
                    format!("{{\"version\":{},\"error\":{error}}}", state.version).into_bytes(),
                ),
            };
        }
        let Some(key) = page_key(path) else {
            return self.not_found();
        };
        if key == crate::print::PAGE {
            self.wait_for_print();
        }
        let page = self.pages.read().ok().and_then(|pages| {
            pages
                .get(&key)
                .cloned()
                .or_else(|| pages.get(&format!("{key}/index.html")).cloned())
        });
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

    /// Asks for the print edition if it is not made (or was dropped by a
    /// rebuild since), and waits until it is or the request was answered
    /// without it.
    fn wait_for_print(&self) {
        let sender = self.print_requests.lock().ok().and_then(|s| s.clone());
        let Some(sender) = sender else { return };
        let Ok(state) = self.state.lock() else { return };
        if self.has_page(crate::print::PAGE) {
            return;
        }
        let asked = state.print_answers;
        if sender.send(Wake::Print).is_err() {
            return;
        }
        let _ = self.changed.wait_timeout_while(state, PRINT_WAIT, |state| {
            state.print_answers == asked && !self.has_page(crate::print::PAGE)
        });
    }

    /// Sets where requests for the print edition go.
    pub fn send_print_requests_to(&self, sender: Sender<Wake>) {
        if let Ok(mut requests) = self.print_requests.lock() {
            *requests = Some(sender);
        }
    }

    /// Records that a request for the print edition was answered.
    pub fn print_answered(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.print_answers += 1;
        }
        self.changed.notify_all();
    }

    fn not_found(&self) -> Reply {
        let body = self
            .pages
            .read()
            .ok()
            .and_then(|p| p.get("404.html").cloned());
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
    fn with_live_script(&self, page: Arc<Vec<u8>>) -> Body {
        let script = LIVE_SCRIPT.replace("__VERSION__", &self.state().version.to_string());
        let at = memchr::memmem::rfind(&page, b"</body>").unwrap_or(page.len());
        Body::Page { page, at, script }
    }
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
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

/// Serves the book until the process ends.
pub fn serve(
    options: &ServeOptions,
    report: &dyn ServeReport,
    progress: &dyn Progress,
) -> Result<(), String> {
    crate::site::check_paths(&options.root, &options.root.join("output")).map_err(|d| {
        let help = d
            .notes
            .iter()
            .map(|n| format!("\n  = {n}"))
            .collect::<String>();
        format!("{}{help}", d.message)
    })?;
    let root = options
        .root
        .canonicalize()
        .map_err(|e| format!("cannot open {}: {e}", options.root.display()))?;
    let server = tiny_http::Server::http(("127.0.0.1", options.port)).map_err(|e| {
        if e.to_string().contains("in use") {
            format!(
                "port {} is already in use on 127.0.0.1; choose another with --port",
                options.port
            )
        } else {
            format!("cannot listen on 127.0.0.1:{}: {e}", options.port)
        }
    })?;
    let port = server
        .server_addr()
        .to_ip()
        .map_or(options.port, |a| a.port());

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
    .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    // The root itself, so that a folder created later (templates/,
    // static/) is noticed and watched from then on.
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    let mut watched = Vec::new();
    watch_book_folders(&mut watcher, &root, &mut watched);

    let server = Arc::new(server);
    {
        let site = site.clone();
        let server = server.clone();
        std::thread::spawn(move || accept(&server, &site));
    }
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

fn accept(server: &tiny_http::Server, site: &Arc<LiveSite>) {
    for request in server.incoming_requests() {
        let site = site.clone();
        // Each request on its own thread: reload polls wait for a while.
        std::thread::spawn(move || {
            let reply = match request.method() {
                tiny_http::Method::Get | tiny_http::Method::Head => site.reply(request.url()),
                _ => Reply {
                    status: 405,
                    content_type: "text/plain; charset=utf-8",
                    body: Body::Bytes(b"GET only".to_vec()),
                },
            };
            let length = reply.body.len();
            let mut response = tiny_http::Response::new(
                reply.status.into(),
                Vec::new(),
                reply.body.reader(),
                Some(length),
                None,
            );
            for (name, value) in [
                ("Content-Type", reply.content_type),
                ("Cache-Control", "no-store"),
            ] {
                if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
                {
                    response = response.with_header(header);
                }
            }
            let _ = request.respond(response);
        });
    }
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
        // A request for the print edition alone is answered at once.
        let deadline = Instant::now() + if files { DEBOUNCE } else { Duration::ZERO };
        while let Some(wait) = deadline.checked_duration_since(Instant::now()) {
            match events.recv_timeout(wait) {
                Ok(more) => take(more),
                Err(_) => break,
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
        let kept = site
            .pages
            .read()
            .unwrap()
            .get("index.html")
            .cloned()
            .unwrap();
        assert!(matches!(&page.body, Body::Page { page, .. } if Arc::ptr_eq(page, &kept)));
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut page.body.clone().reader(), &mut read).unwrap();
        assert_eq!(
            (read.len(), &read),
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
