//! End-to-end tests: fixture books built through the library and the CLI,
//! with the HTML parsed and checked.

mod support;

mod bad_input;
mod book;
mod build;
mod cli;
mod errors;
mod hostile_input;
mod links;
mod print;
mod properties;
mod reference;
mod report;
mod search;
mod serve;
mod snapshots;
