//! The `import` job: a content pack goes into the database in one transaction, all of it or nothing.
//!
//! Every line is checked before anything is written, first on its own (`content::pack`), then against the
//! database inside the transaction (slugs already taken, related slugs that exist nowhere).

use std::collections::HashSet;

use sea_orm::DatabaseConnection;

use crate::{
    clock,
    content::{
        aliases,
        bulk::{self, InsertSummary},
        pack::{self, PackProblem},
        term_rows, terms,
    },
    database,
    error::{Error, Result},
    events,
};

/// Aliases (and names) checked against the database per check.
const ALIASES_PER_CHECK: usize = 1000;

/// The author recorded in the first revision of imported terms.
pub const IMPORT_AUTHOR: &str = "import";

/// Imports the pack in `text`. On any problem nothing is written and every problem is returned in
/// [`Error::InvalidPack`].
pub async fn import_pack(db: &DatabaseConnection, text: &str) -> Result<InsertSummary> {
    let lines = pack::parse(text).map_err(Error::InvalidPack)?;
    // Rendering Markdown is the CPU-heavy part: do it on every core, off the async runtime, before the
    // transaction opens so that the transaction stays short.
    let (lines, rendered) = tokio::task::spawn_blocking(move || {
        let documents: Vec<_> = lines.iter().map(|l| &l.document).collect();
        let rendered = term_rows::render_all(&documents);
        (lines, rendered)
    })
    .await
    .map_err(|error| Error::Internal(format!("rendering the pack failed: {error}")))?;
    let pack_slugs: HashSet<&str> = lines.iter().map(|l| l.document.slug.as_str()).collect();
    let mut outside: Vec<String> = lines
        .iter()
        .flat_map(|l| l.document.related.iter())
        .filter(|slug| !pack_slugs.contains(slug.as_str()))
        .cloned()
        .collect();
    outside.extend(pack_slugs.iter().map(|s| (*s).to_owned()));
    outside.sort();
    outside.dedup();

    let transaction = database::begin_write(db).await?;
    let stored = terms::ids_by_slug_any_status(&transaction, &outside).await?;
    let mut problems = Vec::new();
    for line in &lines {
        let document = &line.document;
        if stored.contains_key(&document.slug) {
            problems.push(PackProblem {
                line: line.line,
                field: "slug".to_owned(),
                message: format!("{:?} already exists in the database", document.slug),
            });
        }
        for slug in &document.related {
            if !pack_slugs.contains(slug.as_str()) && !stored.contains_key(slug) {
                problems.push(PackProblem {
                    line: line.line,
                    field: "related".to_owned(),
                    message: format!("unknown slug {slug:?}"),
                });
            }
        }
    }
    // Aliases another stored term holds, or that are a stored term's name.
    let aliases: Vec<(usize, usize, &String)> = lines
        .iter()
        .flat_map(|l| {
            (l.document.aliases.iter().enumerate()).map(move |(i, alias)| (l.line, i, alias))
        })
        .collect();
    for chunk in aliases.chunks(ALIASES_PER_CHECK) {
        let wanted: Vec<String> = chunk.iter().map(|(_, _, alias)| (*alias).clone()).collect();
        for (at, message) in aliases::conflicts(&transaction, None, &wanted).await? {
            let (line, i, _) = chunk[at];
            problems.push(PackProblem {
                line,
                field: format!("aliases[{i}]"),
                message,
            });
        }
    }
    // Names that a stored term has as an alias.
    for chunk in lines.chunks(ALIASES_PER_CHECK) {
        let names: Vec<String> = chunk.iter().map(|l| l.document.name.clone()).collect();
        for (at, _) in aliases::held_as_aliases(&transaction, &names).await? {
            problems.push(PackProblem {
                line: chunk[at].line,
                field: "name".to_owned(),
                message: format!("{:?} is another term's alias", names[at]),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|problem| problem.line);
        transaction.rollback().await?;
        return Err(Error::InvalidPack(problems));
    }
    let documents: Vec<_> = lines.iter().map(|l| &l.document).collect();
    let summary = bulk::insert_documents(
        &transaction,
        &documents,
        &rendered,
        &stored,
        clock::now(),
        IMPORT_AUTHOR,
    )
    .await?;
    // Replicas serving from PostgreSQL forget their cached responses when this commits.
    events::stage_content_change(&transaction).await?;
    transaction.commit().await?;
    bulk::refresh_planner_statistics(db).await?;
    Ok(summary)
}
