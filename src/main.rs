//! The `glossary` binary: parse the command line, set up telemetry, dispatch. Nothing else lives here.

use std::process::ExitCode;

use glossary::{
    auth::api_keys,
    cli::{ApiKeyAction, Cli, Command, MigrateCommand, SubscribersAction},
    database::{self, MigrateAction},
    error::Error,
    export, graphql, import,
    newsletter::subscribers,
    server, telemetry,
};

/// How long tasks still running when `run` returns (a request left behind at the shutdown deadline) may
/// keep the process before it exits anyway.
const RUNTIME_SHUTDOWN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

fn main() -> ExitCode {
    let cli = Cli::parse_with_serve_default();
    telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::InvalidPack(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "import failed: {} problem(s); nothing was written",
                problems.len()
            );
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("error: {}", error.describe());
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command.unwrap_or_default() {
        Command::Serve(args) => server::serve(&cli.database_url, args.config()?).await,
        Command::Migrate { action } => {
            let (db, _) = database::connect(&cli.database_url).await?;
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
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(|error| {
                Error::Internal(format!("cannot read {}: {error}", file.display()))
            })?;
            let (db, _) = database::connect(&cli.database_url).await?;
            database::migrate(&db, MigrateAction::Up).await?;
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
        Command::Export => {
            let (db, _) = database::connect(&cli.database_url).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let count = export::export_pack(&db, &mut out).await?;
            eprintln!("exported {count} terms");
            Ok(())
        }
        Command::ApiKey { action } => {
            let (db, _) = database::connect(&cli.database_url).await?;
            database::migrate(&db, MigrateAction::Up).await?;
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
        Command::Subscribers {
            action: SubscribersAction::Export { status },
        } => {
            let (db, _) = database::connect(&cli.database_url).await?;
            database::migrate(&db, MigrateAction::Up).await?;
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
