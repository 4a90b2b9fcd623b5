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

/// A file that could not be read, created or written, for the messages
/// of the commands that make files (`new`, `import`) or read them.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", .path.display())]
pub struct FileError {
    /// What was being done: `read`, `create`, `write`, `open`, `watch`.
    pub action: &'static str,
    /// The file or folder.
    pub path: PathBuf,
    /// Why it failed.
    pub source: io::Error,
}

impl FileError {
    /// For `map_err`: reading `path` failed.
    pub fn read(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
        Self::doing("read", path)
    }

    /// For `map_err`: creating the folder `path` failed.
    pub fn create(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
        Self::doing("create", path)
    }

    /// For `map_err`: writing `path` failed.
    pub fn write(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
        Self::doing("write", path)
    }

    /// For `map_err`: `action` on `path` failed.
    pub fn doing<'p>(
        action: &'static str,
        path: &'p Path,
    ) -> impl FnOnce(io::Error) -> FileError + 'p {
        move |source| FileError {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Discards pages: for `check`, which writes nothing.
pub struct NullSink;

impl PageSink for NullSink {
    fn put(&self, _path: &str, _bytes: Vec<u8>) -> io::Result<()> {
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

/// The file that marks a folder as briefbook's own output, written into
/// every site a build makes (as cargo marks its target folders with
/// `CACHEDIR.TAG`). A build replaces a folder only if it is empty or
/// carries this file, so it never deletes a folder of someone's files. It
/// is a dotfile: static hosts and the HTML checks leave it alone, and a
/// site published with it shows nothing.
pub const MARKER: &str = ".briefbook-output";

/// The marker's first line, which a folder's marker must start with: a
/// stray file of the same name is not taken for briefbook's.
const MARKER_SIGNATURE: &str = "briefbook output folder";

/// What the marker says, for whoever finds it.
const MARKER_TEXT: &str = "briefbook output folder\n\
    # This folder was made by `briefbook build`, which replaces it whole on\n\
    # every build. Delete this file to keep briefbook from replacing it.\n";

/// `path` as the system will find it: made absolute against the current
/// folder, its `.` and `..` taken away as written (so `nonexist/../content`
/// is `content`, whether `nonexist` exists or not), then the longest part
/// that exists replaced by its canonical path, so that a symbolic link
/// cannot hide where it leads. Writing through the resolved path, and
/// checking it, is what makes the check and the write agree.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    use std::path::Component;
    let absolute = std::path::absolute(path)?;
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            // `..` of the root is the root, as for the system.
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    // Something there, even a dangling link, is resolved (and a dangling
    // link is an error: where it leads cannot be checked).
    while fs::symlink_metadata(existing).is_err() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = existing.canonicalize()?;
    resolved.extend(rest.into_iter().rev());
    Ok(resolved)
}

/// A hidden sibling of the output folder `dir` that belongs to this
/// process: `.<output>.briefbook-<tag>-<pid>`.
fn sibling(dir: &Path, tag: &str) -> PathBuf {
    sibling_named(dir, &format!("{tag}-{}", std::process::id()))
}

/// `.<output>.briefbook-<suffix>` beside `dir`.
fn sibling_named(dir: &Path, suffix: &str) -> PathBuf {
    dir.with_file_name(format!(".{}.briefbook-{suffix}", output_name(dir)))
}

fn output_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into())
}

/// What an existing output folder holds, as far as replacing it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Nothing is there yet, or an empty folder.
    Nothing,
    /// A site briefbook built: it carries the [`MARKER`].
    Site,
    /// A folder with files and no marker: someone's files, or a site built
    /// by a briefbook older than the marker.
    Foreign,
}

/// What is at the output folder `dir` now ([`resolve`]d: a file there has
/// been refused already).
pub fn existing(dir: &Path) -> io::Result<Existing> {
    let mut entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(e),
    };
    if entries.next().is_none() {
        return Ok(Existing::Nothing);
    }
    let marked =
        fs::read(dir.join(MARKER)).is_ok_and(|text| text.starts_with(MARKER_SIGNATURE.as_bytes()));
    Ok(if marked {
        Existing::Site
    } else {
        Existing::Foreign
    })
}

/// The right to write one output folder, held from before a build looks
/// at it until its site is swapped in or thrown away: builds of the same
/// output wait for each other instead of racing for the same renames.
///
/// It is an advisory lock (`flock`, on Unix; elsewhere there is none) on
/// the hidden file `.<output>.briefbook-lock` beside the output folder,
/// next to the staging folders: never in the site, never among the book's
/// sources. The system releases it when the process ends, however it
/// ends, so a killed build never blocks the next; and the file is removed
/// when the lock is let go.
pub struct OutputLock {
    /// Open for as long as the lock is held: closing it lets go.
    _file: fs::File,
    /// The lock file.
    path: PathBuf,
    /// The output folder it guards.
    dir: PathBuf,
}

impl OutputLock {
    /// Takes the lock of the output folder `dir` (creating the folder it
    /// goes in), calling `waiting` first if another process holds it.
    pub fn acquire(dir: &Path, waiting: impl FnOnce()) -> io::Result<OutputLock> {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        let path = sibling_named(dir, "lock");
        let mut waiting = Some(waiting);
        loop {
            let file = open_lock_file(&path)?;
            if !try_lock(&file)? {
                if let Some(waiting) = waiting.take() {
                    waiting();
                }
                lock(&file)?;
            }
            // The holder before us removes the file as it lets go: a lock
            // on a file no longer at `path` guards nothing, so try again.
            if same_file(&file, &path) {
                return Ok(OutputLock {
                    _file: file,
                    path,
                    dir: dir.to_path_buf(),
                });
            }
        }
    }
}

/// Opens (creating it) the lock file at `path`, never through a symbolic
/// link: the lock file sits beside the output, often in the book's own
/// folder, and a book could ship a link there that leads elsewhere (a
/// dangling one would have the file created wherever it points).
fn open_lock_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other("it is a symbolic link"));
    }
    options.open(path).map_err(|e| {
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::other(format!(
                "{} is a symbolic link, which briefbook does not follow",
                path.display()
            ))
        } else {
            e
        }
    })
}

/// Takes the advisory lock of `file` if it is free; `false` if another
/// holds it. `flock` through `libc` rather than `File::try_lock`, which
/// needs Rust 1.89 (the crate asks for 1.85).
#[cfg(unix)]
fn try_lock(file: &fs::File) -> io::Result<bool> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: `flock` only acts on the open file descriptor it is given.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    match error.kind() {
        io::ErrorKind::WouldBlock => Ok(false),
        io::ErrorKind::Interrupted => try_lock(file),
        _ => Err(error),
    }
}

/// Waits for the advisory lock of `file` and takes it. It is let go when
/// the file is closed, however the process ends.
#[cfg(unix)]
fn lock(file: &fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd as _;
    loop {
        // SAFETY: as in `try_lock`.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// No advisory lock here: builds of one output are not kept apart.
#[cfg(not(unix))]
fn try_lock(_file: &fs::File) -> io::Result<bool> {
    Ok(true)
}

#[cfg(not(unix))]
fn lock(_file: &fs::File) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &fs::File, path: &Path) -> bool {
    // An open file cannot be removed here: the lock file stays.
    path.exists()
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held, so that nobody takes a lock on it that
        // the next comer would not see (see `acquire`).
        // The lock goes with the file, closed after this.
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// What [`clean_leftovers`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Leftovers {
    /// Staging folders and previous sites of killed builds, removed.
    pub removed: Vec<PathBuf>,
    /// A previous site put back as the output: a build was killed between
    /// the two renames of a swap without an atomic exchange, leaving no
    /// output folder.
    pub restored: Option<PathBuf>,
}

/// Removes what builds of the output folder `dir` that were killed left
/// beside it: their staging folders (`.<output>.briefbook-tmp-<pid>`) and
/// previous sites (`-old-<pid>`). Call it only while holding the
/// [`OutputLock`], so that no running build's folder is taken.
///
/// A build killed between the two renames of the fallback swap left no
/// output folder but the previous site aside: that site is put back
/// rather than deleted (it is known to be whole; the new one was not yet
/// in place when the build was stopped).
pub fn clean_leftovers(dir: &Path) -> io::Result<Leftovers> {
    let mut done = Leftovers::default();
    let Some(parent) = dir.parent() else {
        return Ok(done);
    };
    let prefix = format!(".{}.briefbook-", output_name(dir));
    let mut found = Vec::new();
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(done),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some((tag, pid)) = rest.split_once('-') else {
            continue;
        };
        let ours = matches!(tag, "tmp" | "old")
            && !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit());
        // Only real folders: never follow a link out of here.
        if ours && entry.file_type()?.is_dir() {
            found.push((tag == "old", entry.path()));
        }
    }
    found.sort();
    if fs::symlink_metadata(dir).is_err() {
        if let Some(i) = found.iter().position(|(old, _)| *old) {
            let (_, old) = found.remove(i);
            fs::rename(&old, dir)?;
            done.restored = Some(old);
        }
    }
    for (_, path) in found {
        remove_tree(&path)?;
        done.removed.push(path);
    }
    Ok(done)
}

/// A staging folder that becomes the output folder on [`Staging::commit`].
///
/// Its first write error is kept and ends the writing: every later file
/// is dropped at once, so a full disk costs one error, not one per page,
/// and [`Staging::commit`] refuses to swap in a site with a file missing.
pub struct Staging {
    target: PathBuf,
    staging: PathBuf,
    /// Set by the first write that failed.
    failed: std::sync::atomic::AtomicBool,
    /// Held until the site is swapped in or thrown away.
    _lock: OutputLock,
}

impl Staging {
    /// Creates an empty staging folder beside the output folder that
    /// `lock` guards, holding the lock until the staging folder is
    /// committed or discarded.
    pub fn new(lock: OutputLock) -> io::Result<Staging> {
        let target = lock.dir.as_path();
        let staging = sibling(target, "tmp");
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir_all(&staging)?;
        // Marked from the start: what is swapped in is ours.
        fs::write(staging.join(MARKER), MARKER_TEXT)?;
        Ok(Staging {
            target: target.to_path_buf(),
            staging,
            failed: std::sync::atomic::AtomicBool::new(false),
            _lock: lock,
        })
    }

    /// Whether a write has failed: the site is not whole.
    pub fn failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Replaces the output folder with the staging folder.
    pub fn commit(self) -> io::Result<()> {
        if self.failed() {
            let _ = remove_tree(&self.staging);
            return Err(io::Error::other("a file of the site could not be written"));
        }
        let result = swap_in(&self.staging, &self.target);
        if result.is_err() {
            let _ = remove_tree(&self.staging);
        }
        result
    }

    /// Throws the staging folder away, leaving the output untouched.
    pub fn discard(self) {
        let _ = remove_tree(&self.staging);
    }

    /// Where the file `path` of the site goes in the staging folder. Every
    /// path was made from names that passed `sitepath::name_problem`; this
    /// is the last guard, should a new kind of page ever miss that check:
    /// a path that could leave the folder is refused, never joined.
    fn inside(&self, path: &str) -> io::Result<PathBuf> {
        if crate::sitepath::is_inside(path) {
            Ok(self.staging.join(path))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{path:?} is not a path inside the site"),
            ))
        }
    }

    /// Runs one write of the site unless one has failed already. The first
    /// failure is returned, for the caller to report; later writes, and
    /// writes that fail beside it on other threads, return `Ok` at once:
    /// the build fails with the one error, and the site is thrown away.
    fn write(&self, write: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
        use std::sync::atomic::Ordering;
        if self.failed() {
            return Ok(());
        }
        match write() {
            Err(e) if !self.failed.swap(true, Ordering::Relaxed) => Err(e),
            _ => Ok(()),
        }
    }
}

impl PageSink for Staging {
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        use std::io::Write as _;
        self.write(|| create_in_folder(&self.inside(path)?)?.write_all(&bytes))
    }

    fn stream<'s>(&'s self, path: &str) -> io::Result<Box<dyn PageStream + Send + 's>> {
        let path = self.inside(path)?;
        let mut file = None;
        self.write(|| {
            file = Some(create_in_folder(&path)?);
            Ok(())
        })?;
        Ok(Box::new(FileStream {
            file,
            path,
            staging: self,
        }))
    }
}

/// A file of the staging folder being written piece by piece.
struct FileStream<'s> {
    /// `None` once the staging folder has failed a write: the rest of the
    /// file is dropped.
    file: Option<fs::File>,
    path: PathBuf,
    staging: &'s Staging,
}

impl PageStream for FileStream<'_> {
    fn write(&mut self, piece: &[u8]) -> io::Result<()> {
        use std::io::Write as _;
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        self.staging.write(|| file.write_all(piece))
    }

    fn finish(self: Box<Self>, head: Option<(usize, &[u8])>, tail: &[u8]) -> io::Result<()> {
        use std::io::{Seek as _, Write as _};
        let FileStream {
            file,
            path,
            staging,
        } = *self;
        let Some(mut file) = file else {
            return Ok(());
        };
        staging.write(|| {
            let Some((len, new)) = head else {
                return file.write_all(tail);
            };
            drop(file);
            // A new file: the new opening, the rest of the old one (copied
            // by the kernel where it can), the tail; then renamed over the
            // old.
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
        })
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

/// Puts the staging folder in the place of the output folder `dir`.
///
/// Where the system can exchange two names in one step (Linux's
/// `renameat2` with `RENAME_EXCHANGE`), it does: there is never a moment
/// without an output folder, and the previous site ends up at the staging
/// path, from where it is removed. Elsewhere, or on a file system that
/// refuses the exchange, the fallback is two renames: the previous site
/// aside (`.<output>.briefbook-old-<pid>`), then the staging folder into
/// place. A build killed between the two leaves no output folder, which
/// the next build repairs ([`clean_leftovers`]).
fn swap_in(staging: &Path, dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(staging, dir);
    }
    match exchange(staging, dir) {
        Ok(()) => remove_tree(staging),
        Err(e) if !exchange_unsupported(&e) => Err(e),
        Err(_) => swap_by_renames(staging, dir),
    }
}

/// [`swap_in`] without an atomic exchange: two renames.
fn swap_by_renames(staging: &Path, dir: &Path) -> io::Result<()> {
    let old = sibling(dir, "old");
    // Whatever is there, even a link (never followed: see `remove_tree`).
    if fs::symlink_metadata(&old).is_ok() {
        remove_tree(&old)?;
    }
    fs::rename(dir, &old)?;
    if let Err(e) = fs::rename(staging, dir) {
        // Put the previous site back rather than leave nothing.
        let _ = fs::rename(&old, dir);
        return Err(e);
    }
    remove_tree(&old)
}

/// Exchanges the names `a` and `b` atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt as _;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call,
    // which only reads them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// No atomic exchange here: the two renames of [`swap_in`] instead.
#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Whether `error` says the exchange is not available, rather than that
/// it failed: a kernel older than 3.15 (ENOSYS) or a file system without
/// it (EINVAL, as the man page says; EOPNOTSUPP from some).
fn exchange_unsupported(error: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(
        error.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    ) {
        return true;
    }
    error.kind() == io::ErrorKind::Unsupported
}

/// Removes a folder and everything in it, its files in parallel: deleting
/// the previous site of a large book (tens of thousands of files, hundreds
/// of megabytes) is the kernel freeing their pages, which two cores do in
/// half the time.
///
/// A link at `dir` itself is removed, never followed (WalkDir follows a
/// root link unless told not to): a name beside the output could be a
/// link that a book shipped, leading to someone's files.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    if fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return fs::remove_file(dir);
    }
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_root_links(false) {
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

    /// A staging folder for `out`, holding its lock.
    fn staging_for(out: &Path) -> Staging {
        Staging::new(OutputLock::acquire(out, || {}).unwrap()).unwrap()
    }

    /// A folder holding `out/`, a previous site of one page, `old.html`.
    fn previous_site() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("old.html"), "old").unwrap();
        (tmp, out)
    }

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn paths_are_resolved_as_written_even_through_missing_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        fs::create_dir(base.join("content")).unwrap();
        for (path, resolved) in [
            ("nonexist/../content", "content"),
            ("./a/./b/../../content/x/..", "content"),
            ("content/new/deeper", "content/new/deeper"),
        ] {
            assert_eq!(
                resolve(&base.join(path)).unwrap(),
                base.join(resolved),
                "{path}"
            );
        }
        assert_eq!(resolve(Path::new("/../..")).unwrap(), Path::new("/"));
        #[cfg(unix)]
        {
            // A link is seen through, even below a missing folder's `..`.
            std::os::unix::fs::symlink(base.join("content"), base.join("link")).unwrap();
            assert_eq!(
                resolve(&base.join("x/../link/site")).unwrap(),
                base.join("content/site")
            );
            // A link to nowhere cannot be checked: an error.
            std::os::unix::fs::symlink(base.join("gone"), base.join("dangling")).unwrap();
            assert!(resolve(&base.join("dangling")).is_err());
        }
    }

    #[test]
    fn a_folder_is_ours_only_with_the_marker() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        assert_eq!(existing(&out).unwrap(), Existing::Nothing);
        fs::create_dir(&out).unwrap();
        assert_eq!(existing(&out).unwrap(), Existing::Nothing);
        fs::write(out.join("notes.txt"), "mine").unwrap();
        assert_eq!(existing(&out).unwrap(), Existing::Foreign);
        // A file of the marker's name that is not the marker.
        fs::write(out.join(MARKER), "something else").unwrap();
        assert_eq!(existing(&out).unwrap(), Existing::Foreign);
        let staging = staging_for(&out);
        staging.commit().unwrap();
        assert_eq!(existing(&out).unwrap(), Existing::Site);
        assert_eq!(names(&out), [MARKER]);
    }

    #[test]
    fn the_fallback_swap_leaves_no_sibling_either() {
        let (tmp, out) = previous_site();
        let staging = tmp.path().join(".out.briefbook-tmp-1");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("new.html"), "new").unwrap();
        swap_by_renames(&staging, &out).unwrap();
        assert_eq!(names(&out), ["new.html"]);
        assert_eq!(names(tmp.path()), ["out"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_fallback_swap_never_follows_a_link_in_the_place_of_the_previous_site() {
        // A book ships `.out.briefbook-old-<pid>` as a link to someone's
        // folder: the swap without an exchange (macOS, some file systems)
        // removed the files it leads to.
        let (tmp, out) = previous_site();
        let mine = tmp.path().join("mine");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("precious.txt"), "mine").unwrap();
        std::os::unix::fs::symlink(&mine, sibling(&out, "old")).unwrap();
        let staging = tmp.path().join(".out.briefbook-tmp-1");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("new.html"), "new").unwrap();
        swap_by_renames(&staging, &out).unwrap();
        assert_eq!(names(&out), ["new.html"]);
        assert_eq!(fs::read(mine.join("precious.txt")).unwrap(), b"mine");
        // Nor does removing a tree given as a link.
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&mine, &link).unwrap();
        remove_tree(&link).unwrap();
        assert!(fs::symlink_metadata(&link).is_err());
        assert_eq!(names(&mine), ["precious.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_never_opened_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let elsewhere = tmp.path().join("elsewhere.txt");
        std::os::unix::fs::symlink(&elsewhere, sibling_named(&out, "lock")).unwrap();
        assert!(OutputLock::acquire(&out, || {}).is_err());
        assert!(!elsewhere.exists(), "a file was created through the link");
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed_and_a_lost_site_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let make = |name: &str| {
            fs::create_dir_all(tmp.path().join(name).join("sub")).unwrap();
            fs::write(tmp.path().join(name).join("sub/page.html"), name).unwrap();
        };
        // Killed while writing, killed while removing the previous site,
        // and names that are not ours.
        make(".out.briefbook-tmp-12");
        make(".out.briefbook-old-13");
        make(".out.briefbook-tmp-x");
        make(".other.briefbook-tmp-14");
        fs::write(tmp.path().join(".out.briefbook-tmp-15"), "a file").unwrap();
        make("out");
        let done = clean_leftovers(&out).unwrap();
        assert_eq!(done.removed.len(), 2);
        assert_eq!(done.restored, None);
        assert_eq!(
            names(tmp.path()),
            [
                ".other.briefbook-tmp-14",
                ".out.briefbook-tmp-15",
                ".out.briefbook-tmp-x",
                "out"
            ]
        );

        // Killed between the two renames: no output, the previous site
        // aside. It is put back.
        fs::remove_dir_all(&out).unwrap();
        make(".out.briefbook-old-16");
        make(".out.briefbook-tmp-16");
        let done = clean_leftovers(&out).unwrap();
        assert_eq!(
            done.restored,
            Some(tmp.path().join(".out.briefbook-old-16"))
        );
        assert_eq!(
            fs::read(out.join("sub/page.html")).unwrap(),
            b".out.briefbook-old-16"
        );
        assert!(!tmp.path().join(".out.briefbook-tmp-16").exists());
    }

    #[test]
    fn a_second_writer_of_an_output_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputLock::acquire(&out, || panic!("nobody holds it")).unwrap();
        let (told, waiting) = std::sync::mpsc::channel();
        let second = std::thread::spawn({
            let out = out.clone();
            move || {
                let lock = OutputLock::acquire(&out, move || told.send(()).unwrap()).unwrap();
                drop(lock);
            }
        });
        // The second says it waits, and gets the lock once the first is
        // let go; then the lock file is gone.
        waiting.recv().unwrap();
        drop(first);
        second.join().unwrap();
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn the_first_write_error_ends_the_writing_and_the_commit() {
        let (tmp, out) = previous_site();
        let staging = staging_for(&out);
        staging.put("a", b"a file".to_vec()).unwrap();
        // A folder is needed where `a` is a file: the first error.
        let error = staging.put("a/b.html", Vec::new()).unwrap_err();
        assert!(!error.to_string().is_empty());
        assert!(staging.failed());
        // Nothing more is written, and nothing more is said.
        staging.put("a/c.html", Vec::new()).unwrap();
        staging.put("d.html", Vec::new()).unwrap();
        let mut stream = staging.stream("a/print.html").unwrap();
        stream.write(b"x").unwrap();
        stream.finish(None, b"").unwrap();
        assert!(!staging.staging.join("d.html").exists());
        assert!(staging.commit().is_err());
        assert_eq!(names(&out), ["old.html"]);
        assert_eq!(names(tmp.path()), ["out"]);
    }

    #[test]
    fn commit_replaces_the_whole_folder_and_discard_leaves_it() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("stale")).unwrap();
        fs::write(out.join("stale/old.html"), "old").unwrap();

        let staging = staging_for(&out);
        staging.put("sources/a.html", b"new".to_vec()).unwrap();
        staging.discard();
        assert_eq!(fs::read(out.join("stale/old.html")).unwrap(), b"old");

        let staging = staging_for(&out);
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
        let staging = staging_for(&out);
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
