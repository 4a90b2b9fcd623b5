//! `serve` faces the network: it answers only requests for the book's own
//! address, bounds what one request may send, keeps answering however many
//! connections come, and a page loaded while the book is broken shows why.

use std::io::Write;
use std::net::TcpStream;

use crate::support::{Server, exchange, get, read_answer, start_serve};

/// A new book served on a free port: its folder, the server and the port.
fn served_book() -> (tempfile::TempDir, Server, u16) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    briefbook::scaffold::new_book(&root).unwrap();
    let (server, port, _said) = start_serve(&root, &[], None);
    (dir, server, port)
}

/// The state the server reports to the live script: the version and the
/// error, waiting for a version other than `since` (`0`: answers at once).
fn poll(port: u16, since: u64) -> (u64, Option<String>) {
    let (status, body) = get(port, &format!("/__briefbook/poll?since={since}"));
    assert_eq!(status, 200, "{body}");
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    (
        state["version"].as_u64().unwrap(),
        state["error"].as_str().map(str::to_string),
    )
}

#[test]
fn serve_answers_only_requests_for_its_own_address() {
    let (_dir, _server, port) = served_book();
    let ask = |request_line: &str, headers: &str| {
        exchange(
            port,
            format!("{request_line}\r\n{headers}Connection: close\r\n\r\n").as_bytes(),
        )
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
    ] {
        let (status, page) = ask("GET / HTTP/1.1", &format!("Host: {host}\r\n"));
        assert_eq!(status, 200, "Host: {host}");
        assert!(page.contains("/__briefbook/poll"), "{page}");
    }

    // A web page elsewhere whose name is made to point at 127.0.0.1 (DNS
    // rebinding) asks with its own name: refused, with the reason.
    let (status, why) = ask("GET / HTTP/1.1", &format!("Host: evil.example:{port}\r\n"));
    assert_eq!(status, 421);
    insta::assert_snapshot!("wrong_host", why.replace(&port.to_string(), "PORT"));
    for headers in [
        "Host: evil.example\r\n".to_string(),
        format!("Host: 127.0.0.1.evil.example:{port}\r\n"),
        format!("Host: localhost.:{port}\r\n"),
        format!("Host: [::1]:{port}\r\n"),
        // Without a port, a host means port 80, where the book is not.
        "Host: 127.0.0.1\r\n".to_string(),
        "Host: localhost\r\n".to_string(),
        format!("Host: 127.0.0.1:{}\r\n", port ^ 1),
        format!("Host: 127.0.0.1:{port}\r\nHost: evil.example\r\n"),
    ] {
        assert_eq!(
            ask("GET / HTTP/1.1", &headers).0,
            421,
            "{headers:?} is refused"
        );
    }
    // The address in the request line counts as much as the header.
    let host = format!("Host: 127.0.0.1:{port}\r\n");
    assert_eq!(
        ask(&format!("GET http://evil.example:{port}/ HTTP/1.1"), &host).0,
        421
    );
    assert_eq!(
        ask(&format!("GET http://127.0.0.1:{port}/ HTTP/1.1"), &host).0,
        200
    );

    // No Host at all: HTTP/1.1 requires one; an HTTP/1.0 request without
    // one cannot say which site it asks for either.
    let (status, why) = ask("GET / HTTP/1.1", "");
    assert_eq!(status, 421);
    insta::assert_snapshot!("no_host", why.replace(&port.to_string(), "PORT"));
    assert_eq!(ask("GET / HTTP/1.0", "").0, 421);
    assert_eq!(ask("HEAD / HTTP/1.0", "").0, 421);
    assert_eq!(get(port, "/").0, 200);
}

#[test]
fn serve_refuses_an_oversized_request_head_and_keeps_serving() {
    let (_dir, _server, port) = served_book();
    let host = format!("Host: 127.0.0.1:{port}\r\n");
    // One header line of a megabyte.
    let big_line = format!(
        "GET / HTTP/1.1\r\n{host}X-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(exchange(port, big_line.as_bytes()).0, 431);
    // Many small lines, together past the limit.
    let lines: String = (0..2_000)
        .map(|i| format!("X-Line-{i}: {}\r\n", "b".repeat(60)))
        .collect();
    let many = format!("GET / HTTP/1.1\r\n{host}{lines}\r\n");
    assert_eq!(exchange(port, many.as_bytes()).0, 431);
    // More header fields than any browser sends, each small.
    let fields: String = (0..500).map(|i| format!("X-{i}: b\r\n")).collect();
    let numerous = format!("GET / HTTP/1.1\r\n{host}{fields}\r\n");
    assert_eq!(exchange(port, numerous.as_bytes()).0, 431);
    // A request line of a megabyte.
    let long_url = format!("GET /{} HTTP/1.1\r\n{host}\r\n", "c".repeat(1 << 20));
    let status = exchange(port, long_url.as_bytes()).0;
    assert!(status == 414 || status == 431, "{status}");
    // The server goes on answering.
    let (status, page) = get(port, "/");
    assert_eq!(status, 200);
    assert!(page.contains("/__briefbook/poll"), "{page}");
}

/// Limits the address space of process `pid` to what it uses now and
/// `room` bytes more.
#[cfg(target_os = "linux")]
fn limit_address_space(pid: u32, room: u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let used_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|rest| rest.trim().strip_suffix("kB")?.trim().parse().ok())
        .expect("VmSize in /proc/PID/status");
    let limit = libc::rlimit {
        rlim_cur: used_kib * 1024 + room,
        rlim_max: used_kib * 1024 + room,
    };
    // SAFETY: `limit` is a valid `rlimit`; no old limit is asked for.
    let done = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_AS,
            &limit,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(done, 0, "{}", std::io::Error::last_os_error());
}

#[cfg(target_os = "linux")]
#[test]
fn serve_keeps_answering_when_no_thread_can_be_started_and_connections_outnumber_its_slots() {
    const SLOTS: usize = briefbook::serve::MAX_CONNECTIONS;
    const EXTRA: usize = 40;
    let (_dir, server, port) = served_book();
    // Room for more memory, not for a thread per connection: a thread's
    // stack takes megabytes of address space, so a server that starts one
    // per connection soon cannot, as on a system out of threads.
    limit_address_space(server.pid(), 160 << 20);

    // More connections than the server has slots, each a reload poll that
    // waits for a new version of the book (held open, as by open tabs).
    let (version, _) = poll(port, 0);
    let request =
        format!("GET /__briefbook/poll?since={version} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut open: Vec<TcpStream> = (0..SLOTS + EXTRA)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            stream
        })
        .collect();
    // Those beyond the slots are told at once that the server is busy.
    let beyond: Vec<(u16, String)> = open[SLOTS..].iter_mut().map(read_answer).collect();
    assert!(
        beyond.iter().all(|(status, _)| *status == 503),
        "{:?}",
        beyond.iter().map(|(status, _)| status).collect::<Vec<_>>()
    );
    insta::assert_snapshot!("busy", beyond[0].1);
    drop(open);

    // The slots come back as the connections close, and the book is served.
    let status = (0..400)
        .map(|_| {
            let status = get(port, "/").0;
            if status == 503 {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            status
        })
        .find(|status| *status != 503);
    assert_eq!(status, Some(200));
}

#[test]
fn a_page_loaded_while_the_book_is_broken_shows_the_errors_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    briefbook::scaffold::new_book(&root).unwrap();
    let (_server, port, _said) = start_serve(&root, &[], None);
    let (version, error) = poll(port, 0);
    assert_eq!(error, None);
    assert_eq!(live_error(&get(port, "/first-note.html").1), None);

    // A broken citation on a line that would end the live script if the
    // message were put in the page as it is.
    let note = root.join("content/first-note.md");
    let text = std::fs::read_to_string(&note).unwrap();
    let broken = "Broken </script><script>alert(1)</script> [@example#p9].";
    std::fs::write(&note, format!("{text}\n{broken}\n")).unwrap();
    let error = wait_for_error(port, version, true);
    assert!(error.contains("there is no p9"), "{error}");

    // A page loaded now carries the error, which the script shows at once
    // over the last good page, and the 404 page too.
    let (status, page) = get(port, "/first-note.html");
    assert_eq!(status, 200);
    let script_at = page.rfind("<script>").unwrap();
    assert!(!page[..script_at].contains("Broken"), "the last good page");
    assert_eq!(live_error(&page).as_deref(), Some(error.as_str()));
    assert!(
        !page.contains("<script>alert(1)"),
        "the message cannot end the script"
    );
    let (status, missing) = get(port, "/missing.html");
    assert_eq!(status, 404);
    assert_eq!(live_error(&missing).as_deref(), Some(error.as_str()));

    // Mended: pages load without it.
    std::fs::write(&note, &text).unwrap();
    let (version, _) = poll(port, 0);
    wait_for_error(port, version, false);
    assert_eq!(live_error(&get(port, "/first-note.html").1), None);
}

/// Polls from `version` until the book is broken (`broken`) or mended, and
/// returns the error (empty when mended).
fn wait_for_error(port: u16, mut version: u64, broken: bool) -> String {
    for _ in 0..20 {
        let (next, error) = poll(port, version);
        if error.is_some() == broken {
            return error.unwrap_or_default();
        }
        version = next;
    }
    panic!(
        "the book was never {}",
        if broken { "broken" } else { "mended" }
    );
}

/// The error a served page's live script shows as soon as it runs: the
/// JSON value it is given (`None` for `null`).
fn live_error(page: &str) -> Option<String> {
    let script = &page[page.rfind("<script>").expect("the live script")..];
    let value = script
        .split_once("var error = ")
        .and_then(|(_, rest)| rest.split_once(";\n"))
        .expect("the live script is given the error")
        .0;
    assert!(
        script.contains("overlay(error);"),
        "the script shows the error on load: {script}"
    );
    serde_json::from_str::<Option<String>>(value).unwrap()
}

#[test]
fn serve_answers_head_requests_without_a_body() {
    let (_dir, _server, port) = served_book();
    let answer = exchange(
        port,
        format!("HEAD / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(answer, (200, String::new()));
}
