//! briefbook: a static site generator for annotated briefing books.
//!
//! An analyst keeps archived articles in `seeds/` and writes notes in
//! `content/` that cite exact passages of them. [`site::build`] turns the
//! book into a static site where every quotation has been checked against
//! its source. The pipeline, top to bottom:
//!
//! 1. [`load`]: config, sources, notes, glossary, chronology.
//! 2. [`markdown`] with [`citation`] and [`resolve`]: citations, quotations,
//!    terms and links, every error collected.
//! 3. [`pages`]: pages through the [`theme`]'s Tera templates, driven by
//!    [`site`], which also keeps what `serve` needs to rebuild incrementally.
//! 4. [`output`]: written atomically.

pub mod attrs;
pub mod autolink;
mod changes;
pub mod chronology;
pub mod citation;
pub mod commands;
pub mod config;
pub mod date;
pub mod diagnostics;
pub mod fingerprint;
pub mod frontmatter;
pub mod glossary;
pub mod highlight;
pub mod html;
pub mod import;
pub mod links;
pub mod load;
pub mod markdown;
pub mod note;
pub mod output;
pub mod pages;
pub mod print;
pub mod problem;
pub mod prose;
pub mod quote;
pub mod report;
pub mod resolve;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod sitepath;
pub mod slug;
pub mod source;
pub mod theme;
pub mod tomlstr;
pub mod xref;

pub use site::{BuildOptions, Outcome, Project, Site, build, check, render_book};
