//! `GET /graphiql`: the GraphiQL IDE, pointed at `/graphql` and `/graphql/ws`, opening on an example query
//! over the sample glossary. (It loads GraphiQL's scripts from a CDN for now; serving them offline is planned.)

use std::sync::LazyLock;

use axum::response::Html;

/// The query GraphiQL opens on: a glossary page's data, to run with one click.
pub const EXAMPLE_QUERY: &str = r#"# Welcome to the glossary API. Press the play button to run this query.
query GlossaryPage {
  glossaryIndex { letter termCount }
  terms(first: 5, orderBy: { field: NAME }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { slug name title }
  }
  term(slug: "backend-developer") {
    name
    title
    definition
    tableOfContents { title anchor level }
    sections { heading anchor body(format: HTML) }
    faqs { question answer }
    relatedTerms(first: 4) { slug name }
    categories { slug name }
    callToAction { heading text label url }
    seo { title description }
    readingTimeMinutes
  }
}
"#;

/// The page, with the example query written in as a JavaScript string.
static PAGE_WITH_EXAMPLE: LazyLock<String> = LazyLock::new(|| {
    let example = serde_json::to_string(EXAMPLE_QUERY).expect("a string serialises");
    PAGE.replace("{{EXAMPLE_QUERY}}", &example)
});

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Glossary API · GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
  <script>
    const wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
    const fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: wsUrl });
    const defaultQuery = {{EXAMPLE_QUERY}};
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery, shouldPersistHeaders: false })
    );
  </script>
</body>
</html>
"#;

/// Serves the GraphiQL page.
pub async fn graphiql() -> Html<&'static str> {
    Html(PAGE_WITH_EXAMPLE.as_str())
}
