//! Reading files into the workspace's source map: the one place that decides whether a file may
//! be read (the run's fence, an editor's unsaved buffer), decodes it and reports a file that
//! cannot be read. Discovery and every front end read through here.

use super::Workspace;
use crate::diagnostic::{not_read, parse_error};
use crate::source::{display_path, FileId, Lang, SourceFile};
use std::path::Path;

impl Workspace {
    /// Read a file into the source map. A file outside the run's [fence](crate::source::Fence) is
    /// not read: one STV002 says so and why. Unreadable files and undecodable bytes give one
    /// STV001; the file is still added (with the text that could be read) so the diagnostic has a
    /// place. `None` when there is no text to work with.
    pub fn read_source(&mut self, path: &Path, lang: Lang) -> Option<FileId> {
        if let Err(why) = self.fenced(path) {
            // A file the user named (`--var-file`, `--parameters`) that is no regular file (a
            // FIFO, a device) is one the run was asked to read and could not: an STV001.
            if crate::source::realpath(path).is_some_and(|c| self.fence.allowed.contains(&c)) {
                return self.add_source(path, lang, Err(std::io::Error::other(why)));
            }
            self.diagnostics.push(not_read(
                None,
                "file",
                &display_path(path),
                &why,
                "its content is unknown",
            ));
            return None;
        }
        let bytes = self.read_bytes(path);
        self.add_source(path, lang, bytes)
    }

    /// `Err(why)` when the run must not read `path` (an editor's unsaved buffer always may be).
    pub fn fenced(&self, path: &Path) -> Result<(), String> {
        if !self.overlay.is_empty() && self.overlay.contains_key(&crate::source::canonical(path)) {
            return Ok(());
        }
        self.fence.check_file(path)
    }

    /// [`Workspace::read_source`] for bytes already read (or the error reading them gave).
    pub fn add_source(
        &mut self,
        path: &Path,
        lang: Lang,
        bytes: std::io::Result<Vec<u8>>,
    ) -> Option<FileId> {
        let display = display_path(path);
        match bytes {
            Err(e) => {
                let id = self.sources.add(SourceFile::new(
                    path.to_path_buf(),
                    display,
                    String::new(),
                    lang,
                ));
                self.diagnostics
                    .push(parse_error(id, 0, format!("cannot read the file: {e}")));
                None
            }
            Ok(bytes) => self.add_decoded(path, lang, crate::source::decode(bytes, lang)),
        }
    }

    /// [`Workspace::add_source`] for text already decoded (or what decoding gave instead: the
    /// text read, and where and why it could not be decoded).
    pub fn add_decoded(
        &mut self,
        path: &Path,
        lang: Lang,
        decoded: Result<String, (String, usize, String)>,
    ) -> Option<FileId> {
        let display = display_path(path);
        match decoded {
            Ok(text) => {
                Some(
                    self.sources
                        .add(SourceFile::new(path.to_path_buf(), display, text, lang)),
                )
            }
            Err((text, at, why)) => {
                let id = self
                    .sources
                    .add(SourceFile::new(path.to_path_buf(), display, text, lang));
                self.diagnostics.push(parse_error(id, at, why));
                None
            }
        }
    }

    /// The file of the run at `path`, read now when no front end or discovery has read it yet.
    /// `None` when it cannot be read (that STV001 or STV002 is already reported).
    pub fn find_or_read(&mut self, path: &Path, lang: Lang) -> Option<FileId> {
        if let Some(id) = self.sources.find(path) {
            return Some(id);
        }
        self.read_source(path, lang)
    }

    /// The file's bytes: the editor's unsaved buffer when there is one, else the disk.
    pub fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if !self.overlay.is_empty() {
            if let Some(t) = self.overlay.get(&crate::source::canonical(path)) {
                return Ok(t.clone().into_bytes());
            }
        }
        crate::source::read_regular(path)
    }
}
