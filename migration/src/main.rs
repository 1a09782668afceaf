//! The migration crate's own command line, for operators who want migrations without the server binary:
//! `cargo run -p migration -- up|down|status|fresh` against `DATABASE_URL`.

use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[tokio::main]
async fn main() {
    let command = std::env::args().nth(1).unwrap_or_else(|| "up".to_owned());
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://glossary.db?mode=rwc".to_owned());
    let outcome = async {
        let db = Database::connect(&url).await?;
        match command.as_str() {
            "up" => Migrator::up(&db, None).await,
            "down" => Migrator::down(&db, Some(1)).await,
            "status" => Migrator::status(&db).await,
            "fresh" => Migrator::fresh(&db).await,
            other => Err(sea_orm_migration::DbErr::Custom(format!(
                "unknown command {other:?}: expected up, down, status or fresh"
            ))),
        }
    }
    .await;
    if let Err(error) = outcome {
        eprintln!("migration failed: {error}");
        std::process::exit(1);
    }
}
