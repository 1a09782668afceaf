//! Documents named by their SHA-256 hash instead of sent whole: Apollo's automatic persisted queries (APQ)
//! and a trusted-documents mode.
//!
//! - **Automatic persisted queries.** A request may carry `extensions.persistedQuery` (`{"version": 1,
//!   "sha256Hash": "<64 hex digits>"}`). With the query text as well, the hash is checked against the
//!   text and, once the document has passed admission, kept; with the hash alone, the kept text runs, or
//!   the answer is `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`) and the client sends
//!   both. The store is bounded in bytes and per replica (a client that meets a replica without its hash
//!   goes through the same round trip). Over GET, hash-only requests make short URLs that CDNs can cache.
//! - **Trusted documents** (`--trusted-documents manifest.json`, the `persisted-documents.json` that
//!   GraphQL Code Generator's client preset writes: `{"<sha256>": "<document>"}`): only the manifest's
//!   documents run, named by hash (`extensions.persistedQuery` or a top-level `documentId`,
//!   `sha256:<hex>` or bare hex) or sent as text identical to one of them; anything else is refused with
//!   `TRUSTED_DOCUMENT_REQUIRED`, over HTTP and WebSocket alike, and nothing is learned from requests.

use std::{collections::HashMap, path::Path, sync::Arc};

use quick_cache::{Weighter, sync::Cache};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{auth::secrets::hex, error::ErrorCode};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The SHA-256 of a document's text.
pub fn hash_of(text: &str) -> Hash {
    Sha256::digest(text.as_bytes()).into()
}

/// Parses 64 hex digits (either case).
fn parse_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(hash)
}

/// Why a request's document could not be settled; each maps to one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The code clients see.
    pub code: ErrorCode,
    /// What is wrong, for people.
    pub message: String,
}

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The hash a request names its document by, read from `extensions.persistedQuery` and a top-level
/// `documentId` (which must agree when both are sent). `None` when the request names no hash.
pub fn requested_hash(
    persisted_query: Option<&Value>,
    document_id: Option<&str>,
) -> Result<Option<Hash>, Refusal> {
    let malformed = || {
        Refusal::new(
            ErrorCode::BadRequest,
            "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}",
        )
    };
    let from_extension = match persisted_query {
        None | Some(Value::Null) => None,
        Some(Value::Object(object)) => {
            if object.get("version").and_then(Value::as_i64) != Some(1) {
                return Err(malformed());
            }
            let hash = object
                .get("sha256Hash")
                .and_then(Value::as_str)
                .and_then(parse_hex)
                .ok_or_else(malformed)?;
            Some(hash)
        }
        Some(_) => return Err(malformed()),
    };
    let from_document_id = match document_id {
        None => None,
        Some(id) => Some(
            parse_hex(id.strip_prefix("sha256:").unwrap_or(id)).ok_or_else(|| {
                Refusal::new(
                    ErrorCode::BadRequest,
                    "documentId must be sha256:<64 hex digits>",
                )
            })?,
        ),
    };
    match (from_extension, from_document_id) {
        (Some(a), Some(b)) if a != b => Err(Refusal::new(
            ErrorCode::BadRequest,
            "documentId and extensions.persistedQuery name different documents",
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// The document a request runs, and the hash to keep it under once it has passed admission.
#[derive(Debug, PartialEq, Eq)]
pub struct Settled {
    /// The document's text.
    pub query: String,
    /// Set when the request registered a new automatic persisted query.
    pub register: Option<Hash>,
}

/// Weighs a kept document by its text (and the entry's overhead).
#[derive(Clone)]
struct ByTextSize;

impl Weighter<Hash, Arc<str>> for ByTextSize {
    fn weight(&self, _hash: &Hash, text: &Arc<str>) -> u64 {
        text.len() as u64 + 96
    }
}

/// A trusted-documents manifest that cannot be used.
#[derive(Debug)]
pub struct ManifestError(pub String);

/// The persisted documents of one server: the automatic store, the trusted manifest, or neither.
pub struct PersistedDocuments {
    automatic: Option<Cache<Hash, Arc<str>, ByTextSize>>,
    trusted: Option<HashMap<Hash, Arc<str>>>,
}

impl std::fmt::Debug for PersistedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistedDocuments")
            .field("automatic", &self.automatic.as_ref().map(Cache::len))
            .field("trusted", &self.trusted.as_ref().map(HashMap::len))
            .finish()
    }
}

impl PersistedDocuments {
    /// Automatic persisted queries kept up to `capacity_bytes` of text (0: switched off), and no
    /// manifest.
    pub fn automatic(capacity_bytes: usize) -> Self {
        let automatic = (capacity_bytes > 0).then(|| {
            let estimated_items = (capacity_bytes / 2048).max(16);
            Cache::with_weighter(estimated_items, capacity_bytes as u64, ByTextSize)
        });
        Self {
            automatic,
            trusted: None,
        }
    }

    /// Only the documents of `manifest` (`{"<sha256 hex>": "<document>"}`) run; every key must be the
    /// SHA-256 of its document.
    pub fn trusted(manifest: &str) -> Result<Self, ManifestError> {
        let entries: HashMap<String, String> = serde_json::from_str(manifest).map_err(|e| {
            ManifestError(format!(
                "the trusted-documents manifest is not a JSON object of hashes to documents: {e}"
            ))
        })?;
        let mut trusted = HashMap::with_capacity(entries.len());
        for (key, text) in entries {
            let hash = parse_hex(key.strip_prefix("sha256:").unwrap_or(&key)).ok_or_else(|| {
                ManifestError(format!(
                    "manifest key {key:?} is not a SHA-256 hash (64 hex digits)"
                ))
            })?;
            if hash_of(&text) != hash {
                return Err(ManifestError(format!(
                    "manifest key {key} is not the SHA-256 of its document (it is {}); the manifest must \
                     be written with hashAlgorithm sha256",
                    hex(&hash_of(&text))
                )));
            }
            trusted.insert(hash, Arc::from(text));
        }
        Ok(Self {
            automatic: None,
            trusted: Some(trusted),
        })
    }

    /// Reads a manifest file (see [`PersistedDocuments::trusted`]).
    pub fn trusted_from_file(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ManifestError(format!(
                "cannot read the trusted-documents manifest {}: {e}",
                path.display()
            ))
        })?;
        Self::trusted(&text)
    }

    /// Whether only trusted documents run.
    pub fn is_trusted_only(&self) -> bool {
        self.trusted.is_some()
    }

    /// The document a request runs, from its text (absent, or empty beside a hash, when not sent) and
    /// the hash it names. Text without a hash is passed on as it is (an empty document fails to parse).
    pub fn settle(&self, query: Option<String>, hash: Option<Hash>) -> Result<Settled, Refusal> {
        let query = if hash.is_some() {
            query.filter(|q| !q.is_empty())
        } else {
            query
        };
        if let Some(trusted) = &self.trusted {
            let hash = match (hash, &query) {
                (Some(hash), _) => hash,
                (None, Some(text)) => hash_of(text),
                (None, None) => return Err(query_required()),
            };
            let Some(text) = trusted.get(&hash) else {
                return Err(Refusal::new(
                    ErrorCode::TrustedDocumentRequired,
                    "this server runs only the documents of its trusted-documents manifest, and this \
                     is not one of them",
                ));
            };
            if let Some(query) = &query
                && query.as_str() != &**text
            {
                return Err(hash_mismatch());
            }
            return Ok(Settled {
                query: text.to_string(),
                register: None,
            });
        }
        let Some(hash) = hash else {
            return query.map_or_else(
                || Err(query_required()),
                |query| {
                    Ok(Settled {
                        query,
                        register: None,
                    })
                },
            );
        };
        let Some(automatic) = &self.automatic else {
            return Err(Refusal::new(
                ErrorCode::PersistedQueryNotSupported,
                "PersistedQueryNotSupported",
            ));
        };
        match query {
            Some(query) => {
                if hash_of(&query) != hash {
                    return Err(hash_mismatch());
                }
                let known = automatic.get(&hash).is_some();
                Ok(Settled {
                    query,
                    register: (!known).then_some(hash),
                })
            }
            None => automatic
                .get(&hash)
                .map(|text| Settled {
                    query: text.to_string(),
                    register: None,
                })
                .ok_or_else(|| {
                    Refusal::new(ErrorCode::PersistedQueryNotFound, "PersistedQueryNotFound")
                }),
        }
    }

    /// Keeps a document under its hash, once it has passed validation (after
    /// [`PersistedDocuments::settle`] said to register it).
    pub fn register(&self, hash: Hash, query: &str) {
        if let Some(automatic) = &self.automatic {
            automatic.insert(hash, Arc::from(query));
        }
    }
}

fn query_required() -> Refusal {
    Refusal::new(
        ErrorCode::BadRequest,
        "query is required (or extensions.persistedQuery naming a persisted document)",
    )
}

fn hash_mismatch() -> Refusal {
    Refusal::new(
        ErrorCode::BadRequest,
        "provided sha does not match query: the hash must be the SHA-256 of the query text as sent",
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const QUERY: &str = "{ __typename }";

    fn hex_hash(text: &str) -> String {
        hex(&hash_of(text))
    }

    #[test]
    fn hashes_are_read_from_the_extension_or_the_document_id() {
        let hash = hash_of(QUERY);
        let extension = json!({"version": 1, "sha256Hash": hex_hash(QUERY)});
        assert_eq!(requested_hash(Some(&extension), None), Ok(Some(hash)));
        assert_eq!(
            requested_hash(None, Some(&format!("sha256:{}", hex_hash(QUERY)))),
            Ok(Some(hash))
        );
        assert_eq!(
            requested_hash(None, Some(&hex_hash(QUERY).to_uppercase())),
            Ok(Some(hash))
        );
        assert_eq!(requested_hash(None, None), Ok(None));
        for bad in [
            json!({"version": 2, "sha256Hash": hex_hash(QUERY)}),
            json!({"version": 1, "sha256Hash": "abc"}),
            json!({"version": 1}),
            json!("x"),
        ] {
            assert_eq!(
                requested_hash(Some(&bad), None).unwrap_err().code,
                ErrorCode::BadRequest,
                "{bad}"
            );
        }
        for bad_id in ["sha256:xyz", "", "sha1:abc", &"a".repeat(65)] {
            assert_eq!(
                requested_hash(None, Some(bad_id)).unwrap_err().code,
                ErrorCode::BadRequest,
                "{bad_id}"
            );
        }
        let other = hex_hash("{ other }");
        assert_eq!(
            requested_hash(Some(&extension), Some(&other))
                .unwrap_err()
                .code,
            ErrorCode::BadRequest
        );
    }

    #[test]
    fn automatic_round_trip() {
        let store = PersistedDocuments::automatic(1 << 20);
        let hash = hash_of(QUERY);
        assert_eq!(
            store.settle(None, Some(hash)).unwrap_err().code,
            ErrorCode::PersistedQueryNotFound
        );
        let settled = store.settle(Some(QUERY.into()), Some(hash)).unwrap();
        assert_eq!(settled.register, Some(hash));
        // Not kept until the server registers it (after admission).
        assert!(store.settle(None, Some(hash)).is_err());
        store.register(hash, &settled.query);
        assert_eq!(
            store.settle(None, Some(hash)).unwrap(),
            Settled {
                query: QUERY.into(),
                register: None
            }
        );
        assert_eq!(
            store
                .settle(Some("{ other }".into()), Some(hash))
                .unwrap_err()
                .code,
            ErrorCode::BadRequest
        );
        assert_eq!(
            store.settle(Some(QUERY.into()), None).unwrap().register,
            None
        );
        assert_eq!(
            store.settle(None, None).unwrap_err().code,
            ErrorCode::BadRequest
        );
    }

    #[test]
    fn switched_off_says_so() {
        let store = PersistedDocuments::automatic(0);
        assert_eq!(
            store
                .settle(Some(QUERY.into()), Some(hash_of(QUERY)))
                .unwrap_err()
                .code,
            ErrorCode::PersistedQueryNotSupported
        );
        assert!(store.settle(Some(QUERY.into()), None).is_ok());
    }

    #[test]
    fn trusted_documents_only() {
        let manifest = json!({ hex_hash(QUERY): QUERY }).to_string();
        let store = PersistedDocuments::trusted(&manifest).unwrap();
        let hash = hash_of(QUERY);
        for (query, hash) in [
            (None, Some(hash)),
            (Some(QUERY.to_owned()), None),
            (Some(QUERY.to_owned()), Some(hash)),
        ] {
            assert_eq!(store.settle(query, hash).unwrap().query, QUERY);
        }
        for (query, hash) in [
            (Some("{ other }".to_owned()), None),
            (None, Some(hash_of("{ other }"))),
            (Some("{ other }".to_owned()), Some(hash_of("{ other }"))),
        ] {
            assert_eq!(
                store.settle(query, hash).unwrap_err().code,
                ErrorCode::TrustedDocumentRequired
            );
        }
        // Nothing is learned from requests in this mode.
        store.register(hash_of("{ other }"), "{ other }");
        assert!(store.settle(None, Some(hash_of("{ other }"))).is_err());
    }

    #[test]
    fn manifests_must_hash_right() {
        assert!(
            PersistedDocuments::trusted(&json!({ hex_hash("{ a }"): "{ b }" }).to_string())
                .is_err()
        );
        assert!(PersistedDocuments::trusted(&json!({ "abc": "{ b }" }).to_string()).is_err());
        assert!(PersistedDocuments::trusted("[]").is_err());
        assert!(
            PersistedDocuments::trusted(
                &json!({ format!("sha256:{}", hex_hash("{ a }")): "{ a }" }).to_string()
            )
            .is_ok()
        );
    }
}
