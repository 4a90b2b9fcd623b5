//! The print edition of a one-shot build, streamed: each note's article
//! is written into `print.html` as soon as the note is rendered and every
//! article before it is written, so that a 10,000-note book never holds
//! every article in memory and no article is copied twice.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::output::{PageSink, PageStream};

use super::PAGE;

/// The print edition of a one-shot build, written as the notes are
/// rendered: the page's opening first ([`Stream::put_head`]), then each
/// note's article as soon as every article before it is written, then, at
/// the end, the rest of the page ([`super::write`]). The notes are rendered
/// roughly in reading order (see `site.rs`), so few articles wait in
/// memory, and none is written twice.
pub struct Stream<'s> {
    inner: Mutex<StreamInner<'s>>,
    /// Signalled when articles are written (or the page fails): threads
    /// that got too far ahead ([`Stream::wait_for_room`]) go on.
    room: Condvar,
}

/// How many bytes of articles may wait in memory for one before them:
/// beyond that, a thread waits before rendering its next note
/// ([`Stream::wait_for_room`]). Notes are taken in order, so the threads
/// are normally a note or two apart and never wait; this bounds the memory
/// when one note takes far longer than the others. Without it, every
/// article after that note waited for it: with one note of 60,000 lines of
/// code at the front of the 10,000-note book, some 180 MB.
pub const WAITING_BYTES: usize = 64 << 20;

/// The longest a thread waits for room: the bound is for memory, and
/// should the note being waited for never come, the build goes on.
const ROOM_WAIT: Duration = Duration::from_secs(10);

struct StreamInner<'s> {
    /// The page; `None` once writing it failed.
    page: Option<Box<dyn PageStream + Send + 's>>,
    /// The opening, once written: the articles follow it.
    head: Option<String>,
    /// The note whose article comes next.
    next: usize,
    /// Articles that came before one ahead of them, by note.
    waiting: BTreeMap<usize, String>,
    /// Their length in all.
    waiting_bytes: usize,
    /// The first error writing the page.
    error: Option<String>,
}

impl StreamInner<'_> {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(page) = &mut self.page
            && let Err(e) = page.write(bytes)
        {
            self.error.get_or_insert_with(|| e.to_string());
            self.page = None;
            self.waiting.clear();
            self.waiting_bytes = 0;
        }
    }

    /// Writes the articles that are next in order.
    fn write_ready(&mut self) {
        while let Some(entry) = self.waiting.first_entry()
            && *entry.key() == self.next
        {
            let article = entry.remove();
            self.waiting_bytes -= article.len();
            self.write(article.as_bytes());
            self.next += 1;
        }
    }
}

impl<'s> Stream<'s> {
    /// Starts writing the print edition into `sink`.
    pub fn new(sink: &'s dyn PageSink) -> Stream<'s> {
        let (page, error) = match sink.stream(PAGE) {
            Ok(page) => (Some(page), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Stream {
            inner: Mutex::new(StreamInner {
                page,
                head: None,
                next: 0,
                waiting: BTreeMap::new(),
                waiting_bytes: 0,
                error,
            }),
            room: Condvar::new(),
        }
    }

    /// Before the `i`th note is rendered: waits while more than
    /// [`WAITING_BYTES`] of articles wait, unless the `i`th is the next
    /// article to write. Notes are taken in order, so the next article's
    /// note is always being rendered or about to be, and the wait ends (if
    /// it does not within `ROOM_WAIT`, the build goes on anyway). Before
    /// the page's opening is written, and once the page has failed, nothing
    /// waits.
    pub fn wait_for_room(&self, i: usize) {
        self.wait_for_room_within(i, ROOM_WAIT);
    }

    /// [`Stream::wait_for_room`], waiting at most `limit`; whether there
    /// was room in the end.
    fn wait_for_room_within(&self, i: usize, limit: Duration) -> bool {
        let Ok(inner) = self.inner.lock() else {
            return true;
        };
        match self.room.wait_timeout_while(inner, limit, |inner| {
            inner.page.is_some()
                && inner.head.is_some()
                && i > inner.next
                && inner.waiting_bytes > WAITING_BYTES
        }) {
            Ok((_, waited)) => !waited.timed_out(),
            Err(_) => true,
        }
    }

    /// Writes the page's opening ([`super::head`]); the articles wait for it.
    pub fn put_head(&self, head: String) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.write(head.as_bytes());
        inner.head = Some(head);
        inner.write_ready();
        self.room.notify_all();
    }

    /// Writes the `i`th note's article, or keeps it until those before it
    /// are written.
    pub fn put(&self, i: usize, article: String) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.page.is_none() {
            return;
        }
        inner.waiting_bytes += article.len();
        if let Some(replaced) = inner.waiting.insert(i, article) {
            inner.waiting_bytes -= replaced.len();
        }
        if inner.head.is_some() {
            let next = inner.next;
            inner.write_ready();
            if inner.next != next || inner.page.is_none() {
                // Room, or nothing more to wait for.
                self.room.notify_all();
            }
        }
    }

    /// Ends the page with `after`, the rest of it, once `before`, the
    /// opening made with everything rendered, is known. The opening written
    /// first was made before the notes were rendered; if the template made
    /// it differently now (it used, above the notes, something that only
    /// the notes tell, such as how often a source is cited), it is
    /// replaced.
    pub(super) fn finish(self, before: &str, after: &str) -> Result<(), String> {
        let mut inner = self.inner.into_inner().map_err(|e| e.to_string())?;
        let head = match inner.head.take() {
            Some(head) => head,
            None => {
                inner.write(before.as_bytes());
                before.to_string()
            }
        };
        // Articles after a missing one: in order.
        for (_, article) in std::mem::take(&mut inner.waiting) {
            inner.write(article.as_bytes());
        }
        if let Some(error) = inner.error {
            return Err(error);
        }
        let replace = (head != before).then_some((head.len(), before.as_bytes()));
        match inner.page {
            Some(page) => page
                .finish(replace, after.as_bytes())
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A sink whose streamed page is kept in memory, or fails after
    /// `fail_after` pieces.
    struct Recorder {
        page: Arc<Mutex<Vec<u8>>>,
        fail_after: Option<usize>,
    }

    struct RecordedPage {
        page: Arc<Mutex<Vec<u8>>>,
        left: Option<usize>,
    }

    impl Recorder {
        /// A recorder, and the page it will have recorded.
        fn new(fail_after: Option<usize>) -> (Recorder, Arc<Mutex<Vec<u8>>>) {
            let page = Arc::new(Mutex::new(Vec::new()));
            let recorder = Recorder {
                page: Arc::clone(&page),
                fail_after,
            };
            (recorder, page)
        }
    }

    impl PageSink for Recorder {
        fn put(&self, _path: &str, _bytes: Vec<u8>) -> std::io::Result<()> {
            Ok(())
        }

        fn stream<'s>(&'s self, _path: &str) -> std::io::Result<Box<dyn PageStream + Send + 's>> {
            Ok(Box::new(RecordedPage {
                page: Arc::clone(&self.page),
                left: self.fail_after,
            }))
        }
    }

    impl PageStream for RecordedPage {
        fn write(&mut self, piece: &[u8]) -> std::io::Result<()> {
            if let Some(left) = &mut self.left {
                if *left == 0 {
                    return Err(std::io::Error::other("disk full"));
                }
                *left -= 1;
            }
            self.page.lock().unwrap().extend_from_slice(piece);
            Ok(())
        }

        fn finish(
            self: Box<Self>,
            head: Option<(usize, &[u8])>,
            tail: &[u8],
        ) -> std::io::Result<()> {
            let mut page = self.page.lock().unwrap();
            if let Some((len, new)) = head {
                page.splice(..len, new.iter().copied());
            }
            page.extend_from_slice(tail);
            Ok(())
        }
    }

    #[test]
    fn the_stream_writes_articles_in_order_after_the_head() {
        let (sink, page) = Recorder::new(None);
        let stream = Stream::new(&sink);
        stream.put(1, "[1]".into());
        stream.put(0, "[0]".into());
        assert!(page.lock().unwrap().is_empty(), "nothing before the head");
        stream.put_head("<head>".into());
        assert_eq!(*page.lock().unwrap(), b"<head>[0][1]");
        stream.put(3, "[3]".into());
        assert_eq!(*page.lock().unwrap(), b"<head>[0][1]", "[3] waits for [2]");
        stream.put(2, "[2]".into());
        stream.put(5, "[5]".into());
        // [4] never comes: [5] is written at the end all the same.
        stream.finish("<head>", "<tail>").unwrap();
        assert_eq!(*page.lock().unwrap(), b"<head>[0][1][2][3][5]<tail>");

        let (sink, page) = Recorder::new(None);
        let stream = Stream::new(&sink);
        stream.put_head("<early>".into());
        stream.put(0, "[0]".into());
        stream.finish("<the final head>", "<tail>").unwrap();
        assert_eq!(*page.lock().unwrap(), b"<the final head>[0]<tail>");
    }

    #[test]
    fn a_thread_too_far_ahead_waits_for_the_articles_before_it() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let (sink, page) = Recorder::new(None);
        let stream = Stream::new(&sink);
        let at_once = Duration::ZERO;
        // More than the budget waits for article 0.
        stream.put(5, "x".repeat(WAITING_BYTES + 1));
        // Before the opening nothing waits (it could not end).
        assert!(stream.wait_for_room_within(6, at_once));
        stream.put_head("<head>".into());
        assert!(!stream.wait_for_room_within(6, at_once));
        // The next article's note never waits: it is what makes room.
        assert!(stream.wait_for_room_within(0, at_once));
        let through = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                // Room comes when article 0 is written, not by the limit.
                assert!(stream.wait_for_room_within(6, Duration::from_secs(600)));
                through.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(50));
            assert!(!through.load(Ordering::SeqCst), "no room yet: it waits");
            // Articles 1 to 4 first: they wait for 0, and make no room.
            for i in 1..5 {
                stream.put(i, format!("[{i}]"));
            }
            std::thread::sleep(Duration::from_millis(50));
            assert!(!through.load(Ordering::SeqCst), "0 is not written yet");
            stream.put(0, "[0]".into());
        });
        assert!(through.load(Ordering::SeqCst));
        assert!(
            page.lock()
                .unwrap()
                .starts_with(b"<head>[0][1][2][3][4]xxx")
        );
    }

    #[test]
    fn a_stream_that_cannot_write_says_why_at_the_end() {
        let (sink, _) = Recorder::new(Some(2));
        let stream = Stream::new(&sink);
        stream.put_head("<head>".into());
        for i in 0..10 {
            stream.put(i, format!("[{i}]"));
        }
        let error = stream.finish("<head>", "<tail>").unwrap_err();
        assert!(error.contains("disk full"), "{error}");

        // A page that cannot even be opened.
        struct Unwritable;
        impl PageSink for Unwritable {
            fn put(&self, _path: &str, _bytes: Vec<u8>) -> std::io::Result<()> {
                Ok(())
            }

            fn stream<'s>(
                &'s self,
                _path: &str,
            ) -> std::io::Result<Box<dyn PageStream + Send + 's>> {
                Err(std::io::Error::other("read-only folder"))
            }
        }
        let stream = Stream::new(&Unwritable);
        stream.put_head("<head>".into());
        stream.put(0, "[0]".into());
        let error = stream.finish("<head>", "<tail>").unwrap_err();
        assert!(error.contains("read-only folder"), "{error}");
    }
}
