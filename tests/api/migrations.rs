//! Migrations: replicas that start together on one database all succeed (PostgreSQL takes an advisory lock),
//! and the schema goes down and up again cleanly.

use crate::common::{fresh_database, on_postgres};
use glossary::database::{self, MigrateAction};
use migration::{Migrator, MigratorTrait};

#[tokio::test]
async fn replicas_migrating_at_once_all_succeed() {
    if !on_postgres() {
        // Replicas share a PostgreSQL database; a SQLite file belongs to one server process.
        eprintln!(
            "replicas_migrating_at_once_all_succeed: PostgreSQL only (set TEST_DATABASE_URL)"
        );
        return;
    }
    let (url, _guard) = fresh_database().await;
    let mut replicas = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        replicas.push(tokio::spawn(async move {
            let (db, _) = database::connect(&url).await.unwrap();
            database::migrate(&db, MigrateAction::Up)
                .await
                .map_err(|e| e.describe())
        }));
    }
    for replica in replicas {
        replica
            .await
            .unwrap()
            .expect("every replica's migration succeeds");
    }
    let (db, _) = database::connect(&url).await.unwrap();
    let applied = Migrator::get_applied_migrations(&db).await.unwrap();
    assert_eq!(
        applied.len(),
        Migrator::migrations().len(),
        "each migration applied exactly once"
    );
}

#[tokio::test]
async fn down_and_up_again() {
    let (url, _guard) = fresh_database().await;
    let (db, _) = database::connect(&url).await.unwrap();
    database::migrate(&db, MigrateAction::Up).await.unwrap();
    // `down` rolls back one migration at a time.
    for _ in Migrator::migrations() {
        database::migrate(&db, MigrateAction::Down).await.unwrap();
    }
    assert!(
        Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    database::migrate(&db, MigrateAction::Up).await.unwrap();
    database::migrate(&db, MigrateAction::Fresh).await.unwrap();
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        0
    );
}
