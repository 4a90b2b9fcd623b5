//! The partial-date parser: no panic, and a parsed date prints back to a
//! string that parses to the same date.
#![no_main]

use briefbook::date::PartialDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(date) = PartialDate::parse(text) {
        let shown = date.to_string();
        assert_eq!(
            PartialDate::parse(&shown),
            Ok(date),
            "{text:?} -> {shown:?}"
        );
        assert_eq!(shown, text, "a date that parses is written in its one form");
        let _ = date.human();
    }
});
