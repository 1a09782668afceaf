//! The editorial service against a real (SQLite) database: what a change writes, what a refusal leaves
//! alone, and when changes are announced. The GraphQL suite in `tests/api` covers the same rules through the
//! API on both engines; these name the service's own promises.

use std::sync::{Arc, Mutex};

use sea_orm::DatabaseConnection;

use super::*;
use crate::database::{self, MigrateAction};

/// An announced change, as `(version before, version after)`; `None` where the term did not exist.
type Announcement = (Option<i32>, Option<i32>);

/// A change feed that counts what was staged and records what was released.
#[derive(Default)]
struct RecordingFeed {
    staged: Mutex<usize>,
    released: Arc<Mutex<Vec<Announcement>>>,
    /// Changes to other content (categories) staged, and released after their commit.
    content_changes: Mutex<usize>,
    content_changes_released: Arc<Mutex<usize>>,
}

#[async_trait::async_trait]
impl ChangeFeed for RecordingFeed {
    async fn stage(
        &self,
        _transaction: &DatabaseTransaction,
        before: Option<&term::Model>,
        after: Option<&term::Model>,
    ) -> Result<Release> {
        *self.staged.lock().unwrap() += 1;
        let released = self.released.clone();
        let change = (before.map(|t| t.version), after.map(|t| t.version));
        Ok(Box::new(move || released.lock().unwrap().push(change)))
    }

    async fn stage_content_change(&self, _transaction: &DatabaseTransaction) -> Result<Release> {
        *self.content_changes.lock().unwrap() += 1;
        let released = self.content_changes_released.clone();
        Ok(Box::new(move || *released.lock().unwrap() += 1))
    }
}

impl RecordingFeed {
    fn released(&self) -> Vec<Announcement> {
        self.released.lock().unwrap().clone()
    }
}

/// A migrated database in a temporary directory and a recording feed: what each test works on.
struct Desk {
    db: DatabaseConnection,
    feed: RecordingFeed,
    _dir: tempfile::TempDir,
}

impl Desk {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let (db, _) = database::connect(&url).await.unwrap();
        database::migrate(&db, MigrateAction::Up).await.unwrap();
        Self {
            db,
            feed: RecordingFeed::default(),
            _dir: dir,
        }
    }

    /// The service, for the author `ada`.
    fn editorial(&self) -> Editorial<'_> {
        Editorial::new(&self.db, &self.feed, "ada")
    }

    /// Creates the term `slug` (see [`document`]) and returns its id.
    async fn create(&self, slug: &str) -> i64 {
        self.editorial()
            .create_term(document(slug))
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// The term as stored.
    async fn stored(&self, id: i64) -> EditableTerm {
        editor::load(&self.db, id)
            .await
            .unwrap()
            .expect("the term exists")
    }
}

fn document(slug: &str) -> TermDocument {
    TermDocument {
        slug: slug.into(),
        name: slug.to_uppercase(),
        title: format!("What is {slug}?"),
        definition: format!("{slug} is a test term."),
        categories: vec![],
        sections: vec![],
        faqs: vec![FaqDocument {
            question: "Why?".into(),
            answer: "Because.".into(),
        }],
        related: vec![],
        aliases: vec![],
        status: TermStatus::Published,
        call_to_action: None,
        seo: None,
        published_at: Some(Utc::now()),
    }
}

fn retitle(title: &str) -> TermChange {
    TermChange::Update(TermUpdate {
        title: Some(title.into()),
        ..TermUpdate::default()
    })
}

#[tokio::test]
async fn a_new_term_is_a_draft_with_its_first_revision_and_is_announced() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let row = editorial
        .create_term(document("alpha"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status, row.version), (TermStatus::Draft, 1));
    assert_eq!(row.published_at, None);
    assert_eq!(
        revisions::revision_count(&desk.db, row.id).await.unwrap(),
        1
    );
    assert_eq!(desk.feed.released(), [(None, Some(1))]);
}

#[tokio::test]
async fn a_change_bumps_the_version_records_a_labelled_revision_and_is_announced_after_commit() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let id = desk.create("alpha").await;
    let row = editorial
        .change_term(id, Some(1), retitle("Alpha, again?"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.version, row.title.as_str()), (2, "Alpha, again?"));
    let revisions = revisions::page(&desk.db, id, None, 10).await.unwrap().items;
    assert_eq!(
        (revisions[0].version, revisions[0].change.as_str()),
        (2, "updateTerm: title")
    );
    assert_eq!(revisions[0].author, "ada");
    assert_eq!(desk.feed.released(), [(None, Some(1)), (Some(1), Some(2))]);
}

#[tokio::test]
async fn a_stale_version_is_refused_and_writes_nothing() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let id = desk.create("alpha").await;
    editorial
        .change_term(id, None, retitle("Second?"))
        .await
        .unwrap()
        .unwrap();
    let problems = editorial
        .change_term(id, Some(1), retitle("Lost?"))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(problems, [Problem::conflict(2)]);
    let term = desk.stored(id).await;
    assert_eq!((term.row.version, term.row.title.as_str()), (2, "Second?"));
    assert_eq!(revisions::revision_count(&desk.db, id).await.unwrap(), 2);
    assert_eq!(desk.feed.released().len(), 2);
}

#[tokio::test]
async fn a_change_refused_while_saving_leaves_every_list_as_it_was() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    desk.create("beta").await;
    let id = desk.create("alpha").await;
    editorial
        .change_term(id, None, TermChange::SetRelated(vec!["beta".into()]))
        .await
        .unwrap()
        .unwrap();
    let before = desk.stored(id).await;
    // The known slug comes first, so a half-done save would already have replaced the list.
    let problems = editorial
        .change_term(
            id,
            None,
            TermChange::SetRelated(vec!["beta".into(), "missing".into()]),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(problems[0].code, ProblemCode::NotFound);
    let after = desk.stored(id).await;
    assert_eq!(after.document, before.document);
    assert_eq!(after.row.version, before.row.version);
    assert_eq!(*desk.feed.staged.lock().unwrap(), 3);
}

#[tokio::test]
async fn a_change_that_changes_nothing_writes_nothing() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let created = editorial
        .create_term(document("alpha"))
        .await
        .unwrap()
        .unwrap();
    let same = editorial
        .change_term(created.id, Some(1), retitle(&created.title))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.version, 1);
    assert_eq!(
        revisions::revision_count(&desk.db, created.id)
            .await
            .unwrap(),
        1
    );
    assert_eq!(desk.feed.released().len(), 1);
}

#[tokio::test]
async fn a_restore_is_a_new_revision_and_keeps_the_ids_of_surviving_faqs() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let id = desk.create("alpha").await;
    let faq_id = desk.stored(id).await.faq_ids[0].unwrap();
    editorial
        .change_term(id, None, retitle("Changed?"))
        .await
        .unwrap()
        .unwrap();
    let first = revisions::page(&desk.db, id, None, 10).await.unwrap().items[1].clone();
    assert_eq!(first.version, 1);
    let row = editorial
        .restore_revision(first.id, Some(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.version, row.title.as_str()), (3, "What is alpha?"));
    assert_eq!(desk.stored(id).await.faq_ids, [Some(faq_id)]);
    let newest = &revisions::page(&desk.db, id, None, 1).await.unwrap().items[0];
    assert_eq!(newest.change, "restoreTermRevision: version 1");
    let missing = editorial.restore_revision(9_999, None).await.unwrap();
    assert_eq!(missing.unwrap_err()[0].field, "revisionId");
}

#[tokio::test]
async fn an_faq_change_finds_its_term_or_is_refused() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let id = desk.create("alpha").await;
    let faq_id = desk.stored(id).await.faq_ids[0].unwrap();
    let row = editorial
        .change_faq(
            Some(1),
            TermChange::UpdateFaq {
                faq_id,
                question: Some("Why not?".into()),
                answer: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.version, 2);
    assert_eq!(desk.stored(id).await.document.faqs[0].question, "Why not?");
    let refused = editorial
        .change_faq(None, TermChange::RemoveFaq { faq_id: 9_999 })
        .await
        .unwrap();
    assert_eq!(refused.unwrap_err()[0].code, ProblemCode::NotFound);
    assert!(
        editorial
            .change_faq(None, TermChange::Archive)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_deletion_checks_the_version_then_removes_the_term_and_is_announced() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let id = desk.create("alpha").await;
    let stale = editorial.delete_term(id, Some(7)).await.unwrap();
    assert_eq!(stale.unwrap_err(), [Problem::conflict(1)]);
    assert!(editor::load(&desk.db, id).await.unwrap().is_some());
    editorial.delete_term(id, Some(1)).await.unwrap().unwrap();
    assert!(editor::load(&desk.db, id).await.unwrap().is_none());
    assert_eq!(revisions::revision_count(&desk.db, id).await.unwrap(), 0);
    assert_eq!(desk.feed.released(), [(None, Some(1)), (Some(1), None)]);
}

#[tokio::test]
async fn categories_refuse_a_taken_slug_and_commit_the_rest() {
    let desk = Desk::new().await;
    let editorial = desk.editorial();
    let roles = editorial
        .create_category("roles", "Roles", None)
        .await
        .unwrap()
        .unwrap();
    let taken = editorial
        .create_category("roles", "Again", None)
        .await
        .unwrap();
    assert_eq!(taken.unwrap_err()[0].code, ProblemCode::Taken);
    let renamed = editorial
        .update_category(
            roles.id,
            None,
            Some("People".into()),
            Some(Some("Who.".into())),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_deref()),
        ("People", Some("Who."))
    );
    editorial.delete_category(roles.id).await.unwrap().unwrap();
    assert!(categories::all(&desk.db).await.unwrap().is_empty());
    let gone = editorial.delete_category(roles.id).await.unwrap();
    assert_eq!(gone.unwrap_err()[0].code, ProblemCode::NotFound);
    assert!(desk.feed.released().is_empty());
    // Create, rename and delete were announced (for caches) after their commits; the two refusals not.
    assert_eq!(*desk.feed.content_changes.lock().unwrap(), 3);
    assert_eq!(*desk.feed.content_changes_released.lock().unwrap(), 3);
}
