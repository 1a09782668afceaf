//! The editorial service: every change to terms and categories, each one call that owns its transaction,
//! its checks, the version check, the revision, the announcement of the change and the commit. A refused
//! change comes back as its [`Problem`]s and writes nothing; the GraphQL layer only decodes ids, builds
//! the change from its inputs, and maps refusals to `userErrors`.
//!
//! Announcements go through a [`ChangeFeed`] (the event bus implements it; events live above this
//! layer): staged inside the transaction and released only once it has committed.

use chrono::{DateTime, Utc};
use entity::{category, term};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::{
    categories,
    editor::{self, EditableTerm},
    faqs,
    pack::{
        CallToActionDocument, FaqDocument, SectionDocument, SeoDocument, TermDocument, TermStatus,
    },
    refusal::{Edit, Problem, ProblemCode},
    revisions,
};
use crate::{database, error::Result};

/// What releases a staged announcement once its transaction has committed.
pub type Release = Box<dyn FnOnce() + Send>;

/// Where committed changes are announced (term changes to subscribers; every change to caches).
#[async_trait::async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Stages the announcement of a term going from `before` to `after` (`None`: it did not exist, or no
    /// longer does) inside `transaction`; the release is called after the commit, never after a rollback.
    async fn stage(
        &self,
        transaction: &DatabaseTransaction,
        before: Option<&term::Model>,
        after: Option<&term::Model>,
    ) -> Result<Release>;

    /// Stages the announcement that content other than a term's own (a category) changed inside
    /// `transaction`; released after the commit.
    async fn stage_content_change(&self, transaction: &DatabaseTransaction) -> Result<Release>;
}

/// New values for a term's own fields; `None` keeps a value, and `seo: Some(None)` removes the SEO
/// overrides.
#[derive(Clone, Debug, Default)]
pub struct TermUpdate {
    /// New slug; the old one stays an alias.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// New definition.
    pub definition: Option<String>,
    /// New SEO overrides, or `Some(None)` to remove them.
    pub seo: Option<Option<SeoDocument>>,
}

impl TermUpdate {
    /// The fields the update sets, in the order of the input.
    fn touched(&self) -> Vec<&'static str> {
        [
            ("slug", self.slug.is_some()),
            ("name", self.name.is_some()),
            ("title", self.title.is_some()),
            ("definition", self.definition.is_some()),
            ("seo", self.seo.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(field, _)| field)
        .collect()
    }

    fn apply(self, document: &mut TermDocument) {
        if let Some(slug) = self.slug {
            document.slug = slug;
        }
        if let Some(name) = self.name {
            document.name = name;
        }
        if let Some(title) = self.title {
            document.title = title;
        }
        if let Some(definition) = self.definition {
            document.definition = definition;
        }
        if let Some(seo) = self.seo {
            document.seo = seo;
        }
    }
}

/// One change to a term.
#[derive(Clone, Debug)]
pub enum TermChange {
    /// Any subset of the term's own fields.
    Update(TermUpdate),
    /// Publish at `at` (now, or later: the term stays hidden until then).
    Publish {
        /// When the term becomes public.
        at: DateTime<Utc>,
    },
    /// Back to draft.
    Unpublish,
    /// Off the public site, kept.
    Archive,
    /// Replace the sections.
    SetSections(Vec<SectionDocument>),
    /// Replace the related terms (slugs, in order).
    SetRelated(Vec<String>),
    /// Replace the categories (slugs).
    SetCategories(Vec<String>),
    /// Replace the aliases.
    SetAliases(Vec<String>),
    /// Set or remove the call to action.
    SetCallToAction(Option<CallToActionDocument>),
    /// Insert an FAQ entry at `position` (at the end when `None`).
    AddFaq {
        /// The entry.
        faq: FaqDocument,
        /// 0-based place in the list.
        position: Option<i32>,
    },
    /// Change an FAQ entry's question or answer.
    UpdateFaq {
        /// The entry.
        faq_id: i64,
        /// New question.
        question: Option<String>,
        /// New answer.
        answer: Option<String>,
    },
    /// Remove an FAQ entry.
    RemoveFaq {
        /// The entry.
        faq_id: i64,
    },
    /// Put every FAQ entry of the term, each once, in this order.
    ReorderFaqs {
        /// The entries, in their new order.
        faq_ids: Vec<i64>,
    },
}

impl TermChange {
    /// How the change is named in the revision history: the mutation, and the fields an update touched.
    pub fn label(&self) -> String {
        match self {
            TermChange::Update(update) => {
                let touched = update.touched();
                if touched.is_empty() {
                    "updateTerm".to_owned()
                } else {
                    format!("updateTerm: {}", touched.join(", "))
                }
            }
            TermChange::Publish { .. } => "publishTerm".to_owned(),
            TermChange::Unpublish => "unpublishTerm".to_owned(),
            TermChange::Archive => "archiveTerm".to_owned(),
            TermChange::SetSections(_) => "setTermSections".to_owned(),
            TermChange::SetRelated(_) => "setRelatedTerms".to_owned(),
            TermChange::SetCategories(_) => "setTermCategories".to_owned(),
            TermChange::SetAliases(_) => "setTermAliases".to_owned(),
            TermChange::SetCallToAction(_) => "setCallToAction".to_owned(),
            TermChange::AddFaq { .. } => "addFaq".to_owned(),
            TermChange::UpdateFaq { .. } => "updateFaq".to_owned(),
            TermChange::RemoveFaq { .. } => "removeFaq".to_owned(),
            TermChange::ReorderFaqs { .. } => "reorderFaqs".to_owned(),
        }
    }

    /// Applies the change to the term in memory, or says why it cannot be made.
    pub fn apply(self, term: &mut EditableTerm) -> std::result::Result<(), Vec<Problem>> {
        let document = &mut term.document;
        match self {
            TermChange::Update(update) => update.apply(document),
            TermChange::Publish { at } => {
                document.status = TermStatus::Published;
                document.published_at = Some(at);
            }
            TermChange::Unpublish => {
                document.status = TermStatus::Draft;
                document.published_at = None;
            }
            TermChange::Archive => document.status = TermStatus::Archived,
            TermChange::SetSections(sections) => document.sections = sections,
            TermChange::SetRelated(related) => document.related = related,
            TermChange::SetCategories(categories) => document.categories = categories,
            TermChange::SetAliases(aliases) => document.aliases = aliases,
            TermChange::SetCallToAction(call_to_action) => document.call_to_action = call_to_action,
            TermChange::AddFaq { faq, position } => {
                let count = document.faqs.len();
                let position = match position {
                    None => count,
                    Some(p) if p >= 0 && p as usize <= count => p as usize,
                    Some(p) => {
                        return Err(vec![Problem::new(
                            "position",
                            ProblemCode::Invalid,
                            format!("position must be 0–{count}, got {p}"),
                        )]);
                    }
                };
                document.faqs.insert(position, faq);
                term.faq_ids.insert(position, None);
            }
            TermChange::UpdateFaq {
                faq_id,
                question,
                answer,
            } => {
                let index = faq_position(term, faq_id)?;
                let faq = &mut term.document.faqs[index];
                if let Some(question) = question {
                    faq.question = question;
                }
                if let Some(answer) = answer {
                    faq.answer = answer;
                }
            }
            TermChange::RemoveFaq { faq_id } => {
                let index = faq_position(term, faq_id)?;
                term.document.faqs.remove(index);
                term.faq_ids.remove(index);
            }
            TermChange::ReorderFaqs { faq_ids } => reorder_faqs(term, faq_ids)?,
        }
        Ok(())
    }

    /// The FAQ entry the change names, when it names one.
    fn faq_id(&self) -> Option<i64> {
        match self {
            TermChange::UpdateFaq { faq_id, .. } | TermChange::RemoveFaq { faq_id } => {
                Some(*faq_id)
            }
            _ => None,
        }
    }
}

fn faq_not_found() -> Vec<Problem> {
    vec![Problem::new(
        "id",
        ProblemCode::NotFound,
        "no FAQ entry has this ID",
    )]
}

/// Where entry `faq_id` sits in the term's list (checked inside the write transaction).
fn faq_position(term: &EditableTerm, faq_id: i64) -> std::result::Result<usize, Vec<Problem>> {
    term.faq_ids
        .iter()
        .position(|id| *id == Some(faq_id))
        .ok_or_else(faq_not_found)
}

/// Puts the term's FAQ entries in the order `wanted`, which must name every entry exactly once.
fn reorder_faqs(
    term: &mut EditableTerm,
    wanted: Vec<i64>,
) -> std::result::Result<(), Vec<Problem>> {
    let mut current: Vec<i64> = term.faq_ids.iter().flatten().copied().collect();
    let mut sorted = wanted.clone();
    current.sort_unstable();
    sorted.sort_unstable();
    if current != sorted {
        return Err(vec![Problem::new(
            "faqIds",
            ProblemCode::Invalid,
            "list every FAQ entry of the term exactly once",
        )]);
    }
    let entries: Vec<(Option<i64>, FaqDocument)> = term
        .faq_ids
        .iter()
        .copied()
        .zip(term.document.faqs.iter().cloned())
        .collect();
    term.document.faqs = wanted
        .iter()
        .filter_map(|id| {
            entries
                .iter()
                .find(|(entry, _)| *entry == Some(*id))
                .map(|(_, faq)| faq.clone())
        })
        .collect();
    term.faq_ids = wanted.into_iter().map(Some).collect();
    Ok(())
}

/// The editorial service, for one author (the name of the API key making the changes).
pub struct Editorial<'a> {
    db: &'a DatabaseConnection,
    feed: &'a dyn ChangeFeed,
    author: &'a str,
}

impl<'a> Editorial<'a> {
    /// The service over `db`, announcing changes to `feed`, recording `author` in revisions.
    pub fn new(db: &'a DatabaseConnection, feed: &'a dyn ChangeFeed, author: &'a str) -> Self {
        Self { db, feed, author }
    }

    /// Commits `transaction` with the announcement of `before` → `after`.
    async fn commit(
        &self,
        transaction: DatabaseTransaction,
        before: Option<&term::Model>,
        after: Option<&term::Model>,
    ) -> Result<()> {
        let release = self.feed.stage(&transaction, before, after).await?;
        transaction.commit().await?;
        release();
        Ok(())
    }

    /// Commits `transaction`, a change to content other than a term's own, with its announcement.
    async fn commit_content_change(&self, transaction: DatabaseTransaction) -> Result<()> {
        let release = self.feed.stage_content_change(&transaction).await?;
        transaction.commit().await?;
        release();
        Ok(())
    }

    /// Creates a draft term from a document, with its first revision.
    pub async fn create_term(&self, mut document: TermDocument) -> Edit<term::Model> {
        document.status = TermStatus::Draft;
        document.published_at = None;
        let transaction = database::begin_write(self.db).await?;
        match editor::create(&transaction, self.author, document).await? {
            Ok(row) => {
                self.commit(transaction, None, Some(&row)).await?;
                Ok(Ok(row))
            }
            Err(problems) => Ok(Err(problems)),
        }
    }

    /// Makes one change to term `term_id`, against `expected_version` when given. A change that leaves
    /// the term as it was writes nothing (no new version, no revision).
    pub async fn change_term(
        &self,
        term_id: i64,
        expected_version: Option<i32>,
        change: TermChange,
    ) -> Edit<term::Model> {
        let label = change.label();
        self.edit(term_id, expected_version, &label, |term| change.apply(term))
            .await
    }

    /// Makes one change to the term an FAQ entry belongs to (for changes that name an entry, not a term).
    pub async fn change_faq(
        &self,
        expected_version: Option<i32>,
        change: TermChange,
    ) -> Edit<term::Model> {
        let Some(faq_id) = change.faq_id() else {
            return Err(crate::error::Error::Internal(
                "change_faq needs a change naming an FAQ entry".to_owned(),
            ));
        };
        let Some(term_id) = faqs::term_of(self.db, faq_id).await? else {
            return Ok(Err(faq_not_found()));
        };
        self.change_term(term_id, expected_version, change).await
    }

    /// Brings a term back to the revision `revision_id`; the restore is itself a new revision. FAQ
    /// entries that still exist keep their ids.
    pub async fn restore_revision(
        &self,
        revision_id: i64,
        expected_version: Option<i32>,
    ) -> Edit<term::Model> {
        let Some(revision) = revisions::revision(self.db, revision_id).await? else {
            return Ok(Err(vec![Problem::new(
                "revisionId",
                ProblemCode::NotFound,
                "no revision has this ID",
            )]));
        };
        let snapshot = revisions::snapshot_document(&revision)?;
        let label = format!("restoreTermRevision: version {}", revision.version);
        self.edit(revision.term_id, expected_version, &label, move |term| {
            let old: Vec<(FaqDocument, Option<i64>)> = term
                .document
                .faqs
                .iter()
                .cloned()
                .zip(term.faq_ids.iter().copied())
                .collect();
            term.faq_ids = snapshot
                .faqs
                .iter()
                .map(|faq| old.iter().find(|(f, _)| f == faq).and_then(|(_, id)| *id))
                .collect();
            term.document = snapshot;
            Ok(())
        })
        .await
    }

    /// Deletes a term with everything on it, its revisions included.
    pub async fn delete_term(&self, term_id: i64, expected_version: Option<i32>) -> Edit<()> {
        let transaction = database::begin_write(self.db).await?;
        let before = match editor::load_for_edit(&transaction, term_id, expected_version).await? {
            Ok(before) => before,
            Err(problems) => return Ok(Err(problems)),
        };
        match editor::delete(&transaction, &before).await? {
            Ok(()) => {
                self.commit(transaction, Some(&before.row), None).await?;
                Ok(Ok(()))
            }
            Err(problems) => Ok(Err(problems)),
        }
    }

    /// Loads, checks the version, applies, saves, announces and commits; see [`Editorial::change_term`].
    async fn edit(
        &self,
        term_id: i64,
        expected_version: Option<i32>,
        label: &str,
        apply: impl FnOnce(&mut EditableTerm) -> std::result::Result<(), Vec<Problem>>,
    ) -> Edit<term::Model> {
        let transaction = database::begin_write(self.db).await?;
        let before = match editor::load_for_edit(&transaction, term_id, expected_version).await? {
            Ok(before) => before,
            Err(problems) => return Ok(Err(problems)),
        };
        let mut after = before.clone();
        if let Err(problems) = apply(&mut after) {
            return Ok(Err(problems));
        }
        if after.document == before.document && after.faq_ids == before.faq_ids {
            return Ok(Ok(before.row));
        }
        match editor::save(&transaction, self.author, label, &before, &after).await? {
            Ok(saved) => {
                self.commit(transaction, Some(&before.row), Some(&saved))
                    .await?;
                Ok(Ok(saved))
            }
            Err(problems) => Ok(Err(problems)),
        }
    }

    /// Creates a category.
    pub async fn create_category(
        &self,
        slug: &str,
        name: &str,
        description: Option<String>,
    ) -> Edit<category::Model> {
        let transaction = database::begin_write(self.db).await?;
        let outcome = categories::create(&transaction, slug, name, description).await?;
        if outcome.is_ok() {
            self.commit_content_change(transaction).await?;
        }
        Ok(outcome)
    }

    /// Changes a category's slug, name or description (`Some(None)` removes the description).
    pub async fn update_category(
        &self,
        id: i64,
        slug: Option<String>,
        name: Option<String>,
        description: Option<Option<String>>,
    ) -> Edit<category::Model> {
        let transaction = database::begin_write(self.db).await?;
        let outcome = categories::update(&transaction, id, slug, name, description).await?;
        if outcome.is_ok() {
            self.commit_content_change(transaction).await?;
        }
        Ok(outcome)
    }

    /// Deletes a category; its terms stay, without it.
    pub async fn delete_category(&self, id: i64) -> Edit<()> {
        let transaction = database::begin_write(self.db).await?;
        let outcome = categories::delete(&transaction, id).await?;
        if outcome.is_ok() {
            self.commit_content_change(transaction).await?;
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod service_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn term_with_faqs(ids: &[i64]) -> EditableTerm {
        let faq = |n: &i64| FaqDocument {
            question: format!("Q{n}?"),
            answer: format!("A{n}."),
        };
        EditableTerm {
            row: term::Model {
                id: 1,
                slug: "t".into(),
                name: "T".into(),
                sort_key: "t".into(),
                initial: "T".into(),
                title: "T?".into(),
                definition: "T.".into(),
                definition_html: "<p>T.</p>".into(),
                status: TermStatus::Draft,
                published_at: None,
                created_at: Utc::now(),
                updated_at: Utc::now(),
                version: 1,
                reading_time_minutes: 1,
                seo_title: None,
                seo_description: None,
                cta_heading: None,
                cta_text: None,
                cta_label: None,
                cta_url: None,
            },
            document: TermDocument {
                slug: "t".into(),
                name: "T".into(),
                title: "T?".into(),
                definition: "T.".into(),
                categories: vec![],
                sections: vec![],
                faqs: ids.iter().map(faq).collect(),
                related: vec![],
                aliases: vec![],
                status: TermStatus::Draft,
                call_to_action: None,
                seo: None,
                published_at: None,
            },
            faq_ids: ids.iter().copied().map(Some).collect(),
        }
    }

    #[test]
    fn updates_are_labelled_with_the_fields_they_touch() {
        let change = TermChange::Update(TermUpdate {
            name: Some("N".into()),
            title: Some("T?".into()),
            seo: Some(None),
            ..TermUpdate::default()
        });
        assert_eq!(change.label(), "updateTerm: name, title, seo");
        assert_eq!(TermChange::Archive.label(), "archiveTerm");
    }

    #[test]
    fn publishing_and_unpublishing_set_status_and_time() {
        let mut term = term_with_faqs(&[]);
        let at = Utc::now();
        TermChange::Publish { at }.apply(&mut term).unwrap();
        assert_eq!(
            (term.document.status, term.document.published_at),
            (TermStatus::Published, Some(at))
        );
        TermChange::Unpublish.apply(&mut term).unwrap();
        assert_eq!(
            (term.document.status, term.document.published_at),
            (TermStatus::Draft, None)
        );
    }

    #[test]
    fn faq_rules() {
        let mut term = term_with_faqs(&[10, 20]);
        let faq = FaqDocument {
            question: "New?".into(),
            answer: "Yes.".into(),
        };
        let out_of_range = TermChange::AddFaq {
            faq: faq.clone(),
            position: Some(3),
        };
        assert_eq!(
            out_of_range.apply(&mut term).unwrap_err()[0].code,
            ProblemCode::Invalid
        );
        TermChange::AddFaq {
            faq,
            position: Some(1),
        }
        .apply(&mut term)
        .unwrap();
        assert_eq!(term.faq_ids, [Some(10), None, Some(20)]);
        // A reorder must name every stored entry once (a new one has no id yet).
        let mut stored = term_with_faqs(&[10, 20, 30]);
        assert!(
            TermChange::ReorderFaqs {
                faq_ids: vec![30, 10]
            }
            .apply(&mut stored)
            .is_err()
        );
        TermChange::ReorderFaqs {
            faq_ids: vec![30, 10, 20],
        }
        .apply(&mut stored)
        .unwrap();
        assert_eq!(stored.document.faqs[0].question, "Q30?");
        assert_eq!(
            TermChange::RemoveFaq { faq_id: 99 }
                .apply(&mut stored)
                .unwrap_err()[0]
                .code,
            ProblemCode::NotFound
        );
    }
}
