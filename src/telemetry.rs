//! Tracing set-up, done once at start-up: readable lines on a terminal, or JSON lines with `--log-format json`.
//! The level comes from `RUST_LOG` (default `info`). Built with `--features otlp`, spans are also exported
//! to an OpenTelemetry collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (`crate::otlp`).

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Keeps what telemetry needs for the life of the process (the OTLP exporter, when there is one);
/// dropping it at exit sends the spans still buffered.
#[must_use = "dropping the guard stops the export"]
pub struct TelemetryGuard {
    #[cfg(feature = "otlp")]
    _exporter: Option<crate::otlp::Exporter>,
}

/// Installs the global tracing subscriber. Logs go to standard error so that `export` and `print-schema`
/// keep standard output clean.
pub fn init(format: LogFormat) -> TelemetryGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Text => lines.boxed(),
        LogFormat::Json => lines
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    };
    let registry = tracing_subscriber::registry().with(filter).with(lines);

    #[cfg(feature = "otlp")]
    {
        let (exporter, layer) = match crate::otlp::exporter_from_env() {
            Some(Ok((exporter, layer))) => (Some(exporter), Some(layer)),
            Some(Err(error)) => {
                eprintln!("OpenTelemetry export is off: {error}");
                (None, None)
            }
            None => (None, None),
        };
        // A second init (tests start many apps in one process) keeps the first subscriber.
        let _ = registry.with(layer).try_init();
        TelemetryGuard {
            _exporter: exporter,
        }
    }
    #[cfg(not(feature = "otlp"))]
    {
        // A second init (tests start many apps in one process) keeps the first subscriber.
        let _ = registry.try_init();
        TelemetryGuard {}
    }
}
