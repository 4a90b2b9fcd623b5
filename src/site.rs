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
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::autolink::Autolinker;
use crate::changes::{Now, Snapshot};
use crate::diagnostics::{Diagnostic, Diagnostics, FileId, SourceMap};
use crate::fingerprint::FastMap;
use crate::highlight;
use crate::links::LinkChecks;
use crate::load::{Book, Change, LoadDiagnostics, Unloaded, load};
use crate::markdown::{self, Collect, Fragment, RenderEnv, Rendered};
use crate::output::PageSink;
use crate::pages::{BookPages, Generations, Page, settings_fingerprint};
use crate::print;
use crate::theme::Theme;
use crate::xref::{CrossReferences, Fragments};

pub use crate::commands::{
    Replace, build, build_replacing, build_with_progress, check, check_output, check_paths,
    check_root, check_with_report, render_book,
};

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
    pub(crate) _retained: Box<Project>,
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
    pub(crate) options: BuildOptions,
    /// The book as loaded.
    pub book: Book,
    load_diagnostics: LoadDiagnostics,
    theme: Result<Theme, Vec<Diagnostic>>,
    theme_generation: u64,
    next_generation: u64,
    notes: FastMap<String, (u64, Arc<Rendered>)>,
    intro: Option<Arc<Rendered>>,
    glossary: Option<Arc<Vec<Rendered>>>,
    chronology: Option<Arc<Vec<Rendered>>>,
    generations: Generations,
    /// What renders are for.
    pub(crate) mode: Mode,
    /// What the last render handed over.
    last: LastRender,
    /// Each glossary term's short definition, for link previews.
    term_previews: Option<Arc<Vec<String>>>,
    /// Whether renders collect what the editor's report needs even without
    /// `report = true` (`check --report`).
    pub(crate) make_report: bool,
    /// Where the 404 page links from instead of `site_url`: `/` under
    /// `serve` ([`Project::serve_from_root`]).
    not_found_root: Option<&'static str>,
    /// Whether notes rendered by an earlier render are still kept whole
    /// (it failed before their pages were made): the next render that
    /// makes every page looks at every note, to keep each without its page.
    whole_kept: bool,
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
            next_generation: 1,
            notes: FastMap::default(),
            intro: None,
            glossary: None,
            chronology: None,
            generations: Generations::default(),
            mode: Mode::Serve,
            last: LastRender::default(),
            term_previews: None,
            make_report: false,
            not_found_root: None,
            whole_kept: false,
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
    ///
    /// The steps, in order: what loading found; the Markdown not rendered
    /// yet; what the renderings found and the links between pages; then,
    /// with no error, the pages, the search index and the print edition
    /// side by side; the theme's static files; the editor's report.
    pub fn render(
        &mut self,
        sink: &dyn PageSink,
        only_changed: bool,
        progress: &dyn Progress,
    ) -> Render {
        let mut run = Run {
            diagnostics: self.load_problems(),
            stats: Stats {
                notes: self.book.notes.len(),
                sources: self.book.sources.sources.len(),
                ..Stats::default()
            },
            timings: Timings::new(),
            written: Vec::new(),
            all_paths: Vec::new(),
            only_changed,
        };
        let unloaded = self.book.unloaded(&self.load_diagnostics);

        let started = Instant::now();
        let streams = self.mode.streams();
        let (streamed, print_stream, fresh) =
            self.render_markdown(progress, streams.then_some(sink), &unloaded);
        // Until a render makes their pages, these are kept whole.
        let whole_before = self.whole_kept;
        self.whole_kept |= !streams && !fresh.is_empty();
        run.timings.push(("markdown", started.elapsed()));

        let started = Instant::now();
        let rendered = self.renderings();
        let settings = settings_fingerprint(&self.book, self.theme_generation);
        let note_keys = crate::pages::note_keys(&self.book);
        let now = Now {
            notes: &rendered.notes,
            note_keys: &note_keys,
            intro: rendered.intro.as_ref(),
            glossary: &rendered.glossary,
            chronology: &rendered.chronology,
            rest: crate::fingerprint::hasher().hash_one((
                settings,
                &self.generations.intro,
                &self.generations.glossary,
                &self.generations.chronology,
                &self.generations.sources,
                self.book.sources.sources.len(),
                self.not_found_root,
            )),
        };
        // Under `serve`, what the last pages were made from says what
        // changed: the notes rendered again, if nothing else did.
        let changed = (run.only_changed && !self.mode.streams())
            .then(|| self.last.snapshot.as_ref()?.changed_notes(&now))
            .flatten();
        // The last pages were all written, so no two collided; if only
        // notes were rendered again since, every path is the same.
        self.fragment_problems(&rendered, &unloaded, changed.is_some(), &mut run);
        run.timings.push(("links", started.elapsed()));
        if run.diagnostics.has_errors() || self.theme.is_err() {
            return run.into_render();
        }
        if self.mode.forgets_markdown() && !self.book.config.report {
            self.forget_note_texts(&run.diagnostics);
        }
        let theme = match &self.theme {
            Ok(theme) => theme,
            Err(_) => return run.into_render(),
        };

        let step = Step {
            book: &self.book,
            mode: self.mode,
            theme,
            sink,
            generations: &self.generations,
            settings,
        };
        let last = &mut self.last;
        let started = Instant::now();
        let fragments = rendered.fragments();
        // When only notes were rendered again, the cross-references are
        // updated by them and only the pages they can affect are
        // fingerprinted.
        let since = last
            .snapshot
            .take()
            .zip(changed)
            .map(|(previous, changed)| {
                let before: Vec<(usize, Arc<Rendered>)> = changed
                    .into_iter()
                    .map(|i| (i, previous.notes[i].clone()))
                    .collect();
                (before, previous.xref, previous.paths)
            });
        let (xref, changed) = match since {
            Some((before, mut xref, paths)) => {
                xref.update_notes(fragments, &by_ref(&before));
                debug_assert!(
                    xref == CrossReferences::new(&self.book, fragments),
                    "cross-references updated by the notes rendered again differ from new ones"
                );
                (xref, Some((before, paths)))
            }
            None => (CrossReferences::new(&self.book, fragments), None),
        };
        let mut pages = BookPages::new(&self.book, fragments, &xref);
        pages.not_found_root = self.not_found_root;
        let affected = changed
            .as_ref()
            .map(|(before, paths)| (pages.affected_by(&by_ref(before)), paths.as_slice()));
        let due = step.due_pages(&pages, &streamed, affected, last, &mut run);
        let previews = self.term_previews.as_deref().map_or(&[][..], Vec::as_slice);
        let again = NotesAgain::new(&self.book, previews, &unloaded);
        let whole_notes = again.for_pages(&rendered.notes, &due);
        if let Some(notes) = &whole_notes {
            pages.use_notes(notes);
        }
        // The pages' paths, for the next render: the same as last time when
        // only notes changed.
        let page_paths = match changed {
            Some((_, paths)) => paths,
            None if self.mode.streams() => Vec::new(),
            None => run.all_paths.clone(),
        };
        let fingerprinting = started.elapsed();
        step.write_pages_search_print(
            &pages,
            &rendered,
            due,
            print_stream,
            progress,
            last,
            &mut run,
        );
        if let Some((_, took)) = run.timings.iter_mut().find(|(name, _)| *name == "pages") {
            *took += fingerprinting;
        }
        // A page that failed has no fingerprint kept: the next render must
        // look at every page again.
        let every_page_written = !run.diagnostics.has_errors();
        step.write_static_files(self.theme_generation, last, &mut run);
        if self.book.config.report && !run.diagnostics.has_errors() {
            let started = Instant::now();
            step.write_report(&rendered, pages.xref(), last, &mut run);
            run.timings.push(("report", started.elapsed()));
        }
        if !self.mode.streams() && every_page_written {
            let mut snapshot = now.snapshot(xref, page_paths);
            // Those kept whole are the notes rendered now, unless a render
            // that failed left others.
            self.whole_kept = false;
            let whole: Vec<usize> = if whole_before {
                (0..self.book.notes.len())
                    .filter(|&i| !snapshot.notes[i].page_dropped)
                    .collect()
            } else {
                fresh
            };
            keep_without_pages(&self.book, &mut self.notes, &mut snapshot, whole);
            last.snapshot = Some(snapshot);
        }
        run.into_render()
    }

    /// What loading the book and its theme found. It comes first: a file
    /// that did not load may be why other errors are missing.
    fn load_problems(&self) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for list in self.load_diagnostics.values() {
            diagnostics.extend_causes(list.iter().cloned());
        }
        match &self.theme {
            Ok(theme) => diagnostics.extend_causes(theme.warnings.iter().cloned()),
            Err(errors) => diagnostics.extend_causes(errors.iter().cloned()),
        }
        diagnostics
    }

    /// Every rendering the project holds now.
    fn renderings(&self) -> Renderings {
        let (notes, ids) = self.rendered_notes_and_ids();
        Renderings {
            notes,
            ids,
            intro: self.intro.clone(),
            glossary: self.glossary.clone().unwrap_or_default(),
            chronology: self.chronology.clone().unwrap_or_default(),
        }
    }

    /// Lets go of the Markdown of the notes no problem was found in. A
    /// one-shot build has rendered and checked every note by then, and
    /// needs a note's text again only to quote the line of a problem in
    /// it: the rest is most of the memory a large book loads (80 MB at
    /// 10,000 notes), and a build's peak comes after this.
    fn forget_note_texts(&mut self, diagnostics: &Diagnostics) {
        let quoted: crate::fingerprint::FastSet<FileId> = diagnostics
            .iter()
            .filter_map(|d| d.location.as_ref().map(|(file, _)| *file))
            .collect();
        let unquoted: Vec<FileId> = self
            .book
            .notes
            .iter()
            .map(|note| note.file)
            .filter(|file| !quoted.contains(file))
            .collect();
        self.book.files.forget_texts(unquoted);
    }

    /// What the renderings found (errors, quotations no citation follows,
    /// broken links between pages, colliding paths unless the paths are
    /// the `same_paths` as when none collided), and the counts of
    /// citations and quotations.
    fn fragment_problems(
        &mut self,
        rendered: &Renderings,
        unloaded: &Unloaded,
        same_paths: bool,
        run: &mut Run,
    ) {
        // One pass over the renderings (10,000 allocations at 10,000 notes,
        // read on every edit).
        let unattributed = self.book.config.unattributed_quotations;
        let (mut citations, mut quotations) = (0, 0);
        for r in rendered.all() {
            run.diagnostics.extend(r.diagnostics.iter().cloned());
            if unattributed != crate::config::Unattributed::Allow {
                for q in &r.unattributed {
                    run.diagnostics
                        .push(unattributed_quotation(q, unattributed));
                }
            }
            citations += r.citations.len();
            quotations += r.quotations;
        }
        run.diagnostics.extend(self.last.links.check(
            &self.book,
            &rendered.notes,
            &rendered.ids,
            rendered.intro.as_deref(),
            rendered.glossary.iter().chain(rendered.chronology.iter()),
            unloaded,
        ));
        if !same_paths {
            run.diagnostics.extend(crate::sitepath::collisions(
                &self.book,
                self.theme.as_ref().ok().map(|t| t.static_files.as_slice()),
            ));
        }
        run.stats.citations = citations;
        run.stats.quotations = quotations;
    }

    /// Renders the Markdown that is not cached. With `stream`, each note's
    /// page is rendered and handed over at once and its HTML dropped, so a
    /// one-shot build never holds every page in memory; returns the paths of
    /// the pages so written, the print edition, whose opening and articles
    /// are then written too, for [`print::write`] to end, and the notes
    /// rendered (by index).
    #[allow(clippy::type_complexity)]
    fn render_markdown<'s>(
        &mut self,
        progress: &dyn Progress,
        stream: Option<&'s dyn PageSink>,
        unloaded: &Unloaded,
    ) -> (
        HashSet<String>,
        Option<(print::Layout, print::Stream<'s>)>,
        Vec<usize>,
    ) {
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
        let sections = self.mode.makes_search() && book.config.search;
        let units = book.config.report || self.make_report;
        // (`units`: the introduction is not analysed for the report.)
        let render_note = |note: &crate::note::Note, page: &str, units: bool| {
            render_note(&env, book, note, page, sections, units)
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
                self.mode.print() == print::Mode::Write
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
                        match print::note_article(book, i, &rendered, layout, theme) {
                            Ok(article) => print.put(i, article),
                            Err(d) => {
                                // The articles after it need not wait.
                                print.put(i, String::new());
                                rendered.diagnostics.push(d);
                            }
                        }
                    }
                    rendered.html = String::new();
                    rendered.attrs = Vec::new();
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
        for (path, written, mut rendered) in fresh {
            streamed.extend(written);
            let generation = self.generation();
            rendered.id = generation;
            self.generations.notes.insert(path.clone(), generation);
            self.notes.insert(path, (generation, Arc::new(rendered)));
        }
        if let Some(mut intro) = intro {
            let generation = self.generation();
            if let Some(intro) = Arc::get_mut(&mut intro) {
                intro.id = generation;
            }
            self.intro = Some(intro);
            self.generations.intro = generation;
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
        (streamed, print, missing)
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
        if self.mode.streams() || !self.book.config.print {
            return Ok(false);
        }
        let notes = self.rendered_notes();
        let glossary = self.glossary.clone().unwrap_or_default();
        let chronology = self.chronology.clone().unwrap_or_default();
        let fragments = Fragments {
            notes: &notes,
            intro: self.intro.as_deref(),
            glossary: &glossary,
            chronology: &chronology,
        };
        let xref = CrossReferences::new(&self.book, fragments);
        let input = print::Input {
            book: &self.book,
            notes: &notes,
            intro: self.intro.as_deref(),
            glossary: &glossary,
            chronology: &chronology,
            xref: &xref,
        };
        let unloaded = self.book.unloaded(&self.load_diagnostics);
        let previews = self.term_previews.as_deref().map_or(&[][..], Vec::as_slice);
        let renderer = NotesAgain::new(&self.book, previews, &unloaded);
        let again = |i: usize, kept: &Rendered| renderer.render(i, kept);
        print::write_whole(&input, &print::Layout::new(&self.book), theme, sink, &again)
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
        self.rendered_notes_and_ids().0
    }

    /// Each note's rendering and its number ([`Rendered::id`]; 0 for a
    /// note not rendered), in reading order.
    fn rendered_notes_and_ids(&self) -> (Vec<Arc<Rendered>>, Vec<u64>) {
        self.book
            .notes
            .iter()
            .map(|n| match self.notes.get(&n.path) {
                Some((id, r)) => (r.clone(), *id),
                None => (Arc::default(), 0),
            })
            .unzip()
    }
}

/// What a [`Project`] renders for: which pages it makes and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `serve`, and the default of [`Project::load`]: every rendering is
    /// kept to render again from, a note's without its page once the page
    /// is made ([`Rendered::without_page`]; the note is rendered again
    /// should its page be due again), and the print edition is made on
    /// request ([`Project::render_print`]).
    Serve,
    /// A one-shot build: each note's page is handed over as soon as its
    /// note is rendered and its HTML dropped, and the search index is
    /// written; with `print`, so is the print edition, as the notes are
    /// rendered.
    Build {
        /// Whether the print edition is written.
        print: bool,
    },
    /// `check`: as a build, but without the search index, and only the
    /// print page's template is rendered.
    Check,
}

impl Mode {
    /// Whether note pages are written as the notes are rendered, and
    /// their HTML then dropped.
    fn streams(self) -> bool {
        !matches!(self, Mode::Serve)
    }

    /// Whether the notes' Markdown is let go once rendered and checked: a
    /// build renders once. (`check` keeps it: its report may quote any
    /// line.)
    fn forgets_markdown(self) -> bool {
        matches!(self, Mode::Build { .. })
    }

    /// Whether renders make the search index (`check` writes nothing, so
    /// it skips that second of a 10,000-note book).
    fn makes_search(self) -> bool {
        !matches!(self, Mode::Check)
    }

    /// What a streaming render does about the print edition.
    fn print(self) -> print::Mode {
        match self {
            Mode::Serve | Mode::Build { print: false } => print::Mode::Off,
            Mode::Build { print: true } => print::Mode::Write,
            Mode::Check => print::Mode::Check,
        }
    }
}

/// What a project keeps of its last render, to hand over next time only
/// what changed.
#[derive(Default)]
struct LastRender {
    /// Each page's fingerprint when it was last handed over.
    fingerprints: FastMap<String, u64>,
    /// The theme generation whose static files were last handed over.
    assets_generation: u64,
    /// The search index, kept so that `serve` updates it instead of
    /// building it again (src/search.rs).
    search: crate::search::SearchIndex,
    /// What checking the links between pages found, to check again only
    /// what may have changed.
    links: LinkChecks,
    /// What the pages of the last render were made from (`serve`), to
    /// tell what changed since.
    snapshot: Option<Snapshot>,
    /// What the last editor's report found, for the next (`report = true`).
    report_cache: crate::report::Cache,
}

/// Every rendering of the book, as the steps after rendering read them.
struct Renderings {
    /// Each note's, in reading order.
    notes: Vec<Arc<Rendered>>,
    /// Their numbers ([`Rendered::id`]), side by side: the steps that
    /// compare each note's rendering with the last on every edit read
    /// these rather than 10,000 renderings.
    ids: Vec<u64>,
    intro: Option<Arc<Rendered>>,
    glossary: Arc<Vec<Rendered>>,
    chronology: Arc<Vec<Rendered>>,
}

impl Renderings {
    /// Every rendering: notes, introduction, glossary, chronology.
    fn all(&self) -> impl Iterator<Item = &Rendered> {
        self.fragments().all()
    }

    /// The renderings as the cross-references read them.
    fn fragments(&self) -> Fragments<'_> {
        Fragments {
            notes: &self.notes,
            intro: self.intro.as_deref(),
            glossary: &self.glossary,
            chronology: &self.chronology,
        }
    }
}

/// What the steps of one render share, once the book rendered without
/// error.
struct Step<'r> {
    book: &'r Book,
    mode: Mode,
    theme: &'r Theme,
    sink: &'r dyn PageSink,
    generations: &'r Generations,
    /// The fingerprint of the book's settings and theme, in every page's.
    settings: u64,
}

/// What a render has found and handed over so far.
struct Run {
    diagnostics: Diagnostics,
    stats: Stats,
    timings: Timings,
    written: Vec<String>,
    all_paths: Vec<String>,
    /// Hand over only the pages whose fingerprint changed.
    only_changed: bool,
}

impl Run {
    fn into_render(mut self) -> Render {
        self.all_paths.sort();
        self.stats.files = self.all_paths.len();
        Render {
            diagnostics: self.diagnostics,
            stats: self.stats,
            timings: self.timings,
            written: self.written,
            all_paths: self.all_paths,
        }
    }
}

/// Renders a note's Markdown (for the page `page`: the note's, or the
/// book's front page for the introduction), collecting the search index's
/// `sections` and the editor's report's `units` if asked.
fn render_note(
    env: &RenderEnv<'_>,
    book: &Book,
    note: &crate::note::Note,
    page: &str,
    sections: bool,
    units: bool,
) -> Rendered {
    let text = book.files.text(note.file);
    markdown::render(
        env,
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
}

/// Keeps the notes `which` (indexes into `book.notes`) without their pages
/// ([`Rendered::without_page`]), in the project's renderings `kept` and in
/// `snapshot`: their pages are made and indexed, and what only those read
/// is most of a rendering.
fn keep_without_pages(
    book: &Book,
    kept: &mut FastMap<String, (u64, Arc<Rendered>)>,
    snapshot: &mut Snapshot,
    which: Vec<usize>,
) {
    for i in which {
        if let Some((_, rendered)) = kept.get_mut(&book.notes[i].path) {
            if !rendered.page_dropped {
                *rendered = Arc::new(rendered.without_page());
            }
            snapshot.notes[i] = rendered.clone();
        }
    }
}

/// What renders the notes again whose kept rendering let go of its page
/// ([`Rendered::without_page`]), for their page or the print edition: the
/// book as it was rendered, and the glossary's previews of that render.
struct NotesAgain<'b> {
    book: &'b Book,
    previews: &'b [String],
    unloaded: &'b Unloaded,
    /// Made on first use: most renders render no note again.
    autolinker: std::sync::OnceLock<Option<Autolinker>>,
}

impl<'b> NotesAgain<'b> {
    fn new(book: &'b Book, previews: &'b [String], unloaded: &'b Unloaded) -> NotesAgain<'b> {
        NotesAgain {
            book,
            previews,
            unloaded,
            autolinker: std::sync::OnceLock::new(),
        }
    }

    /// The renderings `notes` to make the pages `due` from: `None` if each
    /// due note page's is whole, else a copy where those kept without their
    /// page (a neighbour retitled, the theme edited) are rendered again.
    fn for_pages(
        &self,
        notes: &[Arc<Rendered>],
        due: &[(Page, String, u64)],
    ) -> Option<Vec<Arc<Rendered>>> {
        let again: Vec<usize> = (due.iter())
            .filter_map(|(page, ..)| match *page {
                Page::Note(i) if notes[i].page_dropped => Some(i),
                _ => None,
            })
            .collect();
        if again.is_empty() {
            return None;
        }
        let made = map_in_order(&again, |&i| self.render(i, &notes[i]));
        let mut whole = notes.to_vec();
        for (i, made) in again.into_iter().zip(made) {
            whole[i] = Arc::new(made);
        }
        Some(whole)
    }

    /// The `i`th note's rendering, whole, made as `kept` was: it keeps its
    /// number. (Its search sections and report units are not collected:
    /// those of `kept` are used.)
    fn render(&self, i: usize, kept: &Rendered) -> Rendered {
        let env = RenderEnv {
            sources: &self.book.sources,
            glossary: &self.book.glossary,
            autolink: self
                .autolinker
                .get_or_init(|| {
                    (self.book.config.autolink_glossary)
                        .then(|| Autolinker::new(&self.book.glossary))
                        .flatten()
                })
                .as_ref(),
            term_previews: self.previews,
            unloaded: self.unloaded,
        };
        let note = &self.book.notes[i];
        let mut again = render_note(&env, self.book, note, &note.page, false, false);
        debug_assert!(
            again.headings == kept.headings && again.citations.len() == kept.citations.len(),
            "{} rendered again differs from its kept rendering",
            note.path
        );
        again.id = kept.id;
        again
    }
}

/// Renderings by index, borrowed.
fn by_ref(renderings: &[(usize, Arc<Rendered>)]) -> Vec<(usize, &Rendered)> {
    renderings.iter().map(|(i, r)| (*i, &**r)).collect()
}

/// Hands `bytes` to `sink` as `path`; a failure is the build's error.
fn put(sink: &dyn PageSink, path: &str, bytes: Vec<u8>) -> Result<(), Diagnostic> {
    sink.put(path, bytes)
        .map_err(|e| Diagnostic::global(format!("cannot write {path}: {e}")))
}

impl Step<'_> {
    /// The pages to render now: each page's fingerprint, computed in
    /// parallel (in a big book, most of a one-note edit), against the
    /// last; pages already written while their note was rendered
    /// (`streamed`) only keep their fingerprint.
    ///
    /// With `affected` (the pages that may have changed, and every page's
    /// path, when only notes were rendered again since the fingerprints
    /// kept), only those pages are fingerprinted.
    fn due_pages(
        &self,
        pages: &BookPages<'_>,
        streamed: &HashSet<String>,
        affected: Option<(Vec<Page>, &[String])>,
        last: &mut LastRender,
        run: &mut Run,
    ) -> Vec<(Page, String, u64)> {
        let (generations, settings) = (self.generations, self.settings);
        let fingerprint = |page: Page| {
            let fingerprint = pages.fingerprint(page, generations) ^ settings;
            (page, pages.path(page), fingerprint)
        };
        let (fingerprinted, paths): (Vec<(Page, String, u64)>, _) = match affected {
            Some((affected, paths)) => {
                (affected.into_iter().map(fingerprint).collect(), Some(paths))
            }
            None => (pages.all().into_par_iter().map(fingerprint).collect(), None),
        };
        let mut due = Vec::with_capacity(fingerprinted.len());
        run.all_paths.reserve(fingerprinted.len() + 64);
        for (page, path, fingerprint) in fingerprinted {
            if !streamed.is_empty() && streamed.contains(&path) {
                last.fingerprints.insert(path.clone(), fingerprint);
            } else if !run.only_changed || last.fingerprints.get(&path) != Some(&fingerprint) {
                due.push((page, path.clone(), fingerprint));
            }
            if paths.is_none() {
                run.all_paths.push(path);
            }
        }
        if let Some(paths) = paths {
            run.all_paths.extend_from_slice(paths);
            #[cfg(debug_assertions)]
            {
                // Every page left out must be one whose fingerprint is the same.
                for page in pages.all() {
                    let (_, path, fingerprint) = fingerprint(page);
                    let kept = last.fingerprints.get(&path) == Some(&fingerprint);
                    assert!(
                        kept || due.iter().any(|(_, p, _)| *p == path),
                        "{path} changed but was not among the pages affected"
                    );
                }
            }
        }
        due
    }

    /// The pages, the search index and the end of the print edition, made
    /// side by side. The pages and the index share the thread pool, each
    /// filling the other's gaps (the index works through the notes in
    /// batches, with a little serial work after each); the print edition,
    /// whose articles are already written, renders the rest of its page on
    /// a thread of its own. (`check` renders only the print page's
    /// template, for its errors.)
    #[allow(clippy::too_many_arguments)]
    fn write_pages_search_print(
        &self,
        pages: &BookPages<'_>,
        rendered: &Renderings,
        due: Vec<(Page, String, u64)>,
        print_stream: Option<(print::Layout, print::Stream<'_>)>,
        progress: &dyn Progress,
        last: &mut LastRender,
        run: &mut Run,
    ) {
        let (theme, sink) = (self.theme, self.sink);
        let print_due =
            self.mode.streams() && self.mode.print() != print::Mode::Off && self.book.config.print;
        let make_search = self.mode.makes_search() && self.book.config.search;
        if !self.book.config.search {
            // `search = false` under `serve`: the index's files leave the
            // site, so should search be turned on again, all are written.
            last.search = crate::search::SearchIndex::default();
        }
        let book = self.book;
        let search = &mut last.search;
        let sources_generation = self.generations.sources;
        let keep = !self.mode.streams();
        let only_changed = run.only_changed;
        let (notes, intro, glossary, chronology) = (
            rendered.notes.as_slice(),
            rendered.intro.as_deref(),
            rendered.glossary.as_slice(),
            rendered.chronology.as_slice(),
        );
        let (page_results, index, printed) = std::thread::scope(|scope| {
            let print_job = print_due.then(|| {
                scope.spawn(move || {
                    let started = Instant::now();
                    let input = print::Input {
                        book,
                        notes,
                        intro,
                        glossary,
                        chronology,
                        xref: pages.xref(),
                    };
                    let (layout, stream) = match print_stream {
                        Some((layout, stream)) => (layout, Some(stream)),
                        None => (print::Layout::new(book), None),
                    };
                    let result = print::write(&input, &layout, theme, stream);
                    (result, started.elapsed())
                })
            });
            let render_pages = || {
                let started = Instant::now();
                progress.start("pages", due.len());
                let results: Vec<(String, u64, Result<(), Diagnostic>)> = due
                    .into_par_iter()
                    .map(|(page, path, fingerprint)| {
                        let result = pages
                            .render(page, theme)
                            .and_then(|html| put(sink, &path, html));
                        progress.step();
                        (path, fingerprint, result)
                    })
                    .collect();
                progress.finish();
                (results, started.elapsed())
            };
            let make_index = || {
                make_search.then(|| {
                    let started = Instant::now();
                    let index = search.write(
                        &crate::search::Input {
                            book,
                            notes,
                            note_ids: &rendered.ids,
                            intro: rendered.intro.as_ref(),
                            glossary: &rendered.glossary,
                            chronology: &rendered.chronology,
                            sources_generation,
                            static_files: &theme.static_files,
                            only_changed,
                            keep,
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
        run.written.reserve(results.len());
        for (path, fingerprint, result) in results {
            match result {
                Ok(()) => {
                    last.fingerprints.insert(path.clone(), fingerprint);
                    run.written.push(path);
                }
                Err(d) => run.diagnostics.push(d),
            }
        }
        run.timings.push(("pages", took));
        if let Some((index, took)) = index {
            run.diagnostics.extend(index.diagnostics);
            run.written.extend(index.written);
            run.all_paths.extend(index.paths);
            run.timings.push(("search", took));
        }
        if let Some((result, took)) = printed {
            match result {
                Ok(true) => {
                    run.written.push(print::PAGE.into());
                    run.all_paths.push(print::PAGE.into());
                }
                Ok(false) => {}
                Err(d) => run.diagnostics.push(d),
            }
            run.timings.push(("print", took));
        }
    }

    /// The theme's static files and the highlighting stylesheet, when the
    /// theme changed since they were last handed over. None has the path
    /// of a page (that is an error, `sitepath::collisions`), but one may
    /// have the path of a file of the search index, which then leaves it
    /// alone with a warning.
    fn write_static_files(&self, theme_generation: u64, last: &mut LastRender, run: &mut Run) {
        let theme = self.theme;
        if !run.only_changed || last.assets_generation != theme_generation {
            let stylesheet = highlight::stylesheet().as_bytes().to_vec();
            let files = theme
                .static_files
                .iter()
                .map(|(path, bytes)| (path.as_str(), bytes.clone()))
                .chain([("highlight.css", stylesheet)]);
            for (path, bytes) in files {
                if let Err(d) = put(self.sink, path, bytes) {
                    run.diagnostics.push(d);
                }
                run.written.push(path.to_string());
            }
            last.assets_generation = theme_generation;
        }
        run.all_paths
            .extend(theme.static_files.iter().map(|(p, _)| p.clone()));
        run.all_paths.push("highlight.css".into());
    }

    /// The editor's report (`report.html`, only with `report = true`, so
    /// that a normal build does none of its work). `serve` renders after
    /// every edit, so it keeps each note's findings and analyses again
    /// only what changed; a one-shot build analyses once and keeps nothing.
    fn write_report(
        &self,
        rendered: &Renderings,
        xref: &CrossReferences,
        last: &mut LastRender,
        run: &mut Run,
    ) {
        let theme = self.theme;
        let path = crate::report::PAGE;
        if !theme.tera.get_template_names().any(|name| name == path) {
            run.diagnostics.push(
                Diagnostic::global(format!(
                    "theme `{}` has no template `{path}`, which `report = true` needs",
                    self.book.config.theme
                ))
                .with_help("add report.html to the theme or to templates/, or remove `report = true` from content/book.toml"),
            );
            return;
        }
        let renderings = crate::report::Renderings {
            fragments: rendered.fragments(),
            xref,
        };
        let analysis = if self.mode.streams() {
            crate::report::Analysis::once(self.book, &renderings)
        } else {
            crate::report::Analysis::cached(
                self.book,
                &renderings,
                &mut last.report_cache,
                self.generations,
            )
        };
        let fingerprint = analysis.fingerprint() ^ self.settings;
        if !run.only_changed || last.fingerprints.get(path) != Some(&fingerprint) {
            let result = analysis
                .report()
                .page(self.book, theme)
                .and_then(|html| put(self.sink, path, html.into_bytes()));
            match result {
                Ok(()) => {
                    last.fingerprints.insert(path.to_string(), fingerprint);
                    run.written.push(path.to_string());
                }
                Err(d) => run.diagnostics.push(d),
            }
        }
        run.all_paths.push(path.to_string());
    }
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
        assert!(outcome._retained.last.report_cache.is_empty());
        // What `serve` renders from keeps each note's findings.
        let mut project = Project::load(options);
        let render = project.render(&crate::output::NullSink, false, &Silent);
        assert!(!render.diagnostics.has_errors());
        assert!(!project.last.report_cache.is_empty());
    }

    /// `serve` keeps a note's rendering whole until a render without
    /// error has made its page and indexed it, then without its page, and
    /// with the same number either way.
    #[test]
    fn serve_keeps_a_notes_rendering_without_its_page_once_the_page_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        let note = content.join("a.md");
        std::fs::write(&note, "# A\n\nA paragraph.[^1]\n\n[^1]: A footnote.\n").unwrap();
        std::fs::write(content.join("b.md"), "# B\n\nB paragraph.\n").unwrap();
        let mut project = Project::load(BuildOptions {
            root: dir.path().to_path_buf(),
            output: None,
            drafts: false,
        });
        let kept = |project: &Project| project.notes["a.md"].1.clone();

        // A link to nowhere: the render fails, and keeps the rendering whole.
        std::fs::write(
            &note,
            "# A\n\nSee [x](nowhere.md).[^1]\n\n[^1]: A footnote.\n",
        )
        .unwrap();
        project.reload(std::slice::from_ref(&note));
        let render = project.render(&crate::output::NullSink, true, &Silent);
        assert!(render.diagnostics.has_errors());
        let whole = kept(&project);
        assert!(!whole.page_dropped && !whole.html.is_empty() && whole.footnotes.len() == 1);
        assert!(!whole.sections.is_empty());
        assert_ne!(whole.id, 0);

        // Fixed: the page is made, and the rendering kept without it.
        std::fs::write(&note, "# A\n\nSee [B](b.md).[^1]\n\n[^1]: A footnote.\n").unwrap();
        project.reload(std::slice::from_ref(&note));
        let render = project.render(&crate::output::NullSink, true, &Silent);
        assert!(!render.diagnostics.has_errors());
        let slim = kept(&project);
        assert!(slim.page_dropped);
        assert!(slim.html.is_empty() && slim.footnotes.is_empty() && slim.sections.is_empty());
        assert_eq!(slim.links.len(), 1);
        assert!(slim.is(&project.last.snapshot.as_ref().unwrap().notes[0]));
        for (_, rendered) in project.notes.values() {
            assert!(rendered.page_dropped);
        }
        // Nothing changed: the same rendering is kept, nothing written.
        let render = project.render(&crate::output::NullSink, true, &Silent);
        assert!(render.written.is_empty(), "{:?}", render.written);
        assert!(Arc::ptr_eq(&slim, &kept(&project)));
    }
}
