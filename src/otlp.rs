//! OpenTelemetry export of our tracing spans over OTLP (HTTP with protobuf), built only with
//! `--features otlp`. Configured by the standard environment variables: `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) switches it on, `OTEL_EXPORTER_OTLP_HEADERS` adds headers,
//! `OTEL_SERVICE_NAME` names the service (`glossary` by default). Spans are batched and sent from a
//! thread of the exporter's own, so a slow collector never holds a request up.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use tracing_subscriber::{Layer, registry::LookupSpan};

/// Keeps the exporter alive; dropping it sends what is left and stops the export.
pub struct Exporter {
    provider: SdkTracerProvider,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("OpenTelemetry: the last spans could not be sent: {error}");
        }
    }
}

/// The collector's URL for traces, from the environment; `None` leaves export off.
fn traces_endpoint() -> Option<String> {
    let nonempty = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    nonempty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| {
        nonempty("OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(|base| format!("{}/v1/traces", base.trim_end_matches('/')))
    })
}

/// An exporter to `endpoint` (a collector's `/v1/traces` URL) and the tracing layer that feeds it.
pub fn exporter_to<S>(endpoint: &str) -> Result<(Exporter, impl Layer<S> + use<S>), String>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| format!("cannot build the OTLP exporter for {endpoint}: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "glossary".to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("glossary"));
    Ok((Exporter { provider }, layer))
}

/// The exporter the environment asks for, if any.
pub fn exporter_from_env<S>() -> Option<Result<(Exporter, impl Layer<S> + use<S>), String>>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    traces_endpoint().map(|endpoint| exporter_to(&endpoint))
}

#[cfg(test)]
mod tests {
    use std::{
        io::{Read, Write},
        net::TcpListener,
        sync::mpsc,
        time::Duration,
    };

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A collector that takes one request and answers 200; sends back what it received.
    fn one_shot_collector() -> (String, mpsc::Receiver<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let mut received = Vec::new();
            let mut buffer = [0u8; 65536];
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buffer[..n]);
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
            let _ = sender.send(received);
        });
        (url, receiver)
    }

    #[test]
    fn spans_reach_the_collector_over_otlp_http() {
        let (url, received) = one_shot_collector();
        let (exporter, layer) = exporter_to(&url).unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("graphql", operation.name = "TermPage");
            span.in_scope(|| tracing::info!("inside"));
        });
        exporter.provider.force_flush().unwrap();
        let request = received.recv_timeout(Duration::from_secs(10)).unwrap();
        let text = String::from_utf8_lossy(&request);
        assert!(text.starts_with("POST /v1/traces"), "{text}");
        assert!(
            text.to_lowercase()
                .contains("content-type: application/x-protobuf"),
            "{text}"
        );
        assert!(
            text.contains("graphql") && text.contains("TermPage"),
            "the span and its field are in the body"
        );
        drop(exporter);
    }
}
