//! The citation scanner on arbitrary text: no panic, and every span it
//! reports lies inside the text, on character boundaries, in order.
#![no_main]

use briefbook::citation::{self, InlineRefKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let offset = 7;
    let skip = citation::code_ranges(text);
    for r in &skip {
        assert!(r.start <= r.end && r.end <= text.len(), "skip range {r:?}");
    }
    let (refs, errors) = citation::scan(text, offset, &skip);
    let inside = |span: &std::ops::Range<usize>| {
        span.start >= offset
            && span.start <= span.end
            && span.end <= offset + text.len()
            && text.is_char_boundary(span.start - offset)
            && text.is_char_boundary(span.end - offset)
    };
    let mut last_end = offset;
    for r in &refs {
        assert!(
            inside(&r.span),
            "ref span {:?} in {} bytes",
            r.span,
            text.len()
        );
        assert!(r.span.start >= last_end, "references overlap");
        last_end = r.span.end;
        if let InlineRefKind::Citation(group) = &r.kind {
            assert!(!group.refs.is_empty());
            for c in &group.refs {
                for span in [Some(&c.span), Some(&c.key_span)]
                    .into_iter()
                    .chain([
                        c.locator.as_ref().map(|l| &l.span),
                        c.quotation.as_ref().map(|q| &q.span),
                    ])
                    .flatten()
                {
                    assert!(inside(span), "part span {span:?}");
                    assert!(
                        span.start >= r.span.start && span.end <= r.span.end,
                        "part outside its bracket"
                    );
                }
                assert_eq!(
                    &text[c.key_span.start - offset + 1..c.key_span.end - offset],
                    c.key
                );
            }
        }
    }
    for e in &errors {
        assert!(inside(&e.span), "error span {:?}", e.span);
    }
});
