//! Brings async-graphql 7's responses in line with the GraphQL spec's response format, in two ways:
//!
//! - **Error propagation.** When a resolver fails, async-graphql drops the field from its parent object. The
//!   spec wants the field `null` when its type is nullable and, when it is not, the `null` to travel up to
//!   the nearest nullable parent (the whole `data` at worst). [`FieldTypes`] knows every field's type from
//!   the schema's SDL; each error's path is walked through the query's selection sets (resolving aliases and
//!   fragments) to learn which positions may be null.
//! - **Field order.** async-graphql resolves sibling fields concurrently and writes them in the order they
//!   finish, so a field served by a DataLoader lands after plain ones. The spec wants the order of the
//!   selection set; the object keys are put back in that order.

use std::collections::HashMap;

use async_graphql::{
    Name, PathSegment, Response, Value,
    parser::{
        parse_query, parse_schema,
        types::{
            BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
            Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
        },
    },
};

/// The type of every field of every object and interface, and the implementors of each interface.
#[derive(Debug, Default)]
pub struct FieldTypes {
    fields: HashMap<(String, String), Type>,
    implementors: HashMap<String, Vec<String>>,
    roots: Vec<(OperationType, String)>,
}

impl FieldTypes {
    /// Reads the field types out of a schema's SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut types = FieldTypes::default();
        let Ok(document) = parse_schema(sdl) else {
            return types;
        };
        for definition in document.definitions {
            let definition = match definition {
                TypeSystemDefinition::Type(definition) => definition,
                TypeSystemDefinition::Schema(schema) => {
                    let roots = [
                        (OperationType::Query, schema.node.query),
                        (OperationType::Mutation, schema.node.mutation),
                        (OperationType::Subscription, schema.node.subscription),
                    ];
                    for (operation, name) in roots {
                        if let Some(name) = name {
                            types.roots.push((operation, name.node.to_string()));
                        }
                    }
                    continue;
                }
                TypeSystemDefinition::Directive(_) => continue,
            };
            let name = definition.node.name.node.to_string();
            let fields = match definition.node.kind {
                TypeKind::Object(object) => {
                    for interface in &object.implements {
                        types
                            .implementors
                            .entry(interface.node.to_string())
                            .or_default()
                            .push(name.clone());
                    }
                    object.fields
                }
                TypeKind::Interface(interface) => interface.fields,
                _ => continue,
            };
            for field in fields {
                types.fields.insert(
                    (name.clone(), field.node.name.node.to_string()),
                    field.node.ty.node,
                );
            }
        }
        types
    }

    /// The type of `field` on `parent`, looking through an interface's implementors when needed.
    fn field(&self, parent: &str, field: &str) -> Option<&Type> {
        if let Some(ty) = self.fields.get(&(parent.to_owned(), field.to_owned())) {
            return Some(ty);
        }
        self.implementors
            .get(parent)?
            .iter()
            .find_map(|implementor| self.fields.get(&(implementor.clone(), field.to_owned())))
    }
}

/// For each position along `path`, whether the value there may be null. `None` when the path cannot be
/// followed (then nothing is changed).
fn nullability_along(
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let operation = selected_operation(document, operation_name)?;
    let mut sets: Vec<&SelectionSet> = vec![&operation.selection_set.node];
    let mut parent = types
        .roots
        .iter()
        .find(|(ty, _)| *ty == operation.ty)?
        .1
        .clone();
    let mut current: Option<&Type> = None;
    let mut nullable = Vec::with_capacity(path.len());
    for segment in path {
        let ty = match segment {
            PathSegment::Field(key) => {
                let mut keys = Vec::new();
                keys_in_order(document, &sets, &mut keys);
                let selected = keys.into_iter().find(|selected| selected.key == key)?;
                let ty = types.field(&parent, selected.field)?;
                sets = selected.below;
                ty
            }
            PathSegment::Index(_) => match &current?.base {
                BaseType::List(item) => item.as_ref(),
                BaseType::Named(_) => return None,
            },
        };
        nullable.push(ty.nullable);
        if let BaseType::Named(name) = &ty.base {
            parent = name.to_string();
        }
        current = Some(ty);
    }
    Some(nullable)
}

/// Sets the value at `path` to null, inserting the key when it is missing. An empty path nulls `data`.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let Some((last, parents)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let parent = parents
        .iter()
        .try_fold(data, |node, segment| match (segment, node) {
            (PathSegment::Field(key), Value::Object(map)) => map.get_mut(key.as_str()),
            (PathSegment::Index(i), Value::List(items)) => items.get_mut(*i),
            _ => None,
        });
    match (last, parent) {
        (PathSegment::Field(key), Some(Value::Object(map))) => {
            map.insert(Name::new(key), Value::Null);
        }
        (PathSegment::Index(i), Some(Value::List(items))) if *i < items.len() => {
            items[*i] = Value::Null
        }
        _ => {}
    }
}

/// The operation a request runs: the one named, or the only one.
pub fn selected_operation<'d>(
    document: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match &document.operations {
        DocumentOperations::Single(operation) => Some(&operation.node),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations.get(name).map(|o| &o.node),
            None if operations.len() == 1 => operations.values().next().map(|o| &o.node),
            None => None,
        },
    }
}

/// Conforms an executed response to the spec: nulls where fields failed, keys in selection-set order.
pub fn conform(
    types: &FieldTypes,
    query: &str,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    if nothing_to_conform(response) {
        return;
    }
    if let Ok(document) = parse_query(query) {
        conform_parsed(types, &document, operation_name, response);
    }
}

/// A response with no data and no field errors (a request error) has nothing to reshape.
fn nothing_to_conform(response: &Response) -> bool {
    matches!(response.data, Value::Null) && response.errors.iter().all(|e| e.path.is_empty())
}

/// [`conform`] with the document parsed already (a subscription parses once and conforms every event).
pub fn conform_parsed(
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    if nothing_to_conform(response) {
        return;
    }
    propagate_errors(types, document, operation_name, response);
    if let Some(operation) = selected_operation(document, operation_name) {
        order_fields(
            document,
            &[&operation.selection_set.node],
            &mut response.data,
        );
    }
}

/// One response key of a selection: the field behind it and every selection set beneath it (a key may be
/// selected more than once, through fragments, and the sub-selections merge).
struct SelectedKey<'d> {
    key: &'d Name,
    field: &'d Name,
    below: Vec<&'d SelectionSet>,
}

/// The response keys selected by `sets`, in document order, looking into inline fragments and fragment
/// spreads.
fn keys_in_order<'d>(
    document: &'d ExecutableDocument,
    sets: &[&'d SelectionSet],
    keys: &mut Vec<SelectedKey<'d>>,
) {
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = &field.node.response_key().node;
                    let below = &field.node.selection_set.node;
                    match keys.iter_mut().find(|selected| selected.key == key) {
                        Some(selected) => selected.below.push(below),
                        None => keys.push(SelectedKey {
                            key,
                            field: &field.node.name.node,
                            below: vec![below],
                        }),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    keys_in_order(document, &[&fragment.node.selection_set.node], keys)
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    {
                        keys_in_order(document, &[&fragment.node.selection_set.node], keys);
                    }
                }
            }
        }
    }
}

/// Rewrites every object under `value` with its keys in the order of the selection sets that produced it.
fn order_fields(document: &ExecutableDocument, sets: &[&SelectionSet], value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut keys = Vec::new();
            keys_in_order(document, sets, &mut keys);
            let mut unordered = std::mem::take(map);
            for selected in keys {
                if let Some(mut child) = unordered.shift_remove(selected.key) {
                    order_fields(document, &selected.below, &mut child);
                    map.insert(selected.key.clone(), child);
                }
            }
            map.extend(unordered);
        }
        Value::List(items) => {
            for item in items {
                order_fields(document, sets, item);
            }
        }
        _ => {}
    }
}

/// Writes the nulls the spec asks for into `response.data`, for every error that has a path.
fn propagate_errors(
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    if response.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .map(|e| e.path.clone())
        .filter(|p| !p.is_empty())
        .collect();
    // async-graphql returns null data when every root field failed; rebuild the object they belong in.
    let data_was_null = matches!(response.data, Value::Null);
    if data_was_null {
        response.data = Value::Object(Default::default());
    }
    for path in paths {
        let Some(nullable) = nullability_along(types, document, operation_name, &path) else {
            continue;
        };
        // The nearest position, from the failed field upwards, that may hold null; none means `data` itself.
        let depth = (1..=path.len())
            .rev()
            .find(|&d| nullable[d - 1])
            .unwrap_or(0);
        set_null(&mut response.data, &path[..depth]);
        if matches!(response.data, Value::Null) {
            break;
        }
    }
    if data_was_null && matches!(&response.data, Value::Object(map) if map.is_empty()) {
        response.data = Value::Null;
    }
}
