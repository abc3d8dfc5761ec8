//! The push bodies `bankfeeds prepare` keeps aside while it reads a file once
//! (`bankfeeds::stream::prepare_path_spooling`): each body's transactions, as JSON, in a
//! temporary file that only this process can reach, read back in order once the file's findings
//! say the batches may be written. The batches then need no second reading of the file.
//!
//! The spool lives in the system's temporary folder and is gone when the command ends: on Unix
//! it has no name once opened, elsewhere it is removed when dropped. A spool that cannot be
//! made or written is not an error: the batches then come from a second reading, as before.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// Each push body's transactions as a JSON array, one after the other, in a temporary file.
pub struct Spool {
    file: File,
    /// Where the file is, while it still has a name (until dropped, where a file open cannot
    /// lose its name).
    path: Option<PathBuf>,
    /// Each body's bytes and transactions, in order.
    bodies: Vec<(usize, usize)>,
}

impl Spool {
    /// A new, empty spool in the system's temporary folder.
    pub fn new() -> io::Result<Spool> {
        let dir = std::env::temp_dir();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = dir.join(format!(
            "bankfeeds-spool-{}-{stamp}.json",
            std::process::id()
        ));
        let mut open = std::fs::OpenOptions::new();
        open.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let file = open.open(&path)?;
        // On Unix the open file outlives its name: nothing is left behind, whatever happens.
        let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
            None
        } else {
            Some(path)
        };
        Ok(Spool {
            file,
            path,
            bodies: Vec::new(),
        })
    }

    /// Keeps one body's transactions (`array`, `count` of them).
    pub fn keep(&mut self, array: &[u8], count: usize) -> io::Result<()> {
        self.file.write_all(array)?;
        self.bodies.push((array.len(), count));
        Ok(())
    }

    /// Reads the bodies back in order, handing each one's array and transaction count to
    /// `each`, which stops at its first error. `Err(io)` is a failure to read the spool back.
    pub fn each<E>(
        &mut self,
        mut each: impl FnMut(&[u8], usize) -> Result<(), E>,
    ) -> io::Result<Result<(), E>> {
        self.file.seek(SeekFrom::Start(0))?;
        let mut array = Vec::new();
        for &(len, count) in &self.bodies {
            array.resize(len, 0);
            self.file.read_exact(&mut array)?;
            if let Err(e) = each(&array, count) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_in_order_and_the_spool_leaves_nothing_behind() {
        let mut spool = Spool::new().unwrap();
        let named = spool.path.clone();
        spool.keep(b"[1,2]", 2).unwrap();
        spool.keep(b"[]", 0).unwrap();
        spool.keep(&vec![b'x'; 100_000], 7).unwrap();
        let mut back = Vec::new();
        let read = spool.each(|array, count| {
            back.push((array.to_vec(), count));
            Ok::<_, ()>(())
        });
        assert!(matches!(read, Ok(Ok(()))));
        assert_eq!(
            back,
            [
                (b"[1,2]".to_vec(), 2),
                (b"[]".to_vec(), 0),
                (vec![b'x'; 100_000], 7)
            ]
        );
        // Stopped at the first error, which is handed back.
        let mut seen = 0;
        let stopped = spool.each(|_, _| {
            seen += 1;
            if seen == 2 { Err("full") } else { Ok(()) }
        });
        assert!(matches!(stopped, Ok(Err("full"))));
        assert_eq!(seen, 2);
        if cfg!(unix) {
            assert!(named.is_none(), "the spool has no name once open");
        }
        drop(spool);
        if let Some(path) = named {
            assert!(!path.exists());
        }
    }
}
