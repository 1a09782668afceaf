//! Objects and lists of objects resolved without async-graphql's per-field machinery where they can be.
//!
//! async-graphql resolves each field of each object in a boxed future of its own, sized for the type's
//! largest resolver, with a context of its own, joins them through a `FuturesUnordered` (a task
//! allocated per field), and hashes each key twice into the object. On a list page most fields need
//! none of it: `relatedTerms { slug name }` and `faqs { question }` under each of 50 terms are about
//! 700 of its 1 000 fields, each a string the item already holds.
//!
//! A *plain field* ([`PlainFields`]) is a value the object holds, read without waiting, without a guard
//! and without an error, selected without a sub-selection. A [`PlainList`] or a [`PlainObject`] whose
//! selection is fields alone, with no fragment or directive (`@skip` and `@include` are gone by then:
//! async-graphql removes them before execution), is resolved here:
//!
//! - **every field plain** (a list): each item becomes an object of those values at once, with no
//!   future at all;
//! - **some fields plain**: those are read on the spot, and the others run through the type's own
//!   resolvers (`ContainerType::resolve_field`, what async-graphql calls), concurrently, in one
//!   `join_all` per object, and the items of a list concurrently too, so that their loads still batch.
//!
//! Either way the keys come in the selection's order, and a repeated key keeps its first value, as
//! the executor merges them; a failed field is left out with its error recorded and an object with no
//! field left is null, as async-graphql has them (the response's shaping then makes the field null and
//! propagates that).
//!
//! Anything else takes async-graphql's path, with the same result: a fragment, a directive, a repeated
//! key with a selection below it (whose selections would need merging), a selection of more than 32
//! fields. So does a request run with extensions, which must see every field: only queries, metered
//! per list on the schemas without extensions ([`super::execution_budget`]), are resolved here.
//! `tests/api/term_columns.rs` reads every field both ways; the tests below check the order, the
//! keys, errors and the fallbacks.

use std::{borrow::Cow, future::Future, pin::Pin, sync::Arc};

use async_graphql::{
    ContainerType, Context, ContextSelectionSet, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection},
    registry::Registry,
};
use futures_util::future::join_all;

use super::{
    execution_budget::{ExecutionBudget, Metered, Metering},
    types::text::TextFormat,
};

/// An object type whose plain fields a [`PlainList`] or a [`PlainObject`] answers from the object alone.
pub trait PlainFields: OutputType {
    /// The value of the field `field` asks for on `self`, exactly as its resolver gives it, when that
    /// field is plain: held by the object, read without waiting, never an error, no guard. `None` for
    /// any other field, or arguments that make it so (an HTML text linked on the fly): the field then
    /// runs through its resolver. Whether a field is plain may depend on its name and arguments only.
    fn plain_field(&self, field: &Context<'_>) -> Option<Value>;
}

impl<T: PlainFields + Sync> PlainFields for &T {
    fn plain_field(&self, field: &Context<'_>) -> Option<Value> {
        T::plain_field(self, field)
    }
}

/// The text format a field's `format` argument asks for (Markdown when it is omitted), as its resolver
/// reads it; `None` when it cannot be read, which leaves the field to its resolver and its error.
pub fn format_argument(field: &Context<'_>) -> Option<TextFormat> {
    field
        .param_value("format", Some(|| TextFormat::Markdown))
        .ok()
        .map(|(_, format)| format)
}

/// A string field's value.
pub fn text(value: &str) -> Option<Value> {
    Some(Value::String(value.to_owned()))
}

/// A rich text field's value when its `format` asks for the Markdown, held as `markdown`; `None` for
/// the HTML, which is cross-linked on the fly by its resolver.
pub fn markdown_text(field: &Context<'_>, markdown: &str) -> Option<Value> {
    match format_argument(field)? {
        TextFormat::Markdown => text(markdown),
        TextFormat::Html => None,
    }
}

/// A list field's items, whose plain fields may be answered directly (see the module's comment). In the
/// schema it is the list it wraps.
#[derive(Clone, Debug)]
pub struct PlainItems<T>(pub Vec<T>);

/// A list field's items, metered ([`Metered`]) and answered directly when their selection allows.
pub type PlainList<T> = Metered<PlainItems<T>>;

impl<T> From<Vec<T>> for PlainList<T> {
    fn from(items: Vec<T>) -> Self {
        Metered(PlainItems(items))
    }
}

impl<T> FromIterator<T> for PlainList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Metered(PlainItems(items.into_iter().collect()))
    }
}

impl<T: PlainFields + ContainerType + Send + Sync> OutputType for PlainItems<T> {
    fn type_name() -> Cow<'static, str> {
        Vec::<T>::type_name()
    }

    fn qualified_type_name() -> String {
        Vec::<T>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Vec::<T>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let Some(fields) = own_fields(ctx) else {
            return self.0.resolve(ctx, field).await;
        };
        if let Some(list) = plain_values(&self.0, ctx, &fields) {
            return Ok(list);
        }
        // Items run concurrently, as async-graphql runs them, so that their loads batch together.
        let items = self.0.iter().enumerate().map(|(index, item)| {
            let ctx = ctx.with_index(index);
            let fields = &fields;
            async move { resolve_object(item, &ctx, fields).await }
        });
        Ok(Value::List(join_all(items).await))
    }
}

/// A field's object, whose plain fields are answered directly and its other fields through their
/// resolvers (see the module's comment). In the schema it is the object it wraps.
#[derive(Clone, Debug)]
pub struct PlainObject<T>(pub T);

impl<T: PlainFields + ContainerType + Send + Sync> OutputType for PlainObject<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match own_fields(ctx) {
            Some(fields) => Ok(resolve_object(&self.0, ctx, &fields).await),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// The most fields a selection resolved here may have.
const MAX_OWN_FIELDS: usize = 32;

/// The fields selected on the objects of `ctx`, each response key once, when this module may resolve
/// them: a query (on a schema without extensions, metered per list), and a selection of fields alone,
/// without fragments or directives, whose repeated keys are leaves (whose first value stands; others
/// would need their selections merged). `None` leaves them to async-graphql.
fn own_fields<'a>(ctx: &ContextSelectionSet<'a>) -> Option<Vec<&'a Positioned<Field>>> {
    let per_list = ctx
        .data_opt::<Arc<ExecutionBudget>>()
        .is_some_and(|budget| budget.metering() == Metering::PerList);
    if !per_list {
        return None;
    }
    let selection = &ctx.item.node.items;
    // Repeated keys are found by comparing each key with those before it: a selection too wide for that
    // to stay cheap (none of ours comes near) is left to async-graphql.
    if selection.len() > MAX_OWN_FIELDS {
        return None;
    }
    let mut fields: Vec<&Positioned<Field>> = Vec::with_capacity(selection.len());
    for selection in selection {
        let Selection::Field(field) = &selection.node else {
            return None;
        };
        if !field.node.directives.is_empty() {
            return None;
        }
        let key = &field.node.response_key().node;
        if !fields.iter().any(|f| &f.node.response_key().node == key) {
            fields.push(field);
        } else if !field.node.selection_set.node.items.is_empty() {
            return None;
        }
    }
    // A selection left empty by `@skip` gives each object as async-graphql gives it (null).
    (!fields.is_empty()).then_some(fields)
}

/// The value of `field` on `item` when it is `__typename` or a plain field.
fn plain_value<T: PlainFields>(
    item: &T,
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
) -> Option<Value> {
    if field.node.name.node == "__typename" {
        return Some(Value::String(T::type_name().into_owned()));
    }
    if !field.node.selection_set.node.items.is_empty() {
        return None;
    }
    item.plain_field(&ctx.with_field(field))
}

/// `items` as the list's value when every field of `fields` is plain; `None` as soon as one is not.
fn plain_values<T: PlainFields>(
    items: &[T],
    ctx: &ContextSelectionSet<'_>,
    fields: &[&Positioned<Field>],
) -> Option<Value> {
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        let mut object = IndexMap::with_capacity(fields.len());
        for field in fields {
            let value = plain_value(item, ctx, field)?;
            object.insert(field.node.response_key().node.clone(), value);
        }
        list.push(Value::Object(object));
    }
    Some(Value::List(list))
}

/// The results of an object's fields that resolve through their resolvers, in a box of erased type.
type Resolving<'a> = Pin<Box<dyn Future<Output = Vec<ServerResult<Option<Value>>>> + Send + 'a>>;

/// `item`'s object: its plain fields read on the spot, the others through the type's resolvers, run
/// concurrently. As in async-graphql, a field whose resolver fails is left out, its error recorded (the
/// response's shaping then makes it null and propagates the null), and an object left without fields
/// is null.
async fn resolve_object<T: PlainFields + ContainerType + Sync>(
    item: &T,
    ctx: &ContextSelectionSet<'_>,
    fields: &[&Positioned<Field>],
) -> Value {
    let mut values: Vec<Option<Value>> = Vec::with_capacity(fields.len());
    let mut waiting = Vec::new();
    for (at, field) in fields.iter().enumerate() {
        let value = plain_value(item, ctx, field);
        if value.is_none() {
            waiting.push(at);
        }
        values.push(value);
    }
    if !waiting.is_empty() {
        // Behind one box per object: a type's fields may hold lists of the same type, whose futures
        // would otherwise contain their own.
        let resolving: Resolving<'_> = Box::pin(join_all(waiting.iter().map(|&at| {
            let field = fields[at];
            async move { item.resolve_field(&ctx.with_field(field)).await }
        })));
        let resolved = resolving.await;
        for (at, result) in waiting.into_iter().zip(resolved) {
            match result {
                Ok(value) => values[at] = Some(value.unwrap_or_default()),
                Err(error) => ctx.add_error(error),
            }
        }
    }
    let mut object = IndexMap::with_capacity(fields.len());
    for (field, value) in fields.iter().zip(values) {
        if let Some(value) = value {
            object.insert(field.node.response_key().node.clone(), value);
        }
    }
    if object.is_empty() {
        Value::Null
    } else {
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};

    use super::*;
    use crate::config::ExecutionLimits;

    /// Fields answered on the plain path, counted by the test type itself.
    static PLAIN_ANSWERS: AtomicUsize = AtomicUsize::new(0);

    struct Item {
        word: &'static str,
        number: i32,
    }

    /// A test item: two plain fields, one with an argument, and fields that wait, fail or hold a list.
    #[Object]
    impl Item {
        async fn word(&self, #[graphql(default)] upper: bool) -> String {
            if upper {
                self.word.to_uppercase()
            } else {
                self.word.to_owned()
            }
        }

        async fn number(&self) -> i32 {
            self.number
        }

        async fn later(&self) -> i32 {
            tokio::task::yield_now().await;
            self.number * 10
        }

        async fn failing(&self) -> async_graphql::Result<Option<i32>> {
            tokio::task::yield_now().await;
            match self.number {
                2 => Err("two fails".into()),
                n => Ok(Some(n)),
            }
        }

        async fn halves(&self) -> PlainList<Item> {
            tokio::task::yield_now().await;
            vec![
                Item {
                    word: "half",
                    number: self.number * 100,
                },
                Item {
                    word: "other half",
                    number: self.number * 100 + 1,
                },
            ]
            .into()
        }
    }

    impl PlainFields for Item {
        fn plain_field(&self, field: &Context<'_>) -> Option<Value> {
            let value = match field.item.node.name.node.as_str() {
                "word" => {
                    let (_, upper) = field.param_value::<bool>("upper", Some(|| false)).ok()?;
                    Value::String(if upper {
                        self.word.to_uppercase()
                    } else {
                        self.word.to_owned()
                    })
                }
                "number" => Value::from(self.number),
                _ => return None,
            };
            PLAIN_ANSWERS.fetch_add(1, Ordering::Relaxed);
            Some(value)
        }
    }

    struct Query;

    /// The test root.
    #[Object]
    impl Query {
        async fn items(&self) -> PlainList<Item> {
            vec![
                Item {
                    word: "one",
                    number: 1,
                },
                Item {
                    word: "two",
                    number: 2,
                },
            ]
            .into()
        }

        async fn empty(&self) -> PlainList<Item> {
            Vec::new().into()
        }

        async fn first(&self) -> PlainObject<Item> {
            PlainObject(Item {
                word: "first",
                number: 2,
            })
        }
    }

    /// The data and errors of `query` as JSON text (keys in order), and how many fields it answered
    /// plainly; with `metering`, a budget of that kind in the request (queries run metered per list).
    async fn run(query: &str, metering: Option<Metering>) -> (String, String, usize) {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let mut request = Request::new(query).variables(async_graphql::Variables::from_json(
            serde_json::json!({"yes": true, "no": false}),
        ));
        if let Some(metering) = metering {
            request = request.data(ExecutionBudget::start(
                &ExecutionLimits::default(),
                metering,
            ));
        }
        let before = PLAIN_ANSWERS.load(Ordering::Relaxed);
        let response = schema.execute(request).await;
        let answered = PLAIN_ANSWERS.load(Ordering::Relaxed) - before;
        (
            serde_json::to_string(&response.data).unwrap(),
            serde_json::to_string(&response.errors).unwrap(),
            answered,
        )
    }

    /// JSON text with every object's keys sorted.
    fn sorted(json: &str) -> String {
        fn sort(value: serde_json::Value) -> serde_json::Value {
            match value {
                serde_json::Value::Object(map) => {
                    let sorted: std::collections::BTreeMap<_, _> =
                        map.into_iter().map(|(k, v)| (k, sort(v))).collect();
                    serde_json::to_value(sorted).unwrap()
                }
                serde_json::Value::Array(items) => items.into_iter().map(sort).collect(),
                other => other,
            }
        }
        sort(serde_json::from_str(json).unwrap()).to_string()
    }

    /// `query` answered here (a per-list budget), and by async-graphql alone (no budget): the same data
    /// and errors, but for the order of keys, which async-graphql leaves in the order its fields
    /// finished (the response's shaping puts them back). Returns the data answered here and how many
    /// fields were answered plainly.
    async fn same_both_ways(query: &str) -> (String, usize) {
        let (data, errors, answered) = run(query, Some(Metering::PerList)).await;
        let (their_data, their_errors, none) = run(query, None).await;
        assert_eq!(none, 0, "async-graphql alone: {query}");
        assert_eq!(
            (sorted(&data), &errors),
            (sorted(&their_data), &their_errors),
            "here, then by async-graphql: {query}"
        );
        (data, answered)
    }

    // One test, so that no other test's plain answers are counted in between.
    #[tokio::test]
    async fn plain_fields_resolve_as_the_executor_resolves_them() {
        // Order, aliases, a repeated key, `__typename` and an argument from a variable.
        let plain = "query($yes: Boolean!) { items { number w: word(upper: $yes) \
                     __typename word number } }";
        let expected = r#"{"items":[{"number":1,"w":"ONE","__typename":"Item","word":"one"},{"number":2,"w":"TWO","__typename":"Item","word":"two"}]}"#;
        assert_eq!(same_both_ways(plain).await, (expected.to_owned(), 6));
        // A fragment, an inline fragment, or a budget per field (mutations, run with an extension)
        // leave it to async-graphql, with the same data.
        let spread = "query($yes: Boolean!) { items { ...F } } \
                      fragment F on Item { number w: word(upper: $yes) __typename word number }";
        let inline = "query($yes: Boolean!) { items { ... on Item { number w: word(upper: $yes) \
                      __typename word number } } }";
        for query in [spread, inline] {
            assert_eq!(
                same_both_ways(query).await,
                (expected.to_owned(), 0),
                "{query}"
            );
        }
        assert_eq!(
            run(plain, Some(Metering::PerField)).await,
            (expected.to_owned(), "[]".to_owned(), 0)
        );

        // Plain fields beside fields that wait: the first item meets `later`, then every plain field
        // is read on the spot and `later` resolves; the key order stays the selection's.
        let (data, answered) = same_both_ways("{ items { later word number } }").await;
        assert_eq!(
            data,
            r#"{"items":[{"later":10,"word":"one","number":1},{"later":20,"word":"two","number":2}]}"#
        );
        assert_eq!(answered, 4);
        // A failed field is left out of its object, with its error and path (the index included).
        let (data, answered) = same_both_ways("{ items { word failing } }").await;
        assert_eq!(
            data,
            r#"{"items":[{"word":"one","failing":1},{"word":"two"}]}"#
        );
        assert_eq!(answered, 3);
        let (_, errors, _) = run("{ items { word failing } }", Some(Metering::PerList)).await;
        assert!(
            errors.contains(r#""path":["items",1,"failing"]"#),
            "{errors}"
        );
        // An object whose every field failed is null.
        let (data, _) = same_both_ways("{ first { failing } }").await;
        assert_eq!(data, r#"{"first":null}"#);
        // A single object, and lists inside objects inside lists.
        assert_eq!(
            same_both_ways("{ first { number halves { word number } } }").await,
            (
                r#"{"first":{"number":2,"halves":[{"word":"half","number":200},{"word":"other half","number":201}]}}"#
                    .to_owned(),
                1 + 4
            )
        );
        assert_eq!(
            same_both_ways("{ items { halves { n: number } word } }").await,
            (
                r#"{"items":[{"halves":[{"n":100},{"n":101}],"word":"one"},{"halves":[{"n":200},{"n":201}],"word":"two"}]}"#
                    .to_owned(),
                2 + 4
            )
        );
        // A repeated key with a selection below it leaves the items to async-graphql, which merges the
        // two lists it resolves (each of them plain: 2 items × 2 lists × 2 halves).
        let (data, answered) =
            same_both_ways("{ items { halves { word } halves { number } } }").await;
        assert!(
            sorted(&data).contains(r#"{"number":100,"word":"half"}"#),
            "{data}"
        );
        assert_eq!(answered, 8);

        // A selection wider than MAX_OWN_FIELDS is left to async-graphql.
        for (width, answered) in [
            (MAX_OWN_FIELDS, 2 * MAX_OWN_FIELDS),
            (MAX_OWN_FIELDS + 1, 0),
        ] {
            let fields: Vec<String> = (0..width).map(|at| format!("w{at}: word")).collect();
            let query = format!("{{ items {{ {} }} }}", fields.join(" "));
            assert_eq!(same_both_ways(&query).await.1, answered, "{width} fields");
        }

        // `@skip` and `@include` are applied before: what is left is answered here.
        let (data, answered) = same_both_ways(
            "query($yes: Boolean!, $no: Boolean!) { items { word @include(if: $yes) \
             number @skip(if: $yes) later @include(if: $no) } }",
        )
        .await;
        assert_eq!(
            (data.as_str(), answered),
            (r#"{"items":[{"word":"one"},{"word":"two"}]}"#, 2)
        );
        // A selection they empty reads as the executor reads it.
        same_both_ways("query($yes: Boolean!) { items { word @skip(if: $yes) } }").await;
        same_both_ways("query($yes: Boolean!) { first { word @skip(if: $yes) } }").await;
        // An empty list is an empty list.
        assert_eq!(
            same_both_ways("{ empty { word } }").await,
            (r#"{"empty":[]}"#.to_owned(), 0)
        );
    }
}
