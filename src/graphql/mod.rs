//! The GraphQL schema: roots merged per domain, built by [`build_schema`], the one place where limits,
//! extensions and shared data (database, DataLoader) are attached.

pub mod admission;
pub mod batch_counter;
pub mod cursor;
pub mod eager_batches;
pub mod execution;
pub mod execution_budget;
pub mod execution_gate;
pub mod global_id;
pub mod guards;
pub mod loaders;
pub mod mutation;
pub mod persisted_documents;
pub mod plain_fields;
pub mod query;
pub mod request_errors;
pub mod request_key;
pub mod response_shape;
pub mod schema_index;
pub mod subscription;
pub mod term_page;
pub mod types;

use std::sync::Arc;

use async_graphql::{Context, Schema, ValidationMode, parser::types::OperationType};
use sea_orm::DatabaseConnection;

use crate::{
    config::SchemaOptions, content::public_names::PublicNamesCache, events::EventBus,
    newsletter::Newsletter,
};

use self::{
    admission::MAX_SELECTION_NESTING,
    execution_budget::{BudgetCheck, Metering},
    loaders::{
        BatchCounter, ContentDataLoader, TermPageBatches, content_data_loader, term_page_batches,
    },
    mutation::MutationRoot,
    query::QueryRoot,
    subscription::SubscriptionRoot,
};

/// The API's schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema three times over, sharing one set of data (database, DataLoader, caches), differing in how
/// much async-graphql validates and in how a request's budget is enforced
/// ([`execution_budget`](self::execution_budget)).
///
/// A query is validated in full, every rule of the spec, the first time it runs; once it has passed, the
/// same text runs on the schema that keeps only the checks execution relies on
/// ([`ValidationMode::Fast`]): every other rule depends on the document alone, and the variables, the one
/// input that changes, are coerced by admission for every request. Both query schemas run without
/// extensions (their budget is metered per list). Mutations run on the third, validated in full, with
/// the extension that meters every field.
#[derive(Clone)]
pub struct Schemas {
    full: AppSchema,
    fast: AppSchema,
    mutations: AppSchema,
    batches: BatchCounter,
}

impl Schemas {
    /// Counts the batches of the schemas' DataLoader.
    pub fn batches(&self) -> &BatchCounter {
        &self.batches
    }

    /// The schema for a query or subscription: validated in full unless `validated_before`.
    pub fn for_document(&self, validated_before: bool) -> &AppSchema {
        if validated_before {
            &self.fast
        } else {
            &self.full
        }
    }

    /// The schema for an operation of type `kind` and how its budget is metered there.
    pub fn for_operation(
        &self,
        kind: OperationType,
        validated_before: bool,
    ) -> (&AppSchema, Metering) {
        match kind {
            OperationType::Mutation => (&self.mutations, Metering::PerField),
            _ => (self.for_document(validated_before), Metering::PerList),
        }
    }

    /// The schema as SDL.
    pub fn sdl(&self) -> String {
        self.full.sdl()
    }
}

/// Builds the schemas over a database connection and its event bus.
pub fn build_schema(
    db: DatabaseConnection,
    events: EventBus,
    newsletter: Arc<Newsletter>,
    options: SchemaOptions,
) -> Schemas {
    // Depth, complexity and the rest are admission's (`admission`), measured before async-graphql sees
    // the document; the recursion guard matches admission's selection nesting limit.
    let public_names = Arc::new(PublicNamesCache::new(
        db.clone(),
        events.epoch(),
        options.term_link_prefix,
        options.linked_text_cache_bytes,
    ));
    // One DataLoader for both, so that requests on either batch together.
    let batches = BatchCounter::default();
    let loader = Arc::new(content_data_loader(
        db.clone(),
        options.batch_delay,
        batches.clone(),
    ));
    let page_batches = Arc::new(term_page_batches(
        db.clone(),
        crate::content::term_pages::batches_at_once(&db),
        batches.clone(),
    ));
    let build = |mode: ValidationMode, metering: Metering| {
        let mut builder = Schema::build(
            QueryRoot::default(),
            MutationRoot::default(),
            SubscriptionRoot::default(),
        )
        .data(Arc::clone(&loader))
        .data(Arc::clone(&page_batches))
        .data(Arc::clone(&public_names))
        .data(db.clone())
        .data(events.clone())
        .data(Arc::clone(&newsletter))
        .validation_mode(mode)
        .limit_recursive_depth(MAX_SELECTION_NESTING);
        if metering == Metering::PerField {
            builder = builder.extension(BudgetCheck);
        }
        if options.introspection {
            builder.finish()
        } else {
            builder.disable_introspection().finish()
        }
    };
    Schemas {
        full: build(ValidationMode::Strict, Metering::PerList),
        fast: build(ValidationMode::Fast, Metering::PerList),
        mutations: build(ValidationMode::Strict, Metering::PerField),
        batches,
    }
}

/// The schema as SDL, as `print-schema` writes it and `schema.graphql` holds it.
pub fn schema_sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// The names of the public terms (linker and suggestion index) the schema builder attached.
pub(crate) fn public_names<'a>(ctx: &Context<'a>) -> &'a PublicNamesCache {
    ctx.data_unchecked::<Arc<PublicNamesCache>>()
}

/// The term pages' batches the schema builder attached.
pub(crate) fn term_page_batches_of<'a>(ctx: &Context<'a>) -> &'a TermPageBatches {
    ctx.data_unchecked::<Arc<TermPageBatches>>()
}

/// The DataLoader the schema builder attached.
pub(crate) fn loader<'a>(ctx: &Context<'a>) -> &'a ContentDataLoader {
    ctx.data_unchecked::<Arc<ContentDataLoader>>()
}
