//! The pipeline: load -> resolve and render Markdown -> check links ->
//! pages -> write.
//!
//! A [`Project`] holds a loaded book and what was rendered from it, so that
//! `serve` can take an edited file, render again only what depends on it
//! and hand over only the pages that changed. [`build`] and [`check`] are the
//! one-shot uses of the same pipeline. Nothing is written unless the whole
//! book rendered without an error, so a failed build leaves the previous
//! output exactly as it was.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::autolink::Autolinker;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap, did_you_mean};
use crate::highlight;
use crate::load::{Book, Change, LoadDiagnostics, Unloaded, load};
use crate::markdown::{self, Collect, Fragment, InternalLink, RenderEnv, Rendered};
use crate::output::{self, NullSink, PageSink, Staging};
use crate::pages::{BookPages, FastMap, Generations, Page, settings_fingerprint};
use crate::print;
use crate::theme::Theme;

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The book's folder.
    pub root: PathBuf,
    /// Where to write the site; default: `output_dir` of `book.toml`.
    pub output: Option<PathBuf>,
    /// Include notes marked `draft = true`.
    pub drafts: bool,
}

/// A generated site in memory: output path -> bytes, sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Site {
    /// Every file of the site.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl PageSink for Mutex<Site> {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        if let Ok(mut site) = self.lock() {
            site.files.insert(path.to_string(), bytes);
        }
        Ok(())
    }
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Notes rendered.
    pub notes: usize,
    /// Sources.
    pub sources: usize,
    /// Citations checked.
    pub citations: usize,
    /// Quotations verified.
    pub quotations: usize,
    /// Files handed to the output.
    pub files: usize,
}

/// How long each phase took, for `--verbose`.
pub type Timings = Vec<(&'static str, Duration)>;

/// What a build produced.
pub struct Outcome {
    /// Every file read, to render diagnostics.
    pub files: SourceMap,
    /// Every error and warning.
    pub diagnostics: Diagnostics,
    /// Where the site was (or would have been) written.
    pub output_dir: PathBuf,
    /// Counts for the summary line.
    pub stats: Stats,
    /// Time per phase.
    pub timings: Timings,
    /// Whether the root is a book at all. When it is not, that is the one
    /// error, and nothing was read, rendered or written.
    pub is_book: bool,
    /// Everything else the build made (every note's rendering, the search
    /// index, the sources), kept so that freeing it is the caller's
    /// choice: it is tens of thousands of allocations, 30 to 50 ms to free
    /// at 10,000 notes, which a program about to exit need not spend (it
    /// can `std::mem::forget` the outcome).
    _retained: Box<Project>,
}

/// Told how a long build is going (a progress bar on a terminal).
pub trait Progress: Sync {
    /// A phase with `total` steps begins.
    fn start(&self, phase: &str, total: usize);
    /// One step is done.
    fn step(&self);
    /// The phase is over.
    fn finish(&self);
    /// The build waits for another that writes the same output folder
    /// (`message` says so, for a person); it builds when that one is done.
    fn waiting(&self, _message: &str) {}
}

/// No progress shown: for renders nobody watches (`check`, tests, a
/// library caller that has no terminal).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _phase: &str, _total: usize) {}
    fn step(&self) {}
    fn finish(&self) {}
}

/// A loaded book and what was rendered from it.
pub struct Project {
    options: BuildOptions,
    /// The book as loaded.
    pub book: Book,
    load_diagnostics: LoadDiagnostics,
    theme: Result<Theme, Vec<Diagnostic>>,
    theme_generation: u64,
    /// The theme generation whose static files were last handed over.
    assets_generation: u64,
    next_generation: u64,
    notes: FastMap<String, (u64, Arc<Rendered>)>,
    intro: Option<Arc<Rendered>>,
    glossary: Option<Arc<Vec<Rendered>>>,
    chronology: Option<Arc<Vec<Rendered>>>,
    generations: Generations,
    fingerprints: FastMap<String, u64>,
    /// Write each note's page as soon as it is rendered and forget its HTML
    /// (one-shot builds; `serve` keeps everything to rebuild from).
    stream_pages: bool,
    /// Each glossary term's short definition, for link previews.
    term_previews: Option<Arc<Vec<String>>>,
    /// The search index, kept so that `serve` updates it instead of
    /// building it again (src/search.rs).
    search: crate::search::SearchIndex,
    /// Whether renders make the search index (`check` writes nothing, so
    /// it skips that second of a 10,000-note book).
    make_search: bool,
    /// What a streaming render does about the print edition (`build`
    /// writes it, `check` renders its template); `serve` makes it on
    /// request ([`Project::render_print`]).
    print_mode: print::Mode,
    /// What the last editor's report found, for the next (`report = true`).
    report_cache: crate::report::Cache,
    /// Whether renders collect what the editor's report needs even without
    /// `report = true` (`check --report`).
    make_report: bool,
    /// Where the 404 page links from instead of `site_url`: `/` under
    /// `serve` ([`Project::serve_from_root`]).
    not_found_root: Option<&'static str>,
}

/// What one render of a project produced.
pub struct Render {
    /// Every error and warning.
    pub diagnostics: Diagnostics,
    /// Counts.
    pub stats: Stats,
    /// Time per phase.
    pub timings: Timings,
    /// The paths of the pages handed to the sink (all of them, or the changed ones).
    pub written: Vec<String>,
    /// Every path the site has now.
    pub all_paths: Vec<String>,
}

impl Project {
    /// Loads the book.
    pub fn load(options: BuildOptions) -> Project {
        let (book, load_diagnostics) = load(&options.root, options.drafts);
        let theme = Theme::load(&book.root, &book.config.theme);
        Project {
            options,
            book,
            load_diagnostics,
            theme,
            theme_generation: 1,
            assets_generation: 0,
            next_generation: 1,
            notes: FastMap::default(),
            intro: None,
            glossary: None,
            chronology: None,
            generations: Generations::default(),
            fingerprints: FastMap::default(),
            stream_pages: false,
            term_previews: None,
            search: crate::search::SearchIndex::default(),
            make_search: true,
            print_mode: print::Mode::Off,
            report_cache: crate::report::Cache::default(),
            make_report: false,
            not_found_root: None,
        }
    }

    /// The site will be served from the root of its host, as `serve` does:
    /// the 404 page, which a server returns for any missing address, links
    /// from `/`, whatever `site_url` says.
    pub fn serve_from_root(&mut self) {
        self.not_found_root = Some("/");
    }

    /// Where the site goes.
    pub fn output_dir(&self) -> PathBuf {
        self.options
            .output
            .clone()
            .unwrap_or_else(|| self.options.root.join(&self.book.config.output_dir))
    }

    /// Every file read, for rendering diagnostics.
    pub fn files(&self) -> &SourceMap {
        &self.book.files
    }

    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    fn forget_markdown(&mut self) {
        self.term_previews = None;
        self.notes.clear();
        self.intro = None;
        self.glossary = None;
        self.chronology = None;
    }

    /// Takes changed files (edited, created or deleted) and forgets what
    /// depended on them.
    pub fn reload(&mut self, paths: &[PathBuf]) {
        let mut reload_theme = false;
        for path in paths {
            match self.book.reload(path, &mut self.load_diagnostics) {
                Change::Note(note) => {
                    if note == "index.md" {
                        self.intro = None;
                    }
                    self.notes.remove(&note);
                }
                Change::Source(ids) if !matches!(ids.as_slice(), [before, after] if before == after) =>
                {
                    // A source added, removed or given another id: every
                    // rendering holds citations by source index, which the
                    // sources' order by id may have shifted.
                    self.forget_markdown();
                    self.generations.sources = self.generation();
                }
                Change::Source(ids) => {
                    // Every citation into the source is checked again.
                    let book = &self.book;
                    self.notes.retain(|path, _| {
                        let Some(note) = book.notes.iter().find(|n| &n.path == path) else {
                            return false;
                        };
                        let text = book.files.text(note.file);
                        !ids.iter().any(|id| text.contains(&format!("@{id}")))
                    });
                    self.intro = None;
                    self.glossary = None;
                    self.chronology = None;
                    self.generations.sources = self.generation();
                }
                Change::Glossary => {
                    self.forget_markdown();
                }
                Change::Chronology => {
                    self.chronology = None;
                }
                Change::Config => {
                    self.forget_markdown();
                    reload_theme = true;
                }
                Change::Other => reload_theme = true,
            }
        }
        if reload_theme {
            self.theme = Theme::load(&self.book.root, &self.book.config.theme);
            self.theme_generation += 1;
        }
    }

    /// Renders the book into `sink`: every page, or (`only_changed`) only the
    /// pages whose inputs changed since the last render. Pages are handed
    /// over only if the whole book has no error.
    pub fn render(
        &mut self,
        sink: &dyn PageSink,
        only_changed: bool,
        progress: &dyn Progress,
    ) -> Render {
        let mut timings = Timings::new();
        let mut diagnostics = Diagnostics::new();
        // What reading the files found comes first: a file that did not
        // load may be why other errors are missing (`unloaded`).
        for list in self.load_diagnostics.values() {
            diagnostics.extend_causes(list.iter().cloned());
        }
        match &self.theme {
            Ok(theme) => diagnostics.extend_causes(theme.warnings.iter().cloned()),
            Err(errors) => diagnostics.extend_causes(errors.iter().cloned()),
        }
        let unloaded = self.book.unloaded(&self.load_diagnostics);
        let mut stats = Stats {
            notes: self.book.notes.len(),
            sources: self.book.sources.sources.len(),
            ..Stats::default()
        };

        // 1. Markdown: what is not cached, in parallel.
        let started = Instant::now();
        let (streamed, print_stream) = self.render_markdown(
            progress,
            if self.stream_pages { Some(sink) } else { None },
            &unloaded,
        );
        timings.push(("markdown", started.elapsed()));

        let started = Instant::now();
        let notes = self.rendered_notes();
        let intro = self.intro.clone();
        let glossary = self.glossary.clone().unwrap_or_default();
        let chronology = self.chronology.clone().unwrap_or_default();
        let all_rendered = || {
            notes
                .iter()
                .map(|r| &**r)
                .chain(intro.as_deref())
                .chain(glossary.iter())
                .chain(chronology.iter())
        };
        for r in all_rendered() {
            diagnostics.extend(r.diagnostics.iter().cloned());
        }
        let unattributed = self.book.config.unattributed_quotations;
        if unattributed != crate::config::Unattributed::Allow {
            for q in all_rendered().flat_map(|r| &r.unattributed) {
                diagnostics.push(unattributed_quotation(q, unattributed));
            }
        }

        // 2. Links between pages.
        let anchors = self.anchors(&notes, intro.as_deref());
        for r in all_rendered() {
            for link in &r.links {
                if let Some(d) = check_link(link, &anchors, &unloaded) {
                    diagnostics.push(d);
                }
            }
        }
        diagnostics.extend(crate::sitepath::collisions(
            &self.book,
            self.theme.as_ref().ok().map(|t| t.static_files.as_slice()),
        ));
        stats.citations = all_rendered().map(|r| r.citations.len()).sum();
        stats.quotations = all_rendered()
            .flat_map(|r| &r.citations)
            .map(|c| c.cite.quotes.len())
            .sum();
        timings.push(("links", started.elapsed()));
        let theme = match (&self.theme, diagnostics.has_errors()) {
            (Ok(theme), false) => theme,
            _ => {
                return Render {
                    diagnostics,
                    stats,
                    timings,
                    written: Vec::new(),
                    all_paths: Vec::new(),
                };
            }
        };

        // 3. Pages whose inputs changed, in parallel.
        let started = Instant::now();
        let mut pages =
            BookPages::new(&self.book, &notes, intro.as_deref(), &glossary, &chronology);
        pages.not_found_root = self.not_found_root;
        let settings = settings_fingerprint(&self.book, self.theme_generation);
        let all = pages.all();
        let mut due: Vec<(Page, String, u64)> = Vec::with_capacity(all.len());
        let mut all_paths = Vec::with_capacity(all.len() + theme.static_files.len() + 1);
        // Fingerprinting every page is most of a one-note edit in a big
        // book: in parallel.
        let generations = &self.generations;
        let fingerprinted: Vec<(Page, String, u64)> = all
            .into_par_iter()
            .map(|page| {
                let fingerprint = pages.fingerprint(page, generations) ^ settings;
                (page, pages.path(page), fingerprint)
            })
            .collect();
        for (page, path, fingerprint) in fingerprinted {
            if !streamed.is_empty() && streamed.contains(&path) {
                self.fingerprints.insert(path.clone(), fingerprint);
            } else if !only_changed || self.fingerprints.get(&path) != Some(&fingerprint) {
                due.push((page, path.clone(), fingerprint));
            }
            all_paths.push(path);
        }
        let fingerprinting = started.elapsed();
        // The pages, the search index and the end of the print edition are
        // made side by side. The pages and the index share the thread pool,
        // each filling the other's gaps (the index works through the notes
        // in batches, with a little serial work after each); the print
        // edition, whose articles are already written, renders the rest of
        // its page on a thread of its own. (`check` renders only the print
        // page's template: the articles cannot fail.)
        let print_due = self.stream_pages
            && self.print_mode != print::Mode::Off
            && self.book.config.print
            && !diagnostics.has_errors();
        let make_search = self.make_search && self.book.config.search;
        if !self.book.config.search {
            // `search = false` under `serve`: the index's files leave the
            // site, so should search be turned on again, all are written.
            self.search = crate::search::SearchIndex::default();
        }
        let book = &self.book;
        let search = &mut self.search;
        let sources_generation = self.generations.sources;
        let stream_pages = self.stream_pages;
        let pages = &pages;
        let (page_results, index, printed) = std::thread::scope(|scope| {
            // ---- Print edition (print.rs): the page around the notes,
            // with the articles made as the notes were streamed in step 1.
            let print_job = print_due.then(|| {
                let (notes, intro, glossary, chronology) =
                    (&notes, intro.as_deref(), &glossary, &chronology);
                scope.spawn(move || {
                    let started = Instant::now();
                    let input = print::Input {
                        book,
                        notes,
                        intro,
                        glossary,
                        chronology,
                    };
                    let (layout, stream) = match print_stream {
                        Some((layout, stream)) => (layout, Some(stream)),
                        None => (print::Layout::new(book), None),
                    };
                    let result = print::write(&input, &layout, theme, stream, sink);
                    (result, started.elapsed())
                })
            });
            let render_pages = || {
                let started = Instant::now();
                progress.start("pages", due.len());
                let results: Vec<(String, u64, Result<(), Diagnostic>)> = due
                    .into_par_iter()
                    .map(|(page, path, fingerprint)| {
                        let result = pages.render(page, theme).and_then(|html| {
                            sink.put(&path, html).map_err(|e| {
                                Diagnostic::global(format!("cannot write {path}: {e}"))
                            })
                        });
                        progress.step();
                        (path, fingerprint, result)
                    })
                    .collect();
                progress.finish();
                (results, started.elapsed())
            };
            // ---- The search index (src/search.rs): its files under search/.
            let make_index = || {
                make_search.then(|| {
                    let started = Instant::now();
                    let index = search.write(
                        &crate::search::Input {
                            book,
                            notes: &notes,
                            intro: intro.as_ref(),
                            glossary: &glossary,
                            chronology: &chronology,
                            sources_generation,
                            static_files: &theme.static_files,
                            only_changed,
                            keep: !stream_pages,
                        },
                        sink,
                    );
                    (index, started.elapsed())
                })
            };
            let (page_results, index) = rayon::join(render_pages, make_index);
            let printed = print_job.map(|job| match job.join() {
                Ok(printed) => printed,
                Err(panic) => std::panic::resume_unwind(panic),
            });
            (page_results, index, printed)
        });
        let (results, took) = page_results;
        let mut written = Vec::with_capacity(results.len());
        for (path, fingerprint, result) in results {
            match result {
                Ok(()) => {
                    self.fingerprints.insert(path.clone(), fingerprint);
                    written.push(path);
                }
                Err(d) => diagnostics.push(d),
            }
        }
        timings.push(("pages", took + fingerprinting));
        // The static files last. None has the path of a page (that is an
        // error, `sitepath::collisions`), but one may have the path of a
        // file of the search index, which then leaves it alone with a
        // warning.
        if !only_changed || self.assets_generation != self.theme_generation {
            for (path, bytes) in &theme.static_files {
                if let Err(e) = sink.put(path, bytes.clone()) {
                    diagnostics.push(Diagnostic::global(format!("cannot write {path}: {e}")));
                }
                written.push(path.clone());
            }
            if let Err(e) = sink.put("highlight.css", highlight::stylesheet().as_bytes().to_vec()) {
                diagnostics.push(Diagnostic::global(format!(
                    "cannot write highlight.css: {e}"
                )));
            }
            written.push("highlight.css".into());
            self.assets_generation = self.theme_generation;
        }
        all_paths.extend(theme.static_files.iter().map(|(p, _)| p.clone()));
        all_paths.push("highlight.css".into());
        if let Some((index, took)) = index {
            diagnostics.extend(index.diagnostics);
            written.extend(index.written);
            all_paths.extend(index.paths);
            timings.push(("search", took));
        }
        if let Some((result, took)) = printed {
            match result {
                Ok(true) => {
                    written.push(print::PAGE.into());
                    all_paths.push(print::PAGE.into());
                }
                Ok(false) => {}
                Err(d) => diagnostics.push(d),
            }
            timings.push(("print", took));
        }
        // ---- End of the search index and the print edition.

        // ---- The editor's report (report.rs): `report.html`, only with
        // `report = true`, so that a normal build does none of its work.
        if self.book.config.report && !diagnostics.has_errors() {
            let started = Instant::now();
            let path = crate::report::PAGE.to_string();
            if theme.tera.get_template_names().any(|name| name == path) {
                let renderings = crate::report::Renderings {
                    notes: &notes,
                    intro: intro.as_deref(),
                    glossary: &glossary,
                    chronology: &chronology,
                };
                // `serve` renders after every edit, so it keeps each note's
                // findings and analyses again only what changed; a one-shot
                // build renders once and keeps nothing.
                let analysis = if self.stream_pages {
                    crate::report::Analysis::once(&self.book, &renderings)
                } else {
                    crate::report::Analysis::cached(
                        &self.book,
                        &renderings,
                        &mut self.report_cache,
                        &self.generations,
                    )
                };
                let fingerprint = analysis.fingerprint() ^ settings;
                if !only_changed || self.fingerprints.get(&path) != Some(&fingerprint) {
                    let result = analysis.report().page(&self.book, theme).and_then(|html| {
                        sink.put(&path, html.into_bytes())
                            .map_err(|e| Diagnostic::global(format!("cannot write {path}: {e}")))
                    });
                    match result {
                        Ok(()) => {
                            self.fingerprints.insert(path.clone(), fingerprint);
                            written.push(path.clone());
                        }
                        Err(d) => diagnostics.push(d),
                    }
                }
                all_paths.push(path);
            } else {
                diagnostics.push(
                    Diagnostic::global(format!(
                        "theme `{}` has no template `{path}`, which `report = true` needs",
                        self.book.config.theme
                    ))
                    .with_help("add report.html to the theme or to templates/, or remove `report = true` from content/book.toml"),
                );
            }
            timings.push(("report", started.elapsed()));
        }
        // ---- End of the editor's report.

        all_paths.sort();
        stats.files = all_paths.len();
        Render {
            diagnostics,
            stats,
            timings,
            written,
            all_paths,
        }
    }

    /// Renders the Markdown that is not cached. With `stream`, each note's
    /// page is rendered and handed over at once and its HTML dropped, so a
    /// one-shot build never holds every page in memory; returns the paths of
    /// the pages so written, and the print edition, whose opening and
    /// articles are then written too, for [`print::write`] to end.
    fn render_markdown<'s>(
        &mut self,
        progress: &dyn Progress,
        stream: Option<&'s dyn PageSink>,
        unloaded: &Unloaded,
    ) -> (HashSet<String>, Option<(print::Layout, print::Stream<'s>)>) {
        let autolinker = if self.book.config.autolink_glossary {
            Autolinker::new(&self.book.glossary)
        } else {
            None
        };
        let book = &self.book;
        let definitions = || {
            book.glossary
                .terms
                .iter()
                .map(|t| (t.definition.as_str(), &t.definition_at))
        };
        // A term's preview is its definition's plain text, which rendering
        // the definition gives; and a definition that refers to a term
        // shows that term's preview. So when the previews are not known,
        // the definitions are rendered first without them, and those that
        // refer to a term once more when they are known.
        let mut early_glossary = None;
        if self.term_previews.is_none() {
            let env = RenderEnv {
                sources: &book.sources,
                glossary: &book.glossary,
                autolink: None,
                term_previews: &[],
                unloaded,
            };
            let file = book.glossary.file;
            let mut rendered = render_page_fragments(&env, file, definitions(), "glossary.html");
            let previews = markdown::term_previews(&rendered);
            let env = RenderEnv {
                term_previews: &previews,
                ..env
            };
            render_again_referring(&env, file, definitions(), "glossary.html", &mut rendered);
            self.term_previews = Some(Arc::new(previews));
            early_glossary = Some(Arc::new(rendered));
        }
        let previews = self.term_previews.clone().unwrap_or_default();
        let env = RenderEnv {
            sources: &book.sources,
            glossary: &book.glossary,
            autolink: autolinker.as_ref(),
            term_previews: &previews,
            unloaded,
        };
        // What the stages after this one take from each page's text: the
        // search index its sections, the editor's report a note's units.
        let sections = self.make_search && book.config.search;
        let units = book.config.report || self.make_report;
        // (`units`: the introduction is not analysed for the report.)
        let render_note = |note: &crate::note::Note, page: &str, units: bool| {
            let text = book.files.text(note.file);
            markdown::render(
                &env,
                &Fragment {
                    file: note.file,
                    text: &text[note.body.clone()],
                    offset: note.body_offset,
                    page,
                    base_dir: note.section().unwrap_or(""),
                    first_footnote: 1,
                    autolink: true,
                    escapes: None,
                    collect: Collect::Page {
                        sections,
                        title_in_body: note.title_in_body,
                        units,
                    },
                },
            )
        };
        // By index: a one-note edit must not build maps over the whole book.
        let missing: Vec<usize> = (0..book.notes.len())
            .filter(|&i| !self.notes.contains_key(&book.notes[i].path))
            .collect();
        progress.start("notes", missing.len());
        let theme = self.theme.as_ref().ok();
        // The print edition's articles are made from each note's HTML
        // before it is dropped, and written into the page as they come
        // (print.rs).
        let print = stream
            .filter(|_| {
                self.print_mode == print::Mode::Write
                    && book.config.print
                    && theme.is_some_and(print::has_template)
            })
            .map(|sink| (print::Layout::new(book), print::Stream::new(sink)));
        let render_notes = || -> Vec<(String, Option<String>, Rendered)> {
            // Every note's article comes (a one-shot build renders them
            // all), so a thread far ahead may wait for those before it.
            let bounded = missing.len() == book.notes.len();
            map_in_order(&missing, |&i| {
                if let (Some((_, print)), true) = (&print, bounded) {
                    // Not too far ahead of the print edition
                    // (print::WAITING_BYTES).
                    print.wait_for_room(i);
                }
                let note = &book.notes[i];
                let mut rendered = render_note(note, &note.page, units);
                let mut written = None;
                if let (Some(sink), Some(theme)) = (stream, theme) {
                    let result =
                        crate::pages::note_page(book, i, &rendered, theme).and_then(|html| {
                            sink.put(&note.page, html).map_err(|e| {
                                Diagnostic::global(format!("cannot write {}: {e}", note.page))
                            })
                        });
                    match result {
                        Ok(()) => written = Some(note.page.clone()),
                        Err(d) => rendered.diagnostics.push(d),
                    }
                    if let Some((layout, print)) = &print {
                        print.put(i, print::note_article(book, i, &rendered, layout));
                    }
                    rendered.html = String::new();
                    rendered.footnotes = Vec::new();
                }
                progress.step();
                (note.path.clone(), written, rendered)
            })
        };
        // The introduction, glossary and chronology are rendered beside the
        // notes: each is a few hundred fragments numbered one after the
        // other, on one thread.
        let (need_glossary, need_chronology) = (self.glossary.is_none(), self.chronology.is_none());
        // The print edition's opening needs the introduction, and the
        // articles wait for the opening: both come first.
        let render_intro = || {
            let fresh = match (&self.intro, &book.intro) {
                (None, Some(note)) => Some(Arc::new(render_note(note, "index.html", false))),
                _ => None,
            };
            if let (Some((layout, print)), Some(theme)) = (&print, theme) {
                let intro = fresh.as_deref().or(self.intro.as_deref());
                print.put_head(print::head(book, intro, layout, theme));
            }
            fresh
        };
        let render_glossary = || {
            early_glossary.or_else(|| {
                need_glossary.then(|| {
                    Arc::new(render_page_fragments(
                        &env,
                        book.glossary.file,
                        definitions(),
                        "glossary.html",
                    ))
                })
            })
        };
        let render_chronology = || {
            need_chronology.then(|| {
                let bodies = book
                    .chronology
                    .events
                    .iter()
                    .map(|e| (e.body.as_str(), &e.body_at));
                Arc::new(render_page_fragments(
                    &env,
                    book.chronology.file,
                    bodies,
                    "chronology.html",
                ))
            })
        };
        let ((intro, (glossary, chronology)), fresh) = rayon::join(
            || {
                rayon::join(render_intro, || {
                    rayon::join(render_glossary, render_chronology)
                })
            },
            render_notes,
        );
        progress.finish();

        // Every note still present but not rendered now is cached, so the
        // cache holds deleted notes exactly when it is larger than that.
        if self.notes.len() + fresh.len() > self.book.notes.len() {
            let present: HashSet<&str> = self.book.notes.iter().map(|n| n.path.as_str()).collect();
            self.notes.retain(|path, _| present.contains(path.as_str()));
            self.generations
                .notes
                .retain(|path, _| present.contains(path.as_str()));
        }
        let mut streamed = HashSet::new();
        for (path, written, rendered) in fresh {
            streamed.extend(written);
            let generation = self.generation();
            self.generations.notes.insert(path.clone(), generation);
            self.notes.insert(path, (generation, Arc::new(rendered)));
        }
        if let Some(intro) = intro {
            self.intro = Some(intro);
            self.generations.intro = self.generation();
        } else if self.book.intro.is_none() && self.intro.is_some() {
            self.intro = None;
            self.generations.intro = self.generation();
        }
        if let Some(glossary) = glossary {
            self.glossary = Some(glossary);
            self.generations.glossary = self.generation();
        }
        if let Some(chronology) = chronology {
            self.chronology = Some(chronology);
            self.generations.chronology = self.generation();
        }
        (streamed, print)
    }

    /// Renders the print edition (`print.html`) into `sink` from what the
    /// last render kept. `serve` calls it only when the page is asked for:
    /// the whole book on one page is not worth making again on every edit.
    /// Call it after a render without errors. Returns false, writing
    /// nothing, when the book turns the print edition off, the theme has no
    /// `print.html`, or the notes' HTML was not kept (one-shot builds make
    /// the page as they go).
    pub fn render_print(&self, sink: &dyn PageSink) -> Result<bool, Diagnostic> {
        let Ok(theme) = &self.theme else {
            return Ok(false);
        };
        if self.stream_pages || !self.book.config.print {
            return Ok(false);
        }
        let notes = self.rendered_notes();
        let glossary = self.glossary.clone().unwrap_or_default();
        let chronology = self.chronology.clone().unwrap_or_default();
        let input = print::Input {
            book: &self.book,
            notes: &notes,
            intro: self.intro.as_deref(),
            glossary: &glossary,
            chronology: &chronology,
        };
        print::write(&input, &print::Layout::new(&self.book), theme, None, sink)
    }

    /// The editor's report on the book as last rendered, errors and all
    /// (see [`crate::report`]). Call it after [`Project::render`], of a
    /// project whose renders collect what the report needs (`report = true`
    /// in `book.toml`, or `check --report`): the notes' units come from
    /// their rendering.
    pub fn report(&self) -> crate::report::Report {
        let notes = self.rendered_notes();
        crate::report::Report::new(
            &self.book,
            &notes,
            self.intro.as_deref(),
            self.glossary.as_deref().map_or(&[], Vec::as_slice),
            self.chronology.as_deref().map_or(&[], Vec::as_slice),
        )
    }

    /// Each note's rendering, in reading order (empty for a note not
    /// rendered).
    fn rendered_notes(&self) -> Vec<Arc<Rendered>> {
        self.book
            .notes
            .iter()
            .map(|n| {
                self.notes
                    .get(&n.path)
                    .map(|(_, r)| r.clone())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// What each `.md` link target is, to check links against.
    fn anchors<'a>(
        &'a self,
        notes: &'a [Arc<Rendered>],
        intro: Option<&'a Rendered>,
    ) -> FastMap<&'a str, Anchors<'a>> {
        let mut anchors: FastMap<&str, Anchors<'a>> = FastMap::default();
        anchors.reserve(notes.len() + 3);
        for (note, r) in self.book.notes.iter().zip(notes) {
            anchors.insert(&note.path, Anchors::Headings(&r.headings));
        }
        anchors.insert(
            "index.md",
            Anchors::Headings(intro.map(|r| r.headings.as_slice()).unwrap_or_default()),
        );
        anchors.entry("glossary.md").or_insert_with(|| {
            Anchors::Ids(
                self.book
                    .glossary
                    .terms
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect(),
            )
        });
        anchors.entry("chronology.md").or_insert_with(|| {
            Anchors::Ids(
                self.book
                    .chronology
                    .events
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect(),
            )
        });
        anchors
    }
}

/// The ids a link target has: a note's headings (a few, searched in
/// order, so that a one-note edit builds no set per note), or a set.
enum Anchors<'a> {
    Headings(&'a [markdown::Heading]),
    Ids(HashSet<&'a str>),
}

impl<'a> Anchors<'a> {
    fn contains(&self, id: &str) -> bool {
        match self {
            Anchors::Headings(headings) => headings.iter().any(|h| h.id == id),
            Anchors::Ids(ids) => ids.contains(id),
        }
    }

    fn ids(&self) -> Vec<&'a str> {
        match self {
            Anchors::Headings(headings) => headings.iter().map(|h| h.id.as_str()).collect(),
            Anchors::Ids(ids) => ids.iter().copied().collect(),
        }
    }
}

/// Checks that `root` is a book and that the output folder cannot overwrite
/// it: the output may not be the book's folder, contain it, lie inside
/// the folders the book is read from, or be a file (see [`check_output`]).
pub fn check_paths(root: &Path, output: &Path) -> Result<(), Diagnostic> {
    check_root(root)?;
    check_output(root, output).map(|_| ())
}

/// Checks that `root` is a book: a folder with `content/` or `seeds/`.
pub fn check_root(root: &Path) -> Result<(), Diagnostic> {
    let not_a_folder = || {
        Diagnostic::global(format!("{} is not a folder", root.display())).with_help(
            "give the book's folder with --root (the folder that holds content/ and seeds/)",
        )
    };
    let resolved = output::resolve(root).map_err(|_| not_a_folder())?;
    if !resolved.is_dir() {
        return Err(not_a_folder());
    }
    if !resolved.join("content").is_dir() && !resolved.join("seeds").is_dir() {
        return Err(Diagnostic::global(format!("{} is not a book: it has no content/ or seeds/ folder", root.display()))
            .with_help("run briefbook in the book's folder, give it with --root, or create a book with `briefbook new DIR`"));
    }
    Ok(())
}

/// The folders of a book that it is read from (and `.git`, its history):
/// the output may not be one of them or lie inside one.
const BOOK_FOLDERS: [&str; 6] = ["content", "seeds", "themes", "templates", "static", ".git"];

/// Checks that the output folder cannot overwrite the book at `root`
/// (`build` and `check` have asked [`check_root`] already) and returns it
/// [`output::resolve`]d, the path to write to: checked and written alike,
/// a path through a missing folder (`nonexist/../content`) or a symbolic
/// link cannot lead a build somewhere the check did not look.
///
/// Refused: the book's folder and every folder above it, the folders the
/// book is read from and anything inside them, and a file. `--force`
/// overrides none of this.
pub fn check_output(root: &Path, output: &Path) -> Result<PathBuf, Diagnostic> {
    const HELP: &str = "choose another --output (or `output_dir` in content/book.toml), e.g. the default output/ (--force never allows this one)";
    let cannot = |e: std::io::Error| {
        Diagnostic::global(format!(
            "cannot write the site to {}: {e}",
            output.display()
        ))
        .with_help(HELP)
    };
    let root = output::resolve(root).map_err(cannot)?;
    let resolved = output::resolve(output).map_err(cannot)?;
    let refuse = |why: String| {
        Err(Diagnostic::global(format!(
            "refusing to write the site to {}: {why}",
            resolved.display()
        ))
        .with_help(HELP))
    };
    if resolved == root {
        return refuse("it is the book's own folder".into());
    }
    if root.starts_with(&resolved) {
        return refuse("it is a folder above the book: replacing it would delete the book".into());
    }
    for folder in BOOK_FOLDERS {
        let inside = root.join(folder);
        if resolved == inside {
            return refuse(format!("it is the book's {folder}/ folder"));
        }
        if resolved.starts_with(&inside) {
            return refuse(format!("it is inside the book's {folder}/ folder"));
        }
    }
    if std::fs::metadata(&resolved).is_ok_and(|m| !m.is_dir()) {
        return Err(Diagnostic::global(format!(
            "refusing to write the site to {}: it is a file, not a folder",
            resolved.display()
        ))
        .with_help("give a folder: a new one, an empty one, or one briefbook built before"));
    }
    Ok(resolved)
}

/// [`check_output`] for the output folder of `project`; and when it comes
/// from `output_dir` in `book.toml` rather than from `--output`, it must
/// also stay inside the book's folder. A book's settings never write
/// outside it, as they never read outside it (`theme`): a cloned book must
/// not be able to put files of its choosing in a new or empty folder
/// elsewhere (`~/.config/autostart/`, say), by a path or through a
/// symbolic link it ships. Writing elsewhere takes `--output`.
fn check_project_output(project: &Project) -> Result<PathBuf, Diagnostic> {
    let root = &project.options.root;
    let resolved = check_output(root, &project.output_dir())?;
    if project.options.output.is_some() {
        return Ok(resolved);
    }
    let book = output::resolve(root).unwrap_or_else(|_| root.clone());
    if resolved.starts_with(&book) {
        return Ok(resolved);
    }
    Err(Diagnostic::global(format!(
        "refusing to write the site to {}: `output_dir` in content/book.toml leads outside the book's folder",
        resolved.display()
    ))
    .with_help(
        "a book's settings never write outside its folder: give a folder inside the book as `output_dir`, or choose where to build with `briefbook build --output DIR`",
    ))
}

/// The warning or error of a quotation in prose that no citation follows,
/// when `unattributed_quotations` in `book.toml` asks for one.
fn unattributed_quotation(
    q: &crate::prose::Unattributed,
    kind: crate::config::Unattributed,
) -> Diagnostic {
    let message = "a quotation that no citation follows in its paragraph";
    let d = if kind == crate::config::Unattributed::Error {
        Diagnostic::error(q.file, q.span.clone(), message)
    } else {
        Diagnostic::warning(q.file, q.span.clone(), message)
    };
    d.with_label("unattributed quotation").with_help(
        "cite its source after it in the same paragraph (`\"words\" [@source#p3]`); if it is not a quotation (a scare quote, a title), write its marks as `\\\"`",
    )
}

/// Renders the Markdown fragments that share one page (glossary
/// definitions, chronology bodies), numbering their footnotes across it.
fn render_page_fragments<'t>(
    env: &RenderEnv<'_>,
    file: Option<crate::diagnostics::FileId>,
    fragments: impl Iterator<Item = (&'t str, &'t crate::tomlstr::StringPosition)>,
    page: &str,
) -> Vec<Rendered> {
    let Some(file) = file else { return Vec::new() };
    let mut next = 1;
    fragments
        .map(|(text, at)| {
            let rendered = markdown::render(env, &page_fragment(file, text, at, page, next));
            next += rendered.footnotes.len();
            rendered
        })
        .collect()
}

/// Renders again the fragments whose rendering (`rendered`, from
/// [`render_page_fragments`] with another `env`) refers to a glossary
/// term: glossary definitions rendered before the terms' previews were
/// known. Their footnotes keep their numbers.
fn render_again_referring<'t>(
    env: &RenderEnv<'_>,
    file: Option<crate::diagnostics::FileId>,
    fragments: impl Iterator<Item = (&'t str, &'t crate::tomlstr::StringPosition)>,
    page: &str,
    rendered: &mut [Rendered],
) {
    let Some(file) = file else { return };
    let mut next = 1;
    for ((text, at), r) in fragments.zip(rendered) {
        let first = next;
        next += r.footnotes.len();
        if !r.terms.is_empty() {
            *r = markdown::render(env, &page_fragment(file, text, at, page, first));
        }
    }
}

/// A glossary definition or an event body to render.
fn page_fragment<'t>(
    file: crate::diagnostics::FileId,
    text: &'t str,
    at: &'t crate::tomlstr::StringPosition,
    page: &'t str,
    first_footnote: usize,
) -> Fragment<'t> {
    Fragment {
        file,
        text,
        offset: at.offset,
        page,
        base_dir: "",
        first_footnote,
        autolink: false,
        escapes: Some(at),
        collect: Collect::Plain,
    }
}

/// Loads, resolves and renders a book into memory, writing nothing. The
/// print edition is left out, as `serve` leaves it out of its renders
/// (it makes it on request), so that this equals an incremental render.
pub fn render_book(options: &BuildOptions) -> (Outcome, Option<Site>) {
    let mut project = Project::load(options.clone());
    project.stream_pages = true;
    let sink = Mutex::new(Site::default());
    let render = project.render(&sink, false, &Silent);
    let site = sink
        .into_inner()
        .ok()
        .filter(|_| !render.diagnostics.has_errors());
    (finish(project, render), site)
}

/// Checks a book as `build` would, writing nothing.
pub fn check(options: &BuildOptions) -> Outcome {
    check_with(options, false).0
}

/// [`check`], and the editor's report on the book as it stands, made even
/// when the book has errors (`briefbook check --report`).
pub fn check_with_report(options: &BuildOptions) -> (Outcome, crate::report::Report) {
    let (outcome, report) = check_with(options, true);
    (outcome, report.unwrap_or_default())
}

/// [`check`], with the editor's report if `report`.
fn check_with(options: &BuildOptions, report: bool) -> (Outcome, Option<crate::report::Report>) {
    let resolved = match resolved_book(options) {
        Ok(resolved) => resolved,
        Err(outcome) => return (*outcome, None),
    };
    let started = Instant::now();
    let mut project = Project::load(resolved);
    project.stream_pages = true;
    project.make_search = false;
    project.make_report = report;
    project.print_mode = print::Mode::Check;
    let load_time = started.elapsed();
    let mut render = project.render(&NullSink, false, &Silent);
    render.timings.insert(0, ("load", load_time));
    if let Err(d) = check_project_output(&project) {
        render.diagnostics.push(d);
    }
    let report = report.then(|| {
        let started = Instant::now();
        let report = project.report();
        render.timings.push(("report", started.elapsed()));
        report
    });
    (finish_as(project, render, options), report)
}

/// Builds a book and, if it has no error, replaces the output folder with
/// the new site.
pub fn build(options: &BuildOptions) -> Outcome {
    build_with_progress(options, &Silent)
}

/// [`build`], reporting progress.
pub fn build_with_progress(options: &BuildOptions, progress: &dyn Progress) -> Outcome {
    build_replacing(options, Replace::OnlyOurs, progress)
}

/// Which existing output folder a build may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replace {
    /// A missing or empty folder, or a site briefbook built (it carries
    /// [`output::MARKER`]): never a folder of someone's files.
    #[default]
    OnlyOurs,
    /// Any folder, and everything in it (`build --force`). The output still
    /// may not be the book, above it, inside its sources, or a file.
    Anything,
}

/// [`build`], replacing what `replace` allows, reporting progress.
///
/// Builds of the same output folder take turns ([`output::OutputLock`]):
/// one that has to wait says so through [`Progress::waiting`], then
/// builds. Holding the lock, a build first removes what killed builds left
/// beside the output ([`output::clean_leftovers`]).
pub fn build_replacing(
    options: &BuildOptions,
    replace: Replace,
    progress: &dyn Progress,
) -> Outcome {
    let resolved = match resolved_book(options) {
        Ok(resolved) => resolved,
        Err(outcome) => return *outcome,
    };
    let started = Instant::now();
    let mut project = Project::load(resolved);
    project.stream_pages = true;
    project.print_mode = print::Mode::Write;
    let load_time = started.elapsed();
    let refused = |mut project: Project, d: Diagnostic| {
        let mut render = project.render(&NullSink, false, progress);
        render.diagnostics.push(d);
        finish_as(project, render, options)
    };
    let output_dir = match check_project_output(&project) {
        Ok(dir) => dir,
        Err(d) => return refused(project, d),
    };
    let (staging, warnings) = match claim_output(&output_dir, replace, progress, || {
        format!(
            "waiting for another build of {} writing {} to finish…",
            options.root.display(),
            output_dir.display()
        )
    }) {
        Ok(claimed) => claimed,
        Err(d) => return refused(project, d),
    };
    let mut render = project.render(&staging, false, progress);
    render.diagnostics.extend(warnings);
    render.timings.insert(0, ("load", load_time));
    let started = Instant::now();
    if render.diagnostics.has_errors() {
        staging.discard();
    } else if let Err(e) = staging.commit() {
        render.diagnostics.push(Diagnostic::global(format!(
            "cannot write the site to {}: {e}",
            output_dir.display()
        )));
    }
    render.timings.push(("write", started.elapsed()));
    finish_as(project, render, options)
}

/// Takes the output folder `dir` ([`check_output`]ed) for a build: its
/// lock, then, holding it, the leftovers of killed builds cleaned and the
/// folder's owner checked, and a staging folder made. Returns the staging
/// folder and warnings (a previous site put back).
fn claim_output(
    dir: &Path,
    replace: Replace,
    progress: &dyn Progress,
    waiting: impl FnOnce() -> String,
) -> Result<(Staging, Vec<Diagnostic>), Diagnostic> {
    let cannot =
        |e: std::io::Error| Diagnostic::global(format!("cannot write to {}: {e}", dir.display()));
    let lock = output::OutputLock::acquire(dir, || progress.waiting(&waiting())).map_err(cannot)?;
    let leftovers = output::clean_leftovers(dir).map_err(cannot)?;
    let mut warnings = Vec::new();
    if let Some(old) = leftovers.restored {
        warnings.push(Diagnostic {
            severity: crate::diagnostics::Severity::Warning,
            ..Diagnostic::global(format!(
                "a build was stopped while it replaced {}, leaving no site there: the previous site (left at {}) was put back first",
                dir.display(),
                old.display()
            ))
        });
    }
    if replace == Replace::OnlyOurs
        && output::existing(dir).map_err(cannot)? == output::Existing::Foreign
    {
        return Err(Diagnostic::global(format!(
            "refusing to replace {}: it holds files that briefbook did not write (it has no {} file)",
            dir.display(),
            output::MARKER
        ))
        .with_help("build into a new or empty folder, or pass --force to replace this folder and delete everything in it")
        .with_note(format!(
            "note: an output folder built by a briefbook older than the {} file has none either: build it once with --force",
            output::MARKER
        )));
    }
    let staging = Staging::new(lock).map_err(cannot)?;
    Ok((staging, warnings))
}

/// `options` with the book's folder [`output::resolve`]d, so that the book
/// read is the one the output is checked against; or, for a folder that
/// is not a book, the outcome that says so.
fn resolved_book(options: &BuildOptions) -> Result<BuildOptions, Box<Outcome>> {
    not_a_book(options)?;
    let root = output::resolve(&options.root).unwrap_or_else(|_| options.root.clone());
    Ok(BuildOptions {
        root,
        ..options.clone()
    })
}

/// The outcome of a command on a folder that is not a book: that error
/// alone, with nothing rendered or timed.
fn not_a_book(options: &BuildOptions) -> Result<(), Box<Outcome>> {
    let Err(d) = check_root(&options.root) else {
        return Ok(());
    };
    let mut diagnostics = Diagnostics::new();
    diagnostics.push(d);
    let render = Render {
        diagnostics,
        stats: Stats::default(),
        timings: Vec::new(),
        written: Vec::new(),
        all_paths: Vec::new(),
    };
    // There is nothing to read: the project is empty.
    let mut outcome = finish(Project::load(options.clone()), render);
    outcome.is_book = false;
    Err(Box::new(outcome))
}

/// [`finish`], naming the output folder as `options` (as the user gave
/// them, before [`resolved_book`]) do.
fn finish_as(project: Project, render: Render, options: &BuildOptions) -> Outcome {
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&project.book.config.output_dir));
    Outcome {
        output_dir,
        ..finish(project, render)
    }
}

fn finish(mut project: Project, render: Render) -> Outcome {
    let output_dir = project.output_dir();
    let files = std::mem::take(&mut project.book.files);
    Outcome {
        files,
        diagnostics: render.diagnostics,
        output_dir,
        stats: render.stats,
        timings: render.timings,
        is_book: true,
        _retained: Box::new(project),
    }
}

/// Checks one link against the pages and their anchors. A link into a
/// file that did not load is not checked: that file's own errors are
/// reported.
fn check_link(
    link: &InternalLink,
    anchors: &FastMap<&str, Anchors<'_>>,
    unloaded: &Unloaded,
) -> Option<Diagnostic> {
    let into_unloaded = match link.target.as_str() {
        "glossary.md" => unloaded.glossary,
        "chronology.md" => unloaded.chronology,
        target => unloaded.notes.contains(target),
    };
    if into_unloaded {
        return None;
    }
    let Some(ids) = anchors.get(link.target.as_str()) else {
        let mut d = Diagnostic::error(
            link.file,
            link.span.clone(),
            format!("link to a missing note `{}`", link.target),
        )
        .with_label("no such file under content/");
        if let Some(close) = did_you_mean(&link.target, anchors.keys().copied()) {
            d = d.with_help(format!(
                "did you mean `{close}`? (paths are relative to this note)"
            ));
        } else {
            d = d.with_help("links between notes are relative paths to `.md` files, e.g. `[see](../x/y.md#heading)`");
        }
        return Some(d);
    };
    let fragment = link.fragment.as_deref().filter(|f| !f.is_empty())?;
    if ids.contains(fragment) {
        return None;
    }
    let ids = ids.ids();
    let what = match link.target.as_str() {
        "chronology.md" => "event",
        "glossary.md" => "term",
        _ => "heading",
    };
    let mut d = Diagnostic::error(
        link.file,
        link.span.clone(),
        format!("`{}` has no {what} with the id `{fragment}`", link.target),
    )
    .with_label(format!("no such {what}"));
    if let Some(close) = did_you_mean(fragment, ids.iter().copied()) {
        d = d.with_help(format!("did you mean `#{close}`?"));
    }
    Some(d)
}

/// `f` of every item, on every thread of the pool, each thread taking the
/// next item not yet taken. Unlike a parallel iterator, which splits the
/// items in halves, this finishes them roughly in order: the print edition
/// writes each note's article as soon as those before it are written, so
/// few wait in memory.
fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, R)>> = (0..rayon::current_num_threads().max(1))
        .into_par_iter()
        .map(|_| {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else {
                    return done;
                };
                done.push((i, f(item)));
            }
        })
        .collect();
    let mut done: Vec<(usize, R)> = parts.into_iter().flatten().collect();
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_in_order_keeps_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let doubled = pool.install(|| map_in_order(&items, |&i| i * 2));
        assert_eq!(doubled, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[usize], |&i| i).is_empty());
    }

    /// A definition that refers to a term shows that term's preview, even
    /// one that refers back to it: the previews come from the definitions'
    /// own renderings.
    #[test]
    fn definitions_that_refer_to_each_other_carry_each_others_preview() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(
            content.join("glossary.toml"),
            "[[term]]\nname = \"Golan\"\ndefinition = \"A *plateau*; see [[Buffer]].\"\n\n\
             [[term]]\nname = \"Buffer\"\ndefinition = \"A strip `zone` near the [[Golan|heights]].\"\n",
        )
        .unwrap();
        std::fs::write(content.join("a.md"), "# A\n\nThe [[Golan]].\n").unwrap();
        let options = BuildOptions {
            root: dir.path().to_path_buf(),
            output: None,
            drafts: false,
        };
        let (outcome, site) = render_book(&options);
        assert!(!outcome.diagnostics.has_errors());
        let site = site.unwrap();
        let page = |path: &str| String::from_utf8(site.files[path].clone()).unwrap();
        let glossary = page("glossary.html");
        assert!(glossary.contains("data-preview=\"A strip zone near the heights.\">Buffer</a>"));
        assert!(glossary.contains("data-preview=\"A plateau; see Buffer.\">heights</a>"));
        assert!(page("a.html").contains("data-preview=\"A plateau; see Buffer.\">Golan</a>"));
    }

    /// A one-note book with `report = true`.
    fn book_with_report() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join("book.toml"), "report = true\n").unwrap();
        std::fs::write(content.join("a.md"), "# A\n\nA paragraph.\n").unwrap();
        dir
    }

    #[test]
    fn only_a_project_that_renders_again_keeps_the_reports_findings() {
        let dir = book_with_report();
        let options = BuildOptions {
            root: dir.path().to_path_buf(),
            output: Some(dir.path().join("site")),
            drafts: false,
        };
        // A one-shot build writes the report and keeps nothing of it.
        let outcome = build_with_progress(&options, &Silent);
        assert!(!outcome.diagnostics.has_errors());
        assert!(dir.path().join("site/report.html").is_file());
        assert!(outcome._retained.report_cache.is_empty());
        // What `serve` renders from keeps each note's findings.
        let mut project = Project::load(options);
        let render = project.render(&NullSink, false, &Silent);
        assert!(!render.diagnostics.has_errors());
        assert!(!project.report_cache.is_empty());
    }
}
