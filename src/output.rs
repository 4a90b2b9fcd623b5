//! Writing the site atomically.
//!
//! The new site is written in full to a sibling folder, then swapped in with
//! renames, so a reader (or a static server) never sees half a site, and a
//! build that fails before this point leaves the previous output untouched.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::site::Site;

fn sibling(dir: &Path, tag: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into());
    dir.with_file_name(format!(".{name}.briefbook-{tag}-{}", std::process::id()))
}

/// Writes `site` into `dir`, replacing what was there.
pub fn write_atomically(site: &Site, dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let staging = sibling(dir, "tmp");
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let result = write_all(site, &staging).and_then(|()| swap_in(&staging, dir));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn write_all(site: &Site, staging: &Path) -> io::Result<()> {
    fs::create_dir_all(staging)?;
    for (path, bytes) in &site.files {
        let target = staging.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(target, bytes)?;
    }
    Ok(())
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
    fs::remove_dir_all(&old)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(out.join("stale")).unwrap();
        fs::write(out.join("stale/old.html"), "old").unwrap();
        let mut site = Site::default();
        site.files.insert("sources/a.html".into(), b"new".to_vec());
        write_atomically(&site, &out).unwrap();
        assert!(!out.join("stale").exists());
        assert_eq!(fs::read(out.join("sources/a.html")).unwrap(), b"new");
        let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging folder left behind");
    }
}
