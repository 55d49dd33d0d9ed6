//! Pseudonymised customer ids: each id is replaced by a keyed hash (HMAC-SHA256 under a secret
//! key), so the same customer keeps the same pseudonym across files and imports made with the
//! same key, while nobody without the key can link a pseudonym back to a person.
//!
//! The key never goes into a project file or a bundle. It lives in a key file: the one named by
//! `--key-file`, else by the `TIERLAB_KEY_FILE` environment variable, else
//! `~/.config/tierlab/pseudonym.key` (`%APPDATA%\tierlab\pseudonym.key` on Windows), created with
//! a random key the first time it is needed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use thiserror::Error;

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;

/// The environment variable naming the key file.
pub const KEY_FILE_VAR: &str = "TIERLAB_KEY_FILE";

/// A secret pseudonymisation key.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; KEY_BYTES]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)") // never printed
    }
}

/// Why a key could not be had.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("{action} the pseudonymisation key: {reason}: {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The key file.
        path: PathBuf,
        /// The operating system's reason.
        reason: std::io::Error,
    },
    /// The key file holds something else than 64 hexadecimal digits.
    #[error(
        "the pseudonymisation key file must hold {} hexadecimal digits: {path}",
        KEY_BYTES * 2
    )]
    Malformed {
        /// The key file.
        path: PathBuf,
    },
    /// No place for a key file is known (no home folder).
    #[error("no key file: pass --key-file or set {KEY_FILE_VAR}")]
    NoLocation,
}

impl Key {
    /// A key from its bytes (tests and callers that manage keys themselves).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Key {
        Key(bytes)
    }

    /// The pseudonym of `id`: `P` and the first 16 hexadecimal digits of HMAC-SHA256(key, id).
    /// 64 bits: two of a million customers share one with a chance of about 3 in 100 million.
    pub fn pseudonym(&self, id: &str) -> String {
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(17);
        out.push('P');
        for b in &digest[..8] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// Reads the key in `path`, or makes a random one there (readable by its owner only) when
    /// the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Key, KeyError> {
        let io = |action: &'static str| {
            move |reason| KeyError::Io {
                action,
                path: path.to_path_buf(),
                reason,
            }
        };
        match fs::read_to_string(path) {
            Ok(text) => Key::parse(text.trim()).ok_or_else(|| KeyError::Malformed {
                path: path.to_path_buf(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; KEY_BYTES];
                rand::rng().fill_bytes(&mut bytes);
                let key = Key(bytes);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    fs::create_dir_all(dir).map_err(io("cannot create the folder of"))?;
                }
                let mut options = fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(path).map_err(io("cannot create"))?;
                file.write_all(format!("{}\n", key.hex()).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(io("cannot write"))?;
                Ok(key)
            }
            Err(e) => Err(io("cannot read")(e)),
        }
    }

    /// The key file to use: `given`, else `$TIERLAB_KEY_FILE`, else the per-user default.
    pub fn location(given: Option<&Path>) -> Result<PathBuf, KeyError> {
        if let Some(p) = given {
            return Ok(p.to_path_buf());
        }
        if let Some(p) = std::env::var_os(KEY_FILE_VAR).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
            .ok_or(KeyError::NoLocation)?;
        Ok(config.join("tierlab").join("pseudonym.key"))
    }

    fn parse(hex: &str) -> Option<Key> {
        if hex.len() != KEY_BYTES * 2 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; KEY_BYTES];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Key(bytes))
    }

    fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_stable_and_distinct() {
        let a = Key::from_bytes([1; KEY_BYTES]);
        let b = Key::from_bytes([2; KEY_BYTES]);
        assert_eq!(a.pseudonym("C000001"), a.pseudonym("C000001"));
        assert_ne!(a.pseudonym("C000001"), a.pseudonym("C000002"));
        assert_ne!(a.pseudonym("C000001"), b.pseudonym("C000001"));
        let p = a.pseudonym("C000001");
        assert_eq!(p.len(), 17);
        assert!(p.starts_with('P') && p[1..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(!format!("{a:?}").contains("01"), "the key is never printed");
    }

    #[test]
    fn a_missing_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("k.key");
        let first = Key::load_or_create(&path).unwrap();
        let again = Key::load_or_create(&path).unwrap();
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read the key");
        }
        fs::write(&path, "not hex").unwrap();
        let err = Key::load_or_create(&path).unwrap_err();
        assert!(err.to_string().contains("64 hexadecimal digits"), "{err}");
        assert!(Key::location(Some(&path)).unwrap() == path);
    }
}
