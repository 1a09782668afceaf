//! The names of the moment: the names and aliases of the terms anonymous readers can see right now,
//! read once and kept in memory as the linker of automatic cross-links ([`super::cross_links`]) and
//! the index of suggestions ([`super::suggestions`]), rebuilt when that set may have changed. Only
//! published terms whose time has come are in it, so a draft is never linked or suggested, for anyone.
//!
//! When it is rebuilt: every committed change to content moves the [`ContentEpoch`] on (here and, on
//! PostgreSQL, on every replica), and names read in an older epoch are not used again; a term
//! scheduled for later becomes public without a write, so they also expire at the earliest scheduled
//! publication still to come. While this replica cannot hear the others (its `LISTEN` connection is
//! down) they are used for at most [`UNSYNCED_REUSE`]. One request rebuilds while the others that
//! need them wait for that one build: three SQL statements per rebuild, none otherwise.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use entity::{term, term_name_alias};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    cross_links::{LinkTarget, Linker},
    linked_texts::LinkedTexts,
    linking::CurrentLinker,
    suggestions::{NamedTerm, SuggestIndex},
    terms,
    visibility::Visibility,
};
use crate::{
    clock,
    content_epoch::ContentEpoch,
    error::{Error, Result},
};

/// How long names serve while changes on other replicas cannot be heard.
pub const UNSYNCED_REUSE: Duration = Duration::from_secs(1);

/// What the names were built into, and when.
struct Built {
    linker: Arc<Linker>,
    /// Where the links of the texts it linked go, kept while it is current.
    rendered: Arc<LinkedTexts>,
    suggestions: Arc<SuggestIndex>,
    /// The epoch they were read in (`None`: read while out of sync).
    epoch: Option<u64>,
    built_at: Instant,
    /// The earliest scheduled publication still to come when they were read.
    expires: Option<DateTime<Utc>>,
}

impl Built {
    fn is_fresh(&self, epoch: Option<u64>, now: DateTime<Utc>) -> bool {
        let unexpired = self.expires.is_none_or(|at| now < at);
        unexpired
            && match epoch {
                Some(epoch) => self.epoch == Some(epoch),
                None => self.built_at.elapsed() < UNSYNCED_REUSE,
            }
    }
}

/// The linker and the suggestion index of the published terms, rebuilt as they change.
pub struct PublicNamesCache {
    db: DatabaseConnection,
    epoch: Arc<ContentEpoch>,
    href_prefix: Arc<str>,
    /// Bytes of texts and their links kept per linker.
    rendered_bytes: usize,
    current: Mutex<Option<Arc<Built>>>,
    building: tokio::sync::Mutex<()>,
}

impl PublicNamesCache {
    /// A cache over `db`, stale whenever `epoch` moves; links point at `href_prefix` + slug, and
    /// about `rendered_bytes` of linked texts are kept ([`LinkedTexts`]; 0 keeps none).
    pub fn new(
        db: DatabaseConnection,
        epoch: Arc<ContentEpoch>,
        href_prefix: String,
        rendered_bytes: usize,
    ) -> Self {
        Self {
            db,
            epoch,
            href_prefix: Arc::from(href_prefix),
            rendered_bytes,
            current: Mutex::new(None),
            building: tokio::sync::Mutex::new(()),
        }
    }

    /// What links point at, before the slug.
    pub fn href_prefix(&self) -> &str {
        &self.href_prefix
    }

    /// The linker for the terms public now.
    pub async fn linker(&self) -> Result<CurrentLinker> {
        let built = self.current().await?;
        Ok(CurrentLinker {
            linker: Arc::clone(&built.linker),
            href_prefix: Arc::clone(&self.href_prefix),
            rendered: Arc::clone(&built.rendered),
        })
    }

    /// The suggestion index of the terms public now.
    pub async fn suggestions(&self) -> Result<Arc<SuggestIndex>> {
        Ok(Arc::clone(&self.current().await?.suggestions))
    }

    fn fresh(&self) -> Option<Arc<Built>> {
        let current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        current
            .as_ref()
            .filter(|built| built.is_fresh(self.epoch.current(), clock::now()))
            .cloned()
    }

    /// What was built from the names public now: kept while fresh, else one request builds it while
    /// the others wait for that build.
    async fn current(&self) -> Result<Arc<Built>> {
        if let Some(built) = self.fresh() {
            return Ok(built);
        }
        let _building = self.building.lock().await;
        match self.fresh() {
            Some(built) => Ok(built),
            // Boxed: a rebuild's statements make a large future, and every field that reads a linked
            // text would carry its size in every call although a rebuild is rare.
            None => Box::pin(self.rebuild()).await,
        }
    }

    /// Reads the names of the terms public now, builds their linker and index and keeps them.
    async fn rebuild(&self) -> Result<Arc<Built>> {
        // The epoch is read first: a change committed while the names are read makes these stale.
        let epoch = self.epoch.current();
        let built_at = Instant::now();
        let names = public_names(&self.db, clock::now()).await?;
        let read = built_at.elapsed();
        let expires = names.expires;
        let term_count = names.terms.len();
        // Hashing and sorting ten thousand names is CPU work: off the async workers.
        let (linker, suggestions) =
            tokio::task::spawn_blocking(move || (names.linker(), names.suggestions()))
                .await
                .map_err(|error| Error::Internal(format!("building the linker failed: {error}")))?;
        tracing::debug!(
            terms = term_count,
            read_ms = read.as_secs_f64() * 1e3,
            total_ms = built_at.elapsed().as_secs_f64() * 1e3,
            "public names read; linker and suggestion index built"
        );
        let built = Arc::new(Built {
            linker: Arc::new(linker),
            rendered: Arc::new(LinkedTexts::new(self.rendered_bytes)),
            suggestions: Arc::new(suggestions),
            epoch,
            built_at,
            expires,
        });
        *self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::clone(&built));
        Ok(built)
    }
}

/// The names and aliases of the terms public at one moment.
pub struct PublicNames {
    /// Each term's id, slug and name, oldest term first.
    pub terms: Vec<(i64, String, String)>,
    /// Each alias with its term's id, by term and position.
    pub aliases: Vec<(i64, String)>,
    /// The earliest scheduled publication after that moment, when the set changes by itself.
    pub expires: Option<DateTime<Utc>>,
}

impl PublicNames {
    /// The linker of these names: oldest term first, so that of two terms with one name the older
    /// is linked.
    pub fn linker(&self) -> Linker {
        let mut targets = HashMap::with_capacity(self.terms.len());
        let mut names = Vec::with_capacity(self.terms.len() + self.aliases.len());
        for (term_id, slug, name) in &self.terms {
            let target = LinkTarget {
                term_id: *term_id,
                slug: slug.clone(),
            };
            targets.insert(*term_id, target.clone());
            names.push((name.clone(), target));
        }
        for (term_id, alias) in &self.aliases {
            if let Some(target) = targets.get(term_id) {
                names.push((alias.clone(), target.clone()));
            }
        }
        Linker::new(names)
    }

    /// The suggestion index of these names.
    pub fn suggestions(&self) -> SuggestIndex {
        let mut aliases: HashMap<i64, Vec<&str>> = HashMap::new();
        for (term_id, alias) in &self.aliases {
            aliases.entry(*term_id).or_default().push(alias);
        }
        let terms: Vec<NamedTerm<'_>> = self
            .terms
            .iter()
            .map(|(id, _, name)| NamedTerm {
                id: *id,
                name,
                aliases: aliases.remove(id).unwrap_or_default(),
            })
            .collect();
        SuggestIndex::new(&terms)
    }
}

/// The names and aliases of the terms public at `now`. Three SQL statements.
pub async fn public_names(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<PublicNames> {
    let public = Visibility::Public { now };
    let terms: Vec<(i64, String, String)> = term::Entity::find()
        .select_only()
        .columns([term::Column::Id, term::Column::Slug, term::Column::Name])
        .filter(public.term_condition())
        .order_by_asc(term::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let aliases: Vec<(i64, String)> = term_name_alias::Entity::find()
        .select_only()
        .columns([
            term_name_alias::Column::TermId,
            term_name_alias::Column::Alias,
        ])
        .inner_join(term::Entity)
        .filter(public.term_condition())
        .order_by_asc(term_name_alias::Column::TermId)
        .order_by_asc(term_name_alias::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    let expires = terms::next_scheduled_publication(db, now).await?;
    Ok(PublicNames {
        terms,
        aliases,
        expires,
    })
}
