//! Front-matter splitting: no panic, and the pieces are slices of the file
//! at the offsets reported.
#![no_main]

use briefbook::frontmatter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match frontmatter::split(text) {
        Ok(split) => {
            assert!(split.body_offset <= text.len());
            assert_eq!(split.body, &text[split.body_offset..]);
            if let Some((toml, range)) = split.front_matter {
                assert_eq!(toml, &text[range.clone()]);
                assert!(range.end <= split.body_offset);
            } else {
                assert_eq!(split.body_offset, 0);
            }
        }
        Err(span) => {
            assert!(span.start <= span.end && span.end <= text.len());
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }
});
