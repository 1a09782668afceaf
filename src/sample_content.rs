//! The bundled sample glossary (`content/sample.jsonl`, our own writing), loaded by `serve` into an empty
//! database so that a first `cargo run` shows a browsable glossary.

use sea_orm::DatabaseConnection;

use crate::{content::terms, error::Result, import};

/// The sample pack, compiled into the binary.
pub const SAMPLE_PACK: &str = include_str!("../content/sample.jsonl");

/// Imports the sample pack when the database holds no term at all. Returns whether it did.
pub async fn load_if_empty(db: &DatabaseConnection) -> Result<bool> {
    if terms::count_all(db).await? > 0 {
        return Ok(false);
    }
    let summary = import::import_pack(db, SAMPLE_PACK).await?;
    tracing::info!(
        terms = summary.terms,
        "loaded the sample glossary into the empty database"
    );
    Ok(true)
}
