//! The `export` job: every term, in any status, as a content pack (JSON Lines) in id order.

use std::io::Write;

use sea_orm::DatabaseConnection;

use crate::{
    content::bulk,
    error::{Error, Result},
};

/// Writes the whole glossary to `out`, one term per line.
pub async fn export_pack(db: &DatabaseConnection, out: &mut impl Write) -> Result<usize> {
    let documents = bulk::load_documents(db).await?;
    for document in &documents {
        serde_json::to_writer(&mut *out, document).map_err(|error| {
            Error::Internal(format!(
                "cannot serialise term {:?}: {error}",
                document.slug
            ))
        })?;
        out.write_all(b"\n")
            .map_err(|error| Error::Internal(format!("cannot write the export: {error}")))?;
    }
    out.flush()
        .map_err(|error| Error::Internal(format!("cannot write the export: {error}")))?;
    Ok(documents.len())
}
