//! The hostile-input benchmark: books built to make briefbook's
//! per-citation work blow up (unclosed and nested brackets, a long
//! quotation that is not in its source, a huge key among many sources),
//! beside an ordinary book's citations, each checked as `briefbook check`
//! does (everything but writing).
//!
//! Run with `cargo bench --bench hostile` (runs per case from
//! `BRIEFBOOK_BENCH_RUNS`, default 5; only the cases whose name contains
//! one of the comma-separated words of `BRIEFBOOK_BENCH_CASES`, default
//! all; the length of the long quotation and of its source, in words, from
//! `BRIEFBOOK_BENCH_QUOTE_WORDS`, default 20000). The books are written to
//! tmpfs (`/dev/shm`) and figures are medians, for docs/PERFORMANCE.md.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use briefbook::site::{self, BuildOptions};

/// The allocator of the `briefbook` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A small deterministic generator (xorshift), so every run builds the same book.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `count` words drawn from a vocabulary of 2,000 made-up words.
fn words(rng: &mut Rng, count: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        if i > 0 {
            text.push(' ');
        }
        let w = rng.below(2000);
        let _ = write!(text, "w{w}x");
    }
    text
}

const SOURCE_HEAD: &str = "+++\ntitle = \"A source\"\n+++\n\n";

/// One hostile case: its name, and the files of its book.
struct Case {
    name: String,
    files: Vec<(String, String)>,
    /// Whether the book should build without error.
    clean: bool,
}

fn note(body: String) -> (String, String) {
    ("content/note.md".into(), format!("# Hostile\n\n{body}\n"))
}

fn ordinary_source(rng: &mut Rng) -> (String, String) {
    let paragraphs: Vec<String> = (0..20).map(|_| words(rng, 100) + ".").collect();
    (
        "seeds/src.md".into(),
        format!("{SOURCE_HEAD}{}\n", paragraphs.join("\n\n")),
    )
}

fn cases(quote_words: usize) -> Vec<Case> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let n = 100_000;
    let mut cases = vec![
        Case {
            name: "100,000 unclosed `[[`".into(),
            files: vec![note("[[".repeat(n))],
            clean: true,
        },
        Case {
            name: "100,000 nested `[`".into(),
            // The innermost `[[x]]` is a glossary reference: one error.
            files: vec![note(format!("{}x{}", "[".repeat(n), "]".repeat(n)))],
            clean: false,
        },
        Case {
            name: "100,000 `[@`".into(),
            files: vec![note("[@".repeat(n))],
            clean: true,
        },
        Case {
            name: "100,000 `[@a \"` (unclosed quotations)".into(),
            files: vec![note("[@a \"".repeat(n))],
            clean: true,
        },
        Case {
            name: "100,000 `[“` (unclosed curly quotations)".into(),
            files: vec![note("[\u{201C}".repeat(n))],
            clean: true,
        },
        Case {
            name: "backtick runs of 1 to 450 (100 KB)".into(),
            files: vec![note(
                (1..=450)
                    .map(|i| "`".repeat(i))
                    .collect::<Vec<_>>()
                    .join(" [@a] "),
            )],
            clean: false,
        },
    ];
    // A long quotation that is not in its long source: the closest passage.
    let source = words(&mut rng, quote_words);
    let quotation = words(&mut rng, quote_words);
    cases.push(Case {
        name: format!("a {quote_words}-word quotation not in a {quote_words}-word source"),
        files: vec![
            ("seeds/src.md".into(), format!("{SOURCE_HEAD}{source}\n")),
            note(format!("Said [@src \"{quotation}\"].")),
        ],
        clean: false,
    });
    // A 1 MB quotation (one word) and a 1 MB key among 10,000 sources.
    let mut many = vec![ordinary_source(&mut rng)];
    for i in 0..10_000 {
        many.push((
            format!("seeds/s{i:05}.md"),
            format!("{SOURCE_HEAD}Paragraph {i}.\n"),
        ));
    }
    many.push(note(format!(
        "Said [@src \"{}\"] and [@{}].",
        "q".repeat(1 << 20),
        "k".repeat(1 << 20)
    )));
    cases.push(Case {
        name: "a 1 MB quotation and a 1 MB key, 10,000 sources".into(),
        files: many,
        clean: false,
    });
    // An ordinary book's citations: 2,000 found quotations, and 200 near
    // misses whose closest passage is shown.
    let source = ordinary_source(&mut rng);
    let paragraphs: Vec<&str> = source.1[SOURCE_HEAD.len()..].split("\n\n").collect();
    let mut found = String::new();
    let mut missed = String::new();
    for i in 0..2_200 {
        let p = rng.below(paragraphs.len());
        let words: Vec<&str> = paragraphs[p].split(' ').collect();
        let start = rng.below(words.len() - 12);
        let mut quoted: Vec<&str> = words[start..start + 12].to_vec();
        let target = if i < 2_000 {
            &mut found
        } else {
            quoted[6] = "changed";
            &mut missed
        };
        let _ = writeln!(target, "Said [@src#p{} \"{}\"].\n", p + 1, quoted.join(" "));
    }
    cases.push(Case {
        name: "ordinary: 2,000 quotations found".into(),
        files: vec![source.clone(), note(found)],
        clean: true,
    });
    cases.push(Case {
        name: "ordinary: 200 near-miss quotations".into(),
        files: vec![source, note(missed)],
        clean: false,
    });
    cases
}

fn write_book(dir: &Path, files: &[(String, String)]) {
    let _ = std::fs::remove_dir_all(dir);
    for (path, text) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("create folders");
        std::fs::write(target, text).expect("write a file");
    }
    std::fs::create_dir_all(dir.join("seeds")).expect("create seeds/");
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("BRIEFBOOK_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let quote_words: usize = std::env::var("BRIEFBOOK_BENCH_QUOTE_WORDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20_000)
        .max(20);
    let wanted: Vec<String> = std::env::var("BRIEFBOOK_BENCH_CASES")
        .map(|c| c.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("briefbook-hostile-{}", std::process::id()));
    println!("| Case | Median | Result |\n|---|---:|---|");
    for case in cases(quote_words) {
        if !wanted.is_empty() && !wanted.iter().any(|w| case.name.contains(w.as_str())) {
            continue;
        }
        write_book(&dir, &case.files);
        let options = BuildOptions {
            root: dir.clone(),
            output: None,
            drafts: false,
        };
        let mut times = Vec::new();
        let mut result = String::new();
        for _ in 0..runs {
            let started = Instant::now();
            let outcome = site::check(&options);
            times.push(started.elapsed());
            let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
            assert_eq!(
                errors == 0,
                case.clean,
                "{}: {}",
                case.name,
                outcome.diagnostics.render(&outcome.files)
            );
            result = format!("{errors} errors");
        }
        let median = median(times);
        println!(
            "| {} | {:.1} ms | {result} |",
            case.name,
            median.as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
