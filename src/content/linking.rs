//! The linker of the moment: automatic cross-links ([`super::cross_links`]) over the names and aliases
//! of the terms anonymous readers can see right now, kept in memory and rebuilt when that set may have
//! changed. Only published terms whose time has come are link targets, so a draft is never linked, for
//! anyone.
//!
//! When it is rebuilt: every committed change to content moves the [`ContentEpoch`] on (here and, on
//! PostgreSQL, on every replica), and a linker built in an older epoch is not used again; a term
//! scheduled for later becomes public without a write, so a linker also expires at the earliest
//! scheduled publication still to come. While this replica cannot hear the others (its `LISTEN`
//! connection is down) a linker is used for at most [`UNSYNCED_REUSE`]. One request rebuilds while
//! the others that need it wait for that one build: three SQL statements per rebuild, none otherwise.

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
    cross_links::{LinkTarget, Linked, Linker},
    terms,
    visibility::Visibility,
};
use crate::{
    clock,
    content_epoch::ContentEpoch,
    error::{Error, Result},
};

/// How long a linker serves while changes on other replicas cannot be heard.
pub const UNSYNCED_REUSE: Duration = Duration::from_secs(1);

/// A linker and what it was built from.
struct Built {
    linker: Arc<Linker>,
    /// The epoch it was built in (`None`: built while out of sync).
    epoch: Option<u64>,
    built_at: Instant,
    /// The earliest scheduled publication still to come when it was built.
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

/// The linker of the published terms, rebuilt as they change.
pub struct LinkerCache {
    db: DatabaseConnection,
    epoch: Arc<ContentEpoch>,
    href_prefix: Arc<str>,
    current: Mutex<Option<Arc<Built>>>,
    building: tokio::sync::Mutex<()>,
}

/// A linker with the prefix its links take: what renders one request's text.
#[derive(Clone)]
pub struct CurrentLinker {
    linker: Arc<Linker>,
    href_prefix: Arc<str>,
}

impl CurrentLinker {
    /// Links `html` (a section body or FAQ answer of term `own`).
    pub fn link(&self, html: &str, own: i64) -> Linked {
        self.linker.link(html, own, &self.href_prefix)
    }

    /// The terms that `texts` (the rendered sections and answers of term `own`) link to, in order of
    /// first mention, each once.
    pub fn mentions<'a>(&self, texts: impl IntoIterator<Item = &'a str>, own: i64) -> Vec<i64> {
        let mut mentions = Vec::new();
        for text in texts {
            for id in self.link(text, own).mentions {
                if !mentions.contains(&id) {
                    mentions.push(id);
                }
            }
        }
        mentions
    }
}

impl LinkerCache {
    /// A cache over `db`, stale whenever `epoch` moves; links point at `href_prefix` + slug.
    pub fn new(db: DatabaseConnection, epoch: Arc<ContentEpoch>, href_prefix: String) -> Self {
        Self {
            db,
            epoch,
            href_prefix: Arc::from(href_prefix),
            current: Mutex::new(None),
            building: tokio::sync::Mutex::new(()),
        }
    }

    /// What links point at, before the slug.
    pub fn href_prefix(&self) -> &str {
        &self.href_prefix
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

    /// The linker for the terms public now: the one kept while it is fresh, else one request builds
    /// it while the others wait for that build.
    pub async fn current(&self) -> Result<CurrentLinker> {
        let built = match self.fresh() {
            Some(built) => built,
            None => {
                let _building = self.building.lock().await;
                match self.fresh() {
                    Some(built) => built,
                    None => self.rebuild().await?,
                }
            }
        };
        Ok(CurrentLinker {
            linker: Arc::clone(&built.linker),
            href_prefix: Arc::clone(&self.href_prefix),
        })
    }

    /// Reads the names of the terms public now, builds their linker and keeps it.
    async fn rebuild(&self) -> Result<Arc<Built>> {
        // The epoch is read first: a change committed while the names are read makes this one stale.
        let epoch = self.epoch.current();
        let built_at = Instant::now();
        let (names, expires) = link_names(&self.db, clock::now()).await?;
        let read = built_at.elapsed();
        let name_count = names.len();
        // Hashing ten thousand names is CPU work: off the async workers.
        let linker = tokio::task::spawn_blocking(move || Linker::new(names))
            .await
            .map_err(|error| Error::Internal(format!("building the linker failed: {error}")))?;
        tracing::debug!(
            names = name_count,
            read_ms = read.as_secs_f64() * 1e3,
            total_ms = built_at.elapsed().as_secs_f64() * 1e3,
            "cross-link names read and linker built"
        );
        let built = Arc::new(Built {
            linker: Arc::new(linker),
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

/// The names and aliases of the terms public at `now`, oldest term first (so that of two terms with
/// one name, the older is linked), and the earliest scheduled publication after `now`, when the set
/// changes by itself. Three SQL statements.
pub async fn link_names(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(Vec<(String, LinkTarget)>, Option<DateTime<Utc>>)> {
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
    let mut targets = HashMap::with_capacity(terms.len());
    let mut names = Vec::with_capacity(terms.len() + aliases.len());
    for (term_id, slug, name) in terms {
        let target = LinkTarget { term_id, slug };
        targets.insert(term_id, target.clone());
        names.push((name, target));
    }
    for (term_id, alias) in aliases {
        if let Some(target) = targets.get(&term_id) {
            names.push((alias, target.clone()));
        }
    }
    Ok((names, expires))
}

/// Candidates read per statement while looking for backlinks.
const CANDIDATES_PER_READ: u64 = 100;

/// The rendered texts that automatic cross-links run over (section bodies, then FAQ answers) of each
/// of `term_ids`. Two SQL statements.
pub async fn rendered_texts(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    let mut texts: HashMap<i64, Vec<String>> = HashMap::new();
    for section in super::sections::by_term_ids(db, term_ids).await? {
        texts
            .entry(section.term_id)
            .or_default()
            .push(section.body_html);
    }
    for faq in super::faqs::by_term_ids(db, term_ids).await? {
        texts.entry(faq.term_id).or_default().push(faq.answer_html);
    }
    Ok(texts)
}

/// A page of the terms that link to one term.
#[derive(Debug, Default)]
pub struct BacklinkPage {
    /// The linking terms, by name, each with its position among the candidates (for cursors).
    pub terms: Vec<(u64, term::Model)>,
    /// More follow.
    pub more: bool,
}

/// The public terms whose sections or FAQ answers link to term `target` (named `names`: its name and
/// aliases), by name, from candidate position `offset`, at most `first`. Candidates are the terms whose
/// text holds one of the names as a phrase (the full-text index, one statement per
/// [`CANDIDATES_PER_READ`]); each is confirmed by running `linker` over its texts (two statements per
/// read), so the list obeys every cross-link rule. The caller checks that `target` is public.
pub async fn backlinks(
    db: &impl ConnectionTrait,
    linker: &CurrentLinker,
    target: i64,
    names: &[String],
    offset: u64,
    first: usize,
) -> Result<BacklinkPage> {
    let public = Visibility::public();
    let mut confirmed: Vec<(u64, i64)> = Vec::new();
    let mut page = BacklinkPage::default();
    let mut at = offset;
    loop {
        let candidates =
            super::search::phrase_candidates(db, public, names, target, at, CANDIDATES_PER_READ)
                .await?;
        if candidates.is_empty() {
            break;
        }
        let texts = rendered_texts(db, &candidates).await?;
        for (i, candidate) in candidates.iter().enumerate() {
            let own_texts = texts.get(candidate).map(Vec::as_slice).unwrap_or_default();
            let mentions = linker.mentions(own_texts.iter().map(String::as_str), *candidate);
            if mentions.contains(&target) {
                if confirmed.len() == first {
                    page.more = true;
                    break;
                }
                confirmed.push((at + i as u64, *candidate));
            }
        }
        if page.more || (candidates.len() as u64) < CANDIDATES_PER_READ {
            break;
        }
        at += candidates.len() as u64;
    }
    let ids: Vec<i64> = confirmed.iter().map(|(_, id)| *id).collect();
    let mut rows: HashMap<i64, term::Model> = terms::by_ids(db, public, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    page.terms = confirmed
        .into_iter()
        .filter_map(|(position, id)| rows.remove(&id).map(|row| (position, row)))
        .collect();
    Ok(page)
}
