//! `GET /graphiql`: the GraphiQL IDE, pointed at `/graphql` and `/graphql/ws`, opening on the term-page
//! query over the sample glossary. Everything it loads comes from this server: GraphiQL, React and
//! ReactDOM at the versions `assets/graphiql/package.json` pins (built into `assets/graphiql/vendor/` by
//! its `update.sh` and embedded in the binary), and our own start-up script, so the page works with no
//! internet access and under a Content-Security-Policy that allows only our own origin.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// The query GraphiQL opens on: the documented term page (`examples/operations/term-page.graphql`).
pub const EXAMPLE_QUERY: &str = include_str!("../../examples/operations/term-page.graphql");

/// The variables GraphiQL opens with: a term of the sample glossary.
const EXAMPLE_VARIABLES: &str = "{\n  \"slug\": \"backend-developer\"\n}";

/// What GraphiQL puts in the headers editor at first: where an API key goes.
const EXAMPLE_HEADERS: &str = "";

/// Only our own origin: scripts, styles, and requests (HTTP and the WebSocket, which `'self'` covers);
/// GraphiQL's fonts and icons are `data:` URLs inside its stylesheet. No framing, no `<base>`, no forms.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// Versioned names never change content, so browsers may keep them for good.
    immutable: bool,
}

macro_rules! vendored {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/graphiql/vendor/", $name)),
            immutable: true,
        }
    };
}

/// Everything the page loads, by the name it is served under (`/graphiql/assets/{name}`).
static ASSETS: &[Asset] = &[
    vendored!(
        "react-18.3.1.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    vendored!(
        "react-dom-18.3.1.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    vendored!("graphiql-3.8.3.min.js", "text/javascript; charset=utf-8"),
    vendored!("graphiql-3.8.3.min.css", "text/css; charset=utf-8"),
    Asset {
        name: "glossary-graphiql.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/glossary-graphiql.js"),
        immutable: false,
    },
    Asset {
        name: "glossary-graphiql.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/glossary-graphiql.css"),
        immutable: false,
    },
];

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Glossary API · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/graphiql/assets/graphiql-3.8.3.min.css">
  <link rel="stylesheet" href="/graphiql/assets/glossary-graphiql.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script id="graphiql-config" type="application/json">{{CONFIG}}</script>
  <script src="/graphiql/assets/react-18.3.1.production.min.js"></script>
  <script src="/graphiql/assets/react-dom-18.3.1.production.min.js"></script>
  <script src="/graphiql/assets/graphiql-3.8.3.min.js"></script>
  <script src="/graphiql/assets/glossary-graphiql.js"></script>
</body>
</html>
"#;

/// The page, with GraphiQL's settings as a JSON block (`<` escaped so that no text can end the block).
static PAGE_WITH_CONFIG: LazyLock<String> = LazyLock::new(|| {
    let config = serde_json::json!({
        "defaultQuery": EXAMPLE_QUERY,
        "variables": EXAMPLE_VARIABLES,
        "defaultHeaders": EXAMPLE_HEADERS,
    })
    .to_string()
    .replace('<', "\\u003c");
    PAGE.replace("{{CONFIG}}", &config)
});

/// Serves the GraphiQL page under its Content-Security-Policy.
pub async fn graphiql() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        PAGE_WITH_CONFIG.as_str(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Serves one of the page's scripts or stylesheets; 404 for any other name.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return super::not_found().await;
    };
    let cache_control = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache_control),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_what_is_embedded() {
        let page = PAGE_WITH_CONFIG.as_str();
        for reference in page.split(['"', '\'']).filter(|s| s.starts_with('/')) {
            let name = reference
                .strip_prefix("/graphiql/assets/")
                .unwrap_or_else(|| panic!("{reference} is not one of our assets"));
            assert!(
                ASSETS.iter().any(|asset| asset.name == name),
                "{name} is not embedded"
            );
        }
        assert!(!page.contains("http://") && !page.contains("https://"));
        let config_start = page.find("{\"").unwrap();
        let config_end = page[config_start..].find("</script>").unwrap();
        let config: serde_json::Value =
            serde_json::from_str(&page[config_start..config_start + config_end]).unwrap();
        assert_eq!(config["defaultQuery"], EXAMPLE_QUERY);
    }
}
