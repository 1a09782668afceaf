//! An extension that labels request errors: a document that does not parse gets `GRAPHQL_PARSE_FAILED`, one
//! that fails validation `GRAPHQL_VALIDATION_FAILED`. The HTTP layer reads these to pick status codes.

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::ExecutableDocument,
};

use crate::error::ErrorCode;

/// Sets `extensions.code` on an error unless it has one already.
pub fn label(mut error: ServerError, code: ErrorCode) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

/// Did the request fail before execution (parse, validation, unknown operation)? Such a response has null
/// data and errors that point at no field path.
pub fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// Factory of [`RequestErrorCodesExtension`], attached by the schema builder.
pub struct RequestErrorCodes;

impl ExtensionFactory for RequestErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrorCodesExtension)
    }
}

/// Labels parse and validation errors with their codes.
pub struct RequestErrorCodesExtension;

#[async_trait::async_trait]
impl Extension for RequestErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|error| label(error, ErrorCode::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| label(error, ErrorCode::GraphqlValidationFailed))
                .collect()
        })
    }
}
