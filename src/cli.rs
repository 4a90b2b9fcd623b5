//! The command line, parsed with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// briefbook: build annotated briefing books whose every quotation is
/// checked against its source.
#[derive(Debug, Parser)]
#[command(name = "briefbook", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by the commands that read a book.
#[derive(Debug, Args)]
pub(crate) struct BookArgs {
    /// The book's folder.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// Include notes marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
}

/// How `check --report` prints the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Sections of lines for people.
    Text,
    /// One JSON object (fields documented in docs/guide.md).
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Build the book into a static site (default: output/).
    ///
    /// Every citation is resolved and every quotation verified; if anything
    /// is wrong, all errors are reported and the previous output is left
    /// exactly as it was.
    Build {
        #[command(flatten)]
        book: BookArgs,
        /// Where to write the site (default: `output_dir` of content/book.toml, else output/).
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Replace the output folder even if briefbook did not make it (it
        /// has no .briefbook-output file): everything in it is deleted.
        /// Needed once for an output folder built by an older briefbook.
        /// Never lets the site replace the book or its sources.
        #[arg(long)]
        force: bool,
        /// Print how long each phase took, and every error and warning in
        /// full (without it, the same error many times is counted).
        #[arg(long, short)]
        verbose: bool,
    },
    /// Check the book as `build` would, without writing anything.
    Check {
        #[command(flatten)]
        book: BookArgs,
        /// Print how long each phase took, and every error and warning in
        /// full (without it, the same error many times is counted).
        #[arg(long, short)]
        verbose: bool,
        /// Also print the editor's report: uncited sources, paragraphs and
        /// events, unused terms, sources per note, name variants in the
        /// sources, quotations no longer found (printed even when the book
        /// has errors).
        #[arg(long)]
        report: bool,
        /// The report's format: text, or JSON on standard output for tools.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text, requires = "report")]
        format: ReportFormat,
    },
    /// Serve the book on 127.0.0.1, rebuilding and reloading open pages on every change.
    ///
    /// The site is built in memory (output/ is not touched). Build errors are
    /// shown in the terminal and over the page in the browser.
    Serve {
        #[command(flatten)]
        book: BookArgs,
        /// The port to listen on, on 127.0.0.1 only.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the book in the web browser once it is served (the program
        /// in $BROWSER, if set, else the system's default browser).
        #[arg(long)]
        open: bool,
    },
    /// Create a new book in DIR with a small example (one source, one note, a glossary term and an event).
    New {
        /// The folder to create (it must not exist, or be empty).
        dir: PathBuf,
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
