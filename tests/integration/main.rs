//! End-to-end tests: fixture books built through the library and the CLI,
//! with the HTML parsed and checked.

mod support;

mod attack;
mod bad_input;
mod book;
mod build;
mod citation_forms;
mod cli;
mod error_volume;
mod errors;
mod hostile_input;
mod links;
mod names;
mod output_safety;
mod print;
mod properties;
mod prose_quotations;
mod reference;
mod report;
mod search;
mod serve;
mod serve_safety;
mod snapshots;
