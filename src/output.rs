//! Writing the site atomically.
//!
//! Pages are written, as they are rendered, into a staging folder beside the
//! output; only when every page is written without error is the staging
//! folder swapped in with renames. A reader (or a static server) never sees
//! half a site, and a build that fails leaves the previous output exactly as
//! it was. Writing as pages come keeps memory flat for large books.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Somewhere rendered pages go: a staging folder, memory, or nowhere.
pub trait PageSink: Sync {
    /// Takes one file of the site (`path` is relative, with `/`).
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()>;

    /// Takes one file of the site in pieces, in order, so that a file too
    /// big to hold in memory whole (the print edition of a large book) is
    /// written as it comes. The default joins the pieces and calls
    /// [`PageSink::put`].
    fn put_pieces(
        &self,
        path: &str,
        pieces: &mut dyn Iterator<Item = io::Result<Vec<u8>>>,
    ) -> io::Result<()> {
        let mut bytes = Vec::new();
        for piece in pieces {
            bytes.extend_from_slice(&piece?);
        }
        self.put(path, bytes)
    }

    /// Opens one file of the site to be written piece by piece, over the
    /// whole build: the print edition, whose notes are appended as they are
    /// rendered. The default gathers the pieces and calls
    /// [`PageSink::put`] when the file is finished.
    fn stream<'s>(&'s self, path: &str) -> io::Result<Box<dyn PageStream + Send + 's>> {
        Ok(Box::new(Gathered {
            sink: self,
            path: path.to_string(),
            bytes: Vec::new(),
        }))
    }
}

/// A file of the site being written piece by piece ([`PageSink::stream`]).
pub trait PageStream {
    /// Appends `piece`.
    fn write(&mut self, piece: &[u8]) -> io::Result<()>;

    /// Appends `tail` and ends the file. With `head`, `(len, bytes)`, the
    /// file's first `len` bytes are replaced by `bytes` first: the print
    /// edition writes its opening before its notes, and only learns at the
    /// end whether that opening was final.
    fn finish(self: Box<Self>, head: Option<(usize, &[u8])>, tail: &[u8]) -> io::Result<()>;
}

/// The pieces of a file, gathered in memory for [`PageSink::put`].
struct Gathered<'s, S: PageSink + ?Sized> {
    sink: &'s S,
    path: String,
    bytes: Vec<u8>,
}

impl<S: PageSink + ?Sized> PageStream for Gathered<'_, S> {
    fn write(&mut self, piece: &[u8]) -> io::Result<()> {
        self.bytes.extend_from_slice(piece);
        Ok(())
    }

    fn finish(self: Box<Self>, head: Option<(usize, &[u8])>, tail: &[u8]) -> io::Result<()> {
        let Gathered {
            sink,
            path,
            mut bytes,
        } = *self;
        if let Some((len, new)) = head {
            bytes.splice(..len.min(bytes.len()), new.iter().copied());
        }
        bytes.extend_from_slice(tail);
        sink.put(&path, bytes)
    }
}

/// Discards pages: for `check`, which writes nothing.
pub struct NullSink;

impl PageSink for NullSink {
    fn put(&self, _path: &str, _bytes: Vec<u8>) -> io::Result<()> {
        Ok(())
    }

    fn put_pieces(
        &self,
        _path: &str,
        _pieces: &mut dyn Iterator<Item = io::Result<Vec<u8>>>,
    ) -> io::Result<()> {
        // The pieces are not even made.
        Ok(())
    }

    fn stream<'s>(&'s self, _path: &str) -> io::Result<Box<dyn PageStream + Send + 's>> {
        Ok(Box::new(NullStream))
    }
}

struct NullStream;

impl PageStream for NullStream {
    fn write(&mut self, _piece: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn finish(self: Box<Self>, _head: Option<(usize, &[u8])>, _tail: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

fn sibling(dir: &Path, tag: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into());
    dir.with_file_name(format!(".{name}.briefbook-{tag}-{}", std::process::id()))
}

/// A staging folder that becomes the output folder on [`Staging::commit`].
pub struct Staging {
    target: PathBuf,
    staging: PathBuf,
}

impl Staging {
    /// Creates an empty staging folder beside `target`.
    pub fn new(target: &Path) -> io::Result<Staging> {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        let staging = sibling(target, "tmp");
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir_all(&staging)?;
        Ok(Staging {
            target: target.to_path_buf(),
            staging,
        })
    }

    /// Replaces the output folder with the staging folder.
    pub fn commit(self) -> io::Result<()> {
        let result = swap_in(&self.staging, &self.target);
        if result.is_err() {
            let _ = fs::remove_dir_all(&self.staging);
        }
        result
    }

    /// Throws the staging folder away, leaving the output untouched.
    pub fn discard(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}

impl PageSink for Staging {
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        use std::io::Write as _;
        create_in_folder(&self.staging.join(path))?.write_all(&bytes)
    }

    fn put_pieces(
        &self,
        path: &str,
        pieces: &mut dyn Iterator<Item = io::Result<Vec<u8>>>,
    ) -> io::Result<()> {
        use std::io::Write as _;
        let mut file = create_in_folder(&self.staging.join(path))?;
        for piece in pieces {
            file.write_all(&piece?)?;
        }
        Ok(())
    }

    fn stream<'s>(&'s self, path: &str) -> io::Result<Box<dyn PageStream + Send + 's>> {
        let path = self.staging.join(path);
        let file = create_in_folder(&path)?;
        Ok(Box::new(FileStream { file, path }))
    }
}

/// A file of the staging folder being written piece by piece.
struct FileStream {
    file: fs::File,
    path: PathBuf,
}

impl PageStream for FileStream {
    fn write(&mut self, piece: &[u8]) -> io::Result<()> {
        use std::io::Write as _;
        self.file.write_all(piece)
    }

    fn finish(self: Box<Self>, head: Option<(usize, &[u8])>, tail: &[u8]) -> io::Result<()> {
        use std::io::{Seek as _, Write as _};
        let FileStream { mut file, path } = *self;
        let Some((len, new)) = head else {
            return file.write_all(tail);
        };
        drop(file);
        // A new file: the new opening, the rest of the old one (copied by
        // the kernel where it can), the tail; then renamed over the old.
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".briefbook-head");
        let replacement = path.with_file_name(name);
        let mut old = fs::File::open(&path)?;
        old.seek(io::SeekFrom::Start(len as u64))?;
        let mut out = fs::File::create(&replacement)?;
        out.write_all(new)?;
        io::copy(&mut old, &mut out)?;
        out.write_all(tail)?;
        drop(out);
        fs::rename(&replacement, &path)
    }
}

/// Creates the file `path`, and its folder if need be. The folder is made
/// only when creating the file fails: most pages go into a folder that
/// already exists, and asking first costs two system calls per page.
fn create_in_folder(path: &Path) -> io::Result<fs::File> {
    match fs::File::create(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::File::create(path)
        }
        result => result,
    }
}

fn swap_in(staging: &Path, dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        return fs::rename(staging, dir);
    }
    let old = sibling(dir, "old");
    if old.exists() {
        fs::remove_dir_all(&old)?;
    }
    fs::rename(dir, &old)?;
    if let Err(e) = fs::rename(staging, dir) {
        // Put the previous site back rather than leave nothing.
        let _ = fs::rename(&old, dir);
        return Err(e);
    }
    remove_tree(&old)
}

/// Removes a folder and everything in it, its files in parallel: deleting
/// the previous site of a large book (tens of thousands of files, hundreds
/// of megabytes) is the kernel freeing their pages, which two cores do in
/// half the time.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files.par_iter().try_for_each(fs::remove_file)?;
    // Walked parents first: removed children first.
    for dir in dirs.iter().rev() {
        fs::remove_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_the_whole_folder_and_discard_leaves_it() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("stale")).unwrap();
        fs::write(out.join("stale/old.html"), "old").unwrap();

        let staging = Staging::new(&out).unwrap();
        staging.put("sources/a.html", b"new".to_vec()).unwrap();
        staging.discard();
        assert_eq!(fs::read(out.join("stale/old.html")).unwrap(), b"old");

        let staging = Staging::new(&out).unwrap();
        staging.put("sources/a.html", b"new".to_vec()).unwrap();
        staging.commit().unwrap();
        assert!(!out.join("stale").exists());
        assert_eq!(fs::read(out.join("sources/a.html")).unwrap(), b"new");
        let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging folder left behind");
    }

    #[test]
    fn a_streamed_page_is_written_in_pieces_and_its_head_replaced_when_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let staging = Staging::new(&out).unwrap();
        let mut kept = staging.stream("print.html").unwrap();
        kept.write(b"<head>").unwrap();
        kept.write(b"one ").unwrap();
        kept.write(b"two ").unwrap();
        kept.finish(None, b"</end>").unwrap();
        let mut replaced = staging.stream("sub/other.html").unwrap();
        replaced.write(b"<short>").unwrap();
        replaced.write(b"one").unwrap();
        replaced
            .finish(Some((7, b"<a longer head>")), b".")
            .unwrap();
        staging.commit().unwrap();
        assert_eq!(
            fs::read(out.join("print.html")).unwrap(),
            b"<head>one two </end>"
        );
        assert_eq!(
            fs::read(out.join("sub/other.html")).unwrap(),
            b"<a longer head>one."
        );
        let names: Vec<_> = fs::read_dir(out.join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1, "no replacement file left behind");

        // The default gathers the pieces for `put`.
        let site = std::sync::Mutex::new(Vec::new());
        struct Keep<'a>(&'a std::sync::Mutex<Vec<(String, Vec<u8>)>>);
        impl PageSink for Keep<'_> {
            fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
                self.0.lock().unwrap().push((path.to_string(), bytes));
                Ok(())
            }
        }
        let keep = Keep(&site);
        let mut page = keep.stream("p.html").unwrap();
        page.write(b"<old>").unwrap();
        page.write(b"body").unwrap();
        page.finish(Some((5, b"<new head>")), b"!").unwrap();
        assert_eq!(
            site.into_inner().unwrap(),
            [("p.html".to_string(), b"<new head>body!".to_vec())]
        );
    }
}
