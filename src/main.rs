//! The `glossary` binary: parse the command line, set up telemetry, dispatch. Nothing else lives here.

use std::process::ExitCode;

use clap::Parser;
use glossary::{
    cli::{Cli, Command, MigrateAction, ServeArgs},
    database,
    error::Error,
    export, graphql, import, server, telemetry,
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli).await {
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
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => server::serve(&cli.database_url, args.config()).await,
        Command::Migrate { action } => {
            let (db, _) = database::connect(&cli.database_url).await?;
            if let MigrateAction::Status = action {
                for (name, applied) in database::migration_status(&db).await? {
                    println!("{:<8} {name}", if applied { "applied" } else { "pending" });
                }
                return Ok(());
            }
            database::migrate(&db, action).await?;
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
        Command::PrintSchema => {
            print!("{}", graphql::schema_sdl());
            Ok(())
        }
    }
}
