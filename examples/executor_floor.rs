//! The floor under our server's cost for the benchmark's term page (Q1) and list page (Q2): async-graphql
//! alone, executing the same documents over the same data held in memory, and serialising the same JSON.
//! No database, no DataLoader, no HTTP, no budget, no response shaping: plain `#[Object]` resolvers that
//! borrow their strings. Whatever our server costs above this is ours to cut; this much is the executor's.
//!
//! `bench/instructions.py --floor` runs it under callgrind beside the server, so that both are counted
//! in one run (instructions per request):
//!
//! usage: `executor_floor RESPONSES.json q1|q2 ITERATIONS`
//!
//! `RESPONSES.json` holds the server's answers, captured by the benchmark: `{"q1": {slug: data, ...},
//! "q2": data}`. The data is rebuilt from them, each query's first answer is checked to be the server's
//! (the same work), then the query runs `ITERATIONS` times with a parsed document, as the server's
//! document cache gives it.

use std::collections::HashMap;

use async_graphql::{
    EmptyMutation, EmptySubscription, Enum, InputObject, Object, Request, Schema, ValidationMode,
    Variables, parser::parse_query,
};
use serde_json::Value;

/// The same allocator as the server's (`src/main.rs`).
#[global_allocator]
static ALLOCATOR: glossary::allocator::Mimalloc = glossary::allocator::Mimalloc;

/// A term as the captured answers show it; fields they do not show are empty.
#[derive(Default)]
struct TermData {
    slug: String,
    name: String,
    title: String,
    definition: String,
    sections: Vec<(String, String)>,
    faqs: Vec<(String, String)>,
    related: Vec<TermData>,
    categories: Vec<(String, String)>,
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

fn pairs(value: &Value, list: &str, first: &str, second: &str) -> Vec<(String, String)> {
    value[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| (text(item, first), text(item, second)))
                .collect()
        })
        .unwrap_or_default()
}

impl TermData {
    fn from_answer(value: &Value) -> Self {
        TermData {
            slug: text(value, "slug"),
            name: text(value, "name"),
            title: text(value, "title"),
            definition: text(value, "definition"),
            sections: pairs(value, "sections", "heading", "body"),
            faqs: pairs(value, "faqs", "question", "answer"),
            related: value["relatedTerms"]
                .as_array()
                .map(|items| items.iter().map(TermData::from_answer).collect())
                .unwrap_or_default(),
            categories: pairs(value, "categories", "slug", "name"),
        }
    }
}

/// The data behind the schema: term pages by slug (Q1) and the list page (Q2).
struct Content {
    by_slug: HashMap<String, TermData>,
    page: Vec<TermData>,
}

struct Term(&'static TermData);

#[Object]
impl Term {
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn definition(&self) -> &str {
        &self.0.definition
    }
    async fn sections(&self) -> Vec<Section> {
        self.0.sections.iter().map(Section).collect()
    }
    async fn faqs(&self) -> Vec<Faq> {
        self.0.faqs.iter().map(Faq).collect()
    }
    async fn related_terms(&self) -> Vec<Term> {
        self.0.related.iter().map(Term).collect()
    }
    async fn categories(&self) -> Vec<Category> {
        self.0.categories.iter().map(Category).collect()
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
enum TextFormat {
    Markdown,
    Html,
}

struct Section(&'static (String, String));

#[Object]
impl Section {
    async fn heading(&self) -> &str {
        &self.0.0
    }
    async fn body(
        &self,
        #[graphql(default_with = "TextFormat::Markdown")] _format: TextFormat,
    ) -> &str {
        &self.0.1
    }
}

struct Faq(&'static (String, String));

#[Object]
impl Faq {
    async fn question(&self) -> &str {
        &self.0.0
    }
    async fn answer(
        &self,
        #[graphql(default_with = "TextFormat::Markdown")] _format: TextFormat,
    ) -> &str {
        &self.0.1
    }
}

struct Category(&'static (String, String));

#[Object]
impl Category {
    async fn slug(&self) -> &str {
        &self.0.0
    }
    async fn name(&self) -> &str {
        &self.0.1
    }
}

struct TermEdge(&'static TermData);

#[Object]
impl TermEdge {
    async fn node(&self) -> Term {
        Term(self.0)
    }
}

struct TermConnection(&'static [TermData]);

#[Object]
impl TermConnection {
    async fn edges(&self) -> Vec<TermEdge> {
        self.0.iter().map(TermEdge).collect()
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
enum TermOrderField {
    Name,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
enum SortDirection {
    Asc,
}

#[derive(InputObject)]
struct TermOrderInput {
    field: TermOrderField,
    direction: SortDirection,
}

struct Query(&'static Content);

#[Object]
impl Query {
    async fn term(&self, slug: String) -> Option<Term> {
        self.0.by_slug.get(&slug).map(Term)
    }
    async fn terms(&self, first: i32, order_by: Option<TermOrderInput>) -> TermConnection {
        let _ = order_by;
        TermConnection(&self.0.page[..(first as usize).min(self.0.page.len())])
    }
}

fn usage() -> ! {
    eprintln!("usage: executor_floor RESPONSES.json q1|q2 ITERATIONS");
    std::process::exit(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [responses, query_key, iterations] = args.as_slice() else {
        usage()
    };
    let iterations: usize = iterations.parse().unwrap_or_else(|_| usage());
    let answers: Value = serde_json::from_slice(
        &std::fs::read(responses).unwrap_or_else(|e| panic!("cannot read {responses}: {e}")),
    )
    .expect("the responses file is JSON");
    let query = answers["queries"][query_key.as_str()]
        .as_str()
        .unwrap_or_else(|| usage())
        .to_owned();

    // Each request's variables and the data the server answered it with.
    let mut requests: Vec<(Variables, Value)> = Vec::new();
    let mut by_slug = HashMap::new();
    let mut page = Vec::new();
    match query_key.as_str() {
        "q1" => {
            for (slug, data) in answers["q1"].as_object().expect("q1 answers by slug") {
                by_slug.insert(slug.clone(), TermData::from_answer(&data["term"]));
                let variables = serde_json::json!({ "slug": slug });
                requests.push((Variables::from_json(variables), data.clone()));
            }
        }
        "q2" => {
            let data = &answers["q2"];
            page = data["terms"]["edges"]
                .as_array()
                .expect("q2 edges")
                .iter()
                .map(|edge| TermData::from_answer(&edge["node"]))
                .collect();
            requests.push((Variables::default(), data.clone()));
        }
        _ => usage(),
    }
    let content: &'static Content = Box::leak(Box::new(Content { by_slug, page }));
    let schema = Schema::build(Query(content), EmptyMutation, EmptySubscription)
        .validation_mode(ValidationMode::Fast)
        .finish();
    let document = parse_query(&query).expect("the benchmark's query parses");

    let run = |variables: Variables| {
        let mut request = Request::new(query.clone()).variables(variables);
        request.set_parsed_query(document.clone());
        let schema = &schema;
        async move {
            let response = schema.execute(request).await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
            (serde_json::to_vec(&response).expect("serialises"), response)
        }
    };
    for (variables, expected) in &requests {
        let (_, response) = run(variables.clone()).await;
        let data = response.data.into_json().expect("data is JSON");
        assert_eq!(&data, expected, "the floor answers as the server did");
    }
    let mut bytes = 0;
    let started = std::time::Instant::now();
    for i in 0..iterations {
        let (variables, _) = &requests[i % requests.len()];
        bytes += run(variables.clone()).await.0.len();
    }
    let elapsed = started.elapsed();
    if iterations > 0 {
        eprintln!(
            "{query_key}: {iterations} requests, {:.1} µs each, {} bytes each",
            elapsed.as_secs_f64() * 1e6 / iterations as f64,
            bytes / iterations
        );
    }
}
