//! The command line, parsed with clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// briefbook: build annotated briefing books whose every quotation is
/// checked against its source.
#[derive(Debug, Parser)]
#[command(name = "briefbook", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the book into a static site (default: output/).
    ///
    /// Every citation is resolved and every quotation verified; if anything
    /// is wrong, all errors are reported and the previous output is left
    /// exactly as it was.
    Build {
        /// The book's folder.
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// Where to write the site (default: `output_dir` of content/book.toml, else output/).
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Include notes marked `draft = true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Check the book as `build` would, without writing anything.
    Check {
        /// The book's folder.
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// Also check notes marked `draft = true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Import a captured article (plain text) as seeds/<ID>.md, wording untouched.
    ///
    /// Each non-empty line becomes one paragraph (p1, p2, ...). The title
    /// defaults to the first non-empty line.
    Import {
        /// The captured article, a UTF-8 text file.
        file: PathBuf,
        /// The source id citations will use: `[@ID]`.
        #[arg(long)]
        id: String,
        /// The article's title (default: its first non-empty line).
        #[arg(long)]
        title: Option<String>,
        /// Who published it.
        #[arg(long)]
        outlet: Option<String>,
        /// Where the original lives.
        #[arg(long)]
        url: Option<String>,
        /// When it was published: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long)]
        published: Option<String>,
        /// The book's folder.
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
    },
}
