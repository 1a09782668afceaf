//! The commands of the `glossary` binary, each run to its end: `serve` (see [`crate::server`]), `migrate`,
//! `import`, `export`, `api-key`, `subscribers` and `print-schema`. Results go to standard output (a key, a
//! pack, a CSV, the schema) and progress to standard error, so the output can be piped.

use crate::{
    auth::api_keys,
    cli::{ApiKeyAction, Cli, Command, MigrateCommand, SubscribersAction},
    database::{self, MigrateAction},
    error::{Error, Result},
    export, graphql, import,
    newsletter::subscribers,
    server,
};

/// Runs the command `cli` names (`serve` when it names none).
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command.unwrap_or_default() {
        Command::Serve(args) => server::serve(&cli.database_url, args.config()?).await,
        Command::Migrate { action } => migrate(&cli.database_url, action).await,
        Command::Import { file } => import_file(&cli.database_url, &file).await,
        Command::Export => export_pack(&cli.database_url).await,
        Command::ApiKey { action } => api_key(&cli.database_url, action).await,
        Command::Subscribers {
            action: SubscribersAction::Export { status },
        } => {
            let db = migrated(&cli.database_url).await?;
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            let count = subscribers::export_csv(&db, status.map(Into::into), out).await?;
            eprintln!("exported {count} subscribers");
            Ok(())
        }
        Command::PrintSchema => {
            print!("{}", graphql::schema_sdl());
            Ok(())
        }
    }
}

/// Connects to `database_url` and applies pending migrations.
async fn migrated(database_url: &str) -> Result<sea_orm::DatabaseConnection> {
    let (db, _) = database::connect(database_url).await?;
    database::migrate(&db, MigrateAction::Up).await?;
    Ok(db)
}

/// `migrate up|down|status|fresh`.
async fn migrate(database_url: &str, action: MigrateCommand) -> Result<()> {
    let (db, _) = database::connect(database_url).await?;
    if let MigrateCommand::Status = action {
        for (name, applied) in database::migration_status(&db).await? {
            println!("{:<8} {name}", if applied { "applied" } else { "pending" });
        }
        return Ok(());
    }
    database::migrate(&db, action.into()).await?;
    eprintln!("migrate {action:?}: done");
    Ok(())
}

/// `import FILE`: the whole pack in one transaction, or nothing.
async fn import_file(database_url: &str, file: &std::path::Path) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| Error::Internal(format!("cannot read {}: {error}", file.display())))?;
    let db = migrated(database_url).await?;
    let started = std::time::Instant::now();
    let summary = import::import_pack(&db, &text).await?;
    eprintln!(
        "imported {} terms, {} sections, {} FAQs, {} related links, {} new categories in {:.2?}",
        summary.terms,
        summary.sections,
        summary.faqs,
        summary.relations,
        summary.categories_created,
        started.elapsed()
    );
    Ok(())
}

/// `export`: every term as a pack on standard output.
async fn export_pack(database_url: &str) -> Result<()> {
    let (db, _) = database::connect(database_url).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let count = export::export_pack(&db, &mut out).await?;
    eprintln!("exported {count} terms");
    Ok(())
}

/// `api-key create|list|revoke`.
async fn api_key(database_url: &str, action: ApiKeyAction) -> Result<()> {
    let db = migrated(database_url).await?;
    match action {
        ApiKeyAction::Create { name, role } => {
            let (key, secret) = api_keys::create(&db, &name, role).await?;
            println!("{secret}");
            eprintln!(
                "created the {} key {:?}: store it now, it is not shown again",
                key.role.as_str(),
                key.name
            );
        }
        ApiKeyAction::List => {
            let format_time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or("-".to_owned(), |t| {
                    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                })
            };
            println!(
                "{:<24} {:<7} {:<21} {:<21} REVOKED",
                "NAME", "ROLE", "CREATED", "LAST USED"
            );
            for key in api_keys::list(&db).await? {
                println!(
                    "{:<24} {:<7} {:<21} {:<21} {}",
                    key.name,
                    key.role.as_str(),
                    format_time(Some(key.created_at)),
                    format_time(key.last_used_at),
                    format_time(key.revoked_at)
                );
            }
        }
        ApiKeyAction::Revoke { name } => {
            let key = api_keys::revoke(&db, &name).await?;
            eprintln!("revoked the key {:?}", key.name);
        }
    }
    Ok(())
}
