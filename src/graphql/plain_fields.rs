//! Lists of objects answered without async-graphql's per-field machinery, when their selection allows.
//!
//! async-graphql resolves each field of each object of a list in a boxed future of its own, sized for the
//! type's largest resolver, with a context of its own, and joins them into an object. On a list page
//! most fields are like that: `relatedTerms { slug name }` and `faqs { question }` under each of 50
//! terms are about 700 of its 1 000 fields, each a string the item already holds, and the futures cost
//! more than the values.
//!
//! A [`PlainList`] answers such a list directly. Every field selected on its items must be:
//!
//! - a *plain field* of their type ([`PlainFields`]): a value the item holds, read without waiting,
//!   without a guard and without an error;
//! - selected without a sub-selection, a fragment or a directive (`@skip` and `@include` are gone by
//!   then: async-graphql removes them before execution).
//!
//! Each item then becomes an object of those values, in the selection's order, under their response
//! keys. A repeated key keeps its first value, as the executor merges them.
//!
//! Anything else takes async-graphql's path, item by item, with the same result: a fragment, a field
//! that is not plain, a text format that needs the cross-linker. So does a request run with extensions,
//! which must see every field: only queries, metered per list on the schemas without extensions
//! ([`super::execution_budget`]), take the plain path. `tests/api/term_columns.rs` reads every field
//! both ways; the tests below check the order, the keys and the fallbacks.

use std::{borrow::Cow, collections::HashSet, sync::Arc};

use async_graphql::{
    Context, ContextSelectionSet, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection},
    registry::Registry,
};
use foldhash::fast::RandomState;

use super::{
    execution_budget::{ExecutionBudget, Metered, Metering},
    types::text::TextFormat,
};

/// An object type whose plain fields a [`PlainList`] can answer from the item alone.
pub trait PlainFields: OutputType {
    /// The value of the field `field` asks for on `self`, exactly as its resolver gives it, when that
    /// field is plain: held by the item, read without waiting, never an error, no guard. `None` for
    /// any other field, or arguments that make it so (an HTML text linked on the fly): the list then
    /// resolves the usual way. Whether a field is plain may depend on its name and arguments only.
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

impl<T: PlainFields + Send + Sync> OutputType for PlainItems<T> {
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
        if runs_without_extensions(ctx)
            && let Some(list) = plain_values(&self.0, ctx)
        {
            return Ok(list);
        }
        self.0.resolve(ctx, field).await
    }
}

/// Whether the request runs on a schema without extensions: a query, metered per list.
fn runs_without_extensions(ctx: &ContextSelectionSet<'_>) -> bool {
    ctx.data_opt::<Arc<ExecutionBudget>>()
        .is_some_and(|budget| budget.metering() == Metering::PerList)
}

/// `items` as the list's value when every field selected on them is plain; `None` otherwise.
fn plain_values<T: PlainFields>(items: &[T], ctx: &ContextSelectionSet<'_>) -> Option<Value> {
    let selection = &ctx.item.node.items;
    let mut fields = Vec::with_capacity(selection.len());
    let mut keys = HashSet::with_capacity_and_hasher(selection.len(), RandomState::default());
    for selection in selection {
        let Selection::Field(field) = &selection.node else {
            return None;
        };
        if !field.node.directives.is_empty() || !field.node.selection_set.node.items.is_empty() {
            return None;
        }
        // A repeated response key keeps its first value (validation made both the same field).
        if keys.insert(field.node.response_key().node.as_str()) {
            fields.push(field);
        }
    }
    // A selection left empty by `@skip` gives each item as async-graphql gives it (null).
    if fields.is_empty() {
        return None;
    }
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        let mut object = IndexMap::with_capacity(fields.len());
        for field in &fields {
            let value = if field.node.name.node == "__typename" {
                Value::String(T::type_name().into_owned())
            } else {
                item.plain_field(&ctx.with_field(field))?
            };
            object.insert(field.node.response_key().node.clone(), value);
        }
        list.push(Value::Object(object));
    }
    Some(Value::List(list))
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

    /// A test item: two plain fields, one with an argument, and one that waits.
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
    }

    /// The data of `query` as JSON text (its keys in order), and how many fields it answered plainly.
    async fn run(query: &str, metering: Option<Metering>) -> (String, usize) {
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
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let answered = PLAIN_ANSWERS.load(Ordering::Relaxed) - before;
        (serde_json::to_string(&response.data).unwrap(), answered)
    }

    // One test, so that no other test's plain answers are counted in between.
    #[tokio::test]
    async fn plain_lists_answer_as_the_executor_does() {
        let per_list = Some(Metering::PerList);
        // Order, aliases, a repeated key, `__typename` and an argument from a variable.
        let plain = "query($yes: Boolean!) { items { number w: word(upper: $yes) \
                     __typename word number } }";
        let expected = r#"{"items":[{"number":1,"w":"ONE","__typename":"Item","word":"one"},{"number":2,"w":"TWO","__typename":"Item","word":"two"}]}"#;
        assert_eq!(run(plain, per_list).await, (expected.to_owned(), 6));
        // The same selection through a fragment, an inline fragment, or without a per-list budget
        // (mutations, subscription events) resolves through async-graphql, to the same data.
        let spread = "query($yes: Boolean!) { items { ...F } } \
                      fragment F on Item { number w: word(upper: $yes) __typename word number }";
        assert_eq!(run(spread, per_list).await, (expected.to_owned(), 0));
        let inline = "query($yes: Boolean!) { items { ... on Item { number w: word(upper: $yes) \
                      __typename word number } } }";
        assert_eq!(run(inline, per_list).await, (expected.to_owned(), 0));
        assert_eq!(run(plain, None).await, (expected.to_owned(), 0));
        assert_eq!(
            run(plain, Some(Metering::PerField)).await,
            (expected.to_owned(), 0)
        );

        // A field that is not plain sends the whole list the usual way, once the first item has met it.
        let (data, answered) = run("{ items { word later } }", per_list).await;
        assert_eq!(
            data,
            r#"{"items":[{"word":"one","later":10},{"word":"two","later":20}]}"#
        );
        assert_eq!(answered, 1, "the first item's plain field, before `later`");
        // `@skip` and `@include` are applied before: what is left is plain.
        let (data, answered) = run(
            "query($yes: Boolean!, $no: Boolean!) { items { word @include(if: $yes) \
             number @skip(if: $yes) later @include(if: $no) } }",
            per_list,
        )
        .await;
        assert_eq!(
            (data.as_str(), answered),
            (r#"{"items":[{"word":"one"},{"word":"two"}]}"#, 2)
        );
        // A selection they empty reads as the executor reads it.
        let skipped = "query($yes: Boolean!) { items { word @skip(if: $yes) } }";
        assert_eq!(run(skipped, per_list).await, run(skipped, None).await);
        // An empty list is an empty list.
        assert_eq!(
            run("{ empty { word } }", per_list).await,
            (r#"{"empty":[]}"#.to_owned(), 0)
        );
    }
}
