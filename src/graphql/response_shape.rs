//! Brings async-graphql 7's responses in line with the GraphQL spec's response format, in two ways:
//!
//! - **Error propagation.** When a resolver fails, async-graphql drops the field from its parent object. The
//!   spec wants the field `null` when its type is nullable and, when it is not, the `null` to travel up to
//!   the nearest nullable parent (the whole `data` at worst). Each error's path is followed through the
//!   query's selection sets (resolving aliases and fragments) and the [`SchemaIndex`] to learn which
//!   positions may be null.
//! - **Field order.** async-graphql resolves sibling fields concurrently and writes them in the order they
//!   finish, so a field served by a DataLoader lands after plain ones. The spec wants the order of the
//!   selection set; the object keys are put back in that order.
//!
//! Both cost time linear in the size of the response and of the document, however many aliases or errors
//! there are: the merged selection of a group of selection sets (a response key may be selected several
//! times, through fragments) is computed once and kept in a map keyed by the sets' identity, each fragment
//! is walked once per merge, and an object's keys are compared with the selection's side by side (found by
//! hash lookups when they are not the same keys in the same order). Errors are capped per response
//! ([`cap_errors`]): the rest are summed up in one final error.

use std::{
    cell::OnceCell,
    collections::{HashMap, HashSet, hash_map::Entry},
    rc::Rc,
};

use async_graphql::{
    Name, PathSegment, Response, ServerError, Value,
    indexmap::{IndexMap, map::Entry as IndexEntry},
    parser::types::{
        BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Selection,
        SelectionSet, Type,
    },
};

use super::schema_index::{SchemaIndex, fragment_type, named_type};
use crate::error::ErrorCode;

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
    index: &SchemaIndex,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut Response,
) {
    // A response with no data and no field errors (a request error) has nothing to reshape.
    if matches!(response.data, Value::Null) && response.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let Some(operation) = selected_operation(document, operation_name) else {
        return;
    };
    let Some(root) = index.root(operation.ty) else {
        return;
    };
    let mut selections = Selections {
        document,
        merged: HashMap::default(),
    };
    let root_sets = [&operation.selection_set.node];
    propagate_errors(index, &mut selections, root, &root_sets, response);
    selections.order_fields(&root_sets, &mut response.data);
}

/// Keeps at most `max` errors; the rest are summed up in one final error (`TOO_MANY_ERRORS`), so that a
/// response never carries an unbounded list. Call it after [`conform`], which needs every error's path.
pub fn cap_errors(errors: &mut Vec<ServerError>, max: usize) {
    if errors.len() <= max {
        return;
    }
    let left_out = errors.len() - max;
    errors.truncate(max);
    errors.push(super::request_errors::label(
        ServerError::new(
            format!(
                "{left_out} more error(s) were left out: a response lists at most {max}, and each field \
                 they belong to is null as usual"
            ),
            None,
        ),
        ErrorCode::TooManyErrors,
    ));
}

/// One response key of a merged selection: the field behind it, the type condition it was selected under
/// (inside a fragment), and every selection set beneath it (the sub-selections of every place that
/// selected it, which merge).
struct SelectedKey<'d> {
    field: &'d str,
    on: Option<&'d str>,
    below: Vec<&'d SelectionSet>,
    /// `below` merged, once the field order of a value under this key needed it.
    below_merged: OnceCell<Rc<MergedSelection<'d>>>,
}

/// The response keys a group of selection sets selects, in document order. Hashed with foldhash, not
/// SipHash: every key of every object of the response is looked up here (a 50-term page makes about a
/// thousand lookups), its keys are the document's, bounded by admission, and foldhash is still seeded
/// per process.
type MergedSelection<'d> = IndexMap<&'d str, SelectedKey<'d>, foldhash::fast::RandomState>;

/// Merged selections of the document, computed on first use.
struct Selections<'d> {
    document: &'d ExecutableDocument,
    /// Keyed by the addresses of the selection sets merged.
    merged: HashMap<Vec<usize>, Rc<MergedSelection<'d>>, foldhash::fast::RandomState>,
}

impl<'d> Selections<'d> {
    /// The keys `sets` select, looking into inline fragments and fragment spreads.
    fn merged(&mut self, sets: &[&'d SelectionSet]) -> Rc<MergedSelection<'d>> {
        let identity: Vec<usize> = sets
            .iter()
            .map(|set| std::ptr::from_ref::<SelectionSet>(set) as usize)
            .collect();
        match self.merged.entry(identity) {
            Entry::Occupied(entry) => entry.get().clone(),
            Entry::Vacant(entry) => {
                let mut merged = MergedSelection::default();
                let mut fragments_seen = HashSet::new();
                for set in sets {
                    collect_keys(self.document, set, None, &mut merged, &mut fragments_seen);
                }
                entry.insert(Rc::new(merged)).clone()
            }
        }
    }

    /// Rewrites every object under `value` with its keys in the order of the selection sets that
    /// produced it; keys the selection does not name (none, normally) keep their place at the end.
    fn order_fields(&mut self, sets: &[&'d SelectionSet], value: &mut Value) {
        if needs_no_order(value) {
            return;
        }
        // One lookup of the merged selection for a whole list of objects, not one per item.
        let merged = self.merged(sets);
        self.order_value(&merged, value);
    }

    /// [`Self::order_fields`] for a value selected under `selected`, whose merged selection is kept
    /// with it after the first time (a list page's objects of one kind share it).
    fn order_selected(&mut self, selected: &SelectedKey<'d>, value: &mut Value) {
        if needs_no_order(value) {
            return;
        }
        let merged = Rc::clone(
            selected
                .below_merged
                .get_or_init(|| self.merged(&selected.below)),
        );
        self.order_value(&merged, value);
    }

    /// [`Self::order_fields`] for a value selected by `merged`.
    fn order_value(&mut self, merged: &MergedSelection<'d>, value: &mut Value) {
        match value {
            Value::Object(map) => self.order_object(merged, map),
            Value::List(items) => {
                for item in items {
                    self.order_value(merged, item);
                }
            }
            _ => {}
        }
    }

    /// Puts `map`'s keys in `merged`'s order, and its children's below it.
    fn order_object(&mut self, merged: &MergedSelection<'d>, map: &mut IndexMap<Name, Value>) {
        // Most objects come out in order already (fields are written as they finish, and those that
        // wait on a DataLoader are usually selected last): those are only walked, not rebuilt. The
        // usual case, every selected key once and in order, is told by comparing the keys side by side.
        if map.len() == merged.len()
            && map
                .keys()
                .zip(merged.keys())
                .all(|(key, selected)| key.as_str() == *selected)
        {
            for (child, selected) in map.values_mut().zip(merged.values()) {
                self.order_selected(selected, child);
            }
            return;
        }
        let mut last = None;
        let in_order = map
            .keys()
            .all(|key| match merged.get_index_of(key.as_str()) {
                Some(at) if last.is_none_or(|before| at > before) => {
                    last = Some(at);
                    true
                }
                _ => false,
            });
        if in_order {
            for (key, child) in map.iter_mut() {
                if let Some(selected) = merged.get(key.as_str()) {
                    self.order_selected(selected, child);
                }
            }
            return;
        }
        let mut unordered = std::mem::take(map);
        map.reserve(unordered.len());
        for (key, selected) in merged.iter() {
            if let Some((name, mut child)) = unordered.swap_remove_entry(*key) {
                self.order_selected(selected, &mut child);
                map.insert(name, child);
            }
        }
        map.extend(unordered);
    }
}

/// Whether `value` is in order whatever the selection: a scalar, or an object of one field with
/// nothing under it (`{ __typename }`).
fn needs_no_order(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.len() <= 1
                && map
                    .values()
                    .all(|child| !matches!(child, Value::Object(_) | Value::List(_)))
        }
        Value::List(_) => false,
        _ => true,
    }
}

/// Adds the keys of `set` to `merged`. A fragment is walked once per merge, however often it is spread.
fn collect_keys<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    on: Option<&'d str>,
    merged: &mut MergedSelection<'d>,
    fragments_seen: &mut HashSet<&'d str>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let below = &field.node.selection_set.node;
                match merged.entry(field.node.response_key().node.as_str()) {
                    IndexEntry::Occupied(mut entry) => entry.get_mut().below.push(below),
                    IndexEntry::Vacant(entry) => {
                        entry.insert(SelectedKey {
                            field: field.node.name.node.as_str(),
                            on,
                            below: vec![below],
                            below_merged: OnceCell::new(),
                        });
                    }
                }
            }
            Selection::InlineFragment(fragment) => {
                let on = fragment_type(&fragment.node, on);
                collect_keys(
                    document,
                    &fragment.node.selection_set.node,
                    on,
                    merged,
                    fragments_seen,
                );
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if !fragments_seen.insert(name) {
                    continue;
                }
                if let Some(fragment) = document.fragments.get(name) {
                    collect_keys(
                        document,
                        &fragment.node.selection_set.node,
                        Some(fragment.node.type_condition.node.on.node.as_str()),
                        merged,
                        fragments_seen,
                    );
                }
            }
        }
    }
}

/// For each position along `path`, whether the value there may be null. `None` when the path cannot be
/// followed (then nothing is changed).
fn nullability_along<'a>(
    index: &'a SchemaIndex,
    selections: &mut Selections<'a>,
    root: &'a str,
    root_sets: &[&'a SelectionSet],
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut sets: Vec<&SelectionSet> = root_sets.to_vec();
    let mut parent: &str = root;
    let mut current: Option<&Type> = None;
    let mut nullable = Vec::with_capacity(path.len());
    for segment in path {
        let ty: &Type = match segment {
            PathSegment::Field(key) => {
                let merged = selections.merged(&sets);
                let selected = merged.get(key.as_str())?;
                let ty = selected
                    .on
                    .and_then(|on| index.field(on, selected.field))
                    .or_else(|| index.field(parent, selected.field))
                    .map(|field| &field.ty)?;
                sets = selected.below.clone();
                ty
            }
            PathSegment::Index(_) => match &current?.base {
                BaseType::List(item) => item.as_ref(),
                BaseType::Named(_) => return None,
            },
        };
        nullable.push(ty.nullable);
        parent = named_type(ty);
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
            map.insert(async_graphql::Name::new(key), Value::Null);
        }
        (PathSegment::Index(i), Some(Value::List(items))) if *i < items.len() => {
            items[*i] = Value::Null
        }
        _ => {}
    }
}

/// Writes the nulls the spec asks for into `response.data`, for every error that has a path.
fn propagate_errors<'a>(
    index: &'a SchemaIndex,
    selections: &mut Selections<'a>,
    root: &'a str,
    root_sets: &[&'a SelectionSet],
    response: &mut Response,
) {
    let Response { data, errors, .. } = response;
    if errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    // async-graphql returns null data when every root field failed; rebuild the object they belong in.
    let data_was_null = matches!(data, Value::Null);
    if data_was_null {
        *data = Value::Object(Default::default());
    }
    for error in errors.iter().filter(|e| !e.path.is_empty()) {
        let path = &error.path;
        let Some(nullable) = nullability_along(index, selections, root, root_sets, path) else {
            continue;
        };
        // The nearest position, from the failed field upwards, that may hold null; none means `data` itself.
        let depth = (1..=path.len())
            .rev()
            .find(|&d| nullable[d - 1])
            .unwrap_or(0);
        set_null(data, &path[..depth]);
        if matches!(data, Value::Null) {
            break;
        }
    }
    if data_was_null && matches!(&*data, Value::Object(map) if map.is_empty()) {
        *data = Value::Null;
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, parser::parse_query};

    use super::*;

    fn index() -> SchemaIndex {
        SchemaIndex::from_sdl(&crate::graphql::schema_sdl())
    }

    fn error_at(path: Vec<PathSegment>) -> ServerError {
        let mut error = ServerError::new("failed", None);
        error.path = path;
        error
    }

    /// 10 000 aliases of a nullable root field, every one failed and missing from the data as async-graphql
    /// leaves it, the keys out of order: each comes back null, in the query's order, and 100 errors plus a
    /// summary remain. Quadratic shaping would take minutes here; linear shaping takes milliseconds.
    #[test]
    fn ten_thousand_aliases_and_errors_are_shaped_in_linear_time() {
        const ALIASES: usize = 10_000;
        let mut query = String::from("{");
        for i in 0..ALIASES {
            query.push_str(&format!(" a{i}: term(slug: \"x\") {{ slug }}"));
        }
        query.push_str(" glossaryIndex { letter } }");
        let document = parse_query(&query).unwrap();
        let mut data = IndexMap::new();
        data.insert(Name::new("glossaryIndex"), Value::List(vec![]));
        let mut response = Response::new(Value::Object(data));
        response.errors = (0..ALIASES)
            .rev()
            .map(|i| error_at(vec![PathSegment::Field(format!("a{i}"))]))
            .collect();
        let index = index();
        let started = std::time::Instant::now();
        conform(&index, &document, None, &mut response);
        cap_errors(&mut response.errors, 100);
        eprintln!(
            "shaped 10 000 aliases and errors in {:?}",
            started.elapsed()
        );
        let Value::Object(map) = &response.data else {
            panic!("data is {:?}", response.data)
        };
        assert_eq!(map.len(), ALIASES + 1);
        let keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys[0], "a0");
        assert_eq!(keys[9_999], "a9999");
        assert_eq!(keys[10_000], "glossaryIndex");
        assert!(map.values().take(ALIASES).all(|v| *v == Value::Null));
        assert_eq!(response.errors.len(), 101);
        let summary = response.errors.last().unwrap();
        assert!(
            summary.message.starts_with("9900 more error(s)"),
            "{}",
            summary.message
        );
        assert_eq!(
            summary.extensions.as_ref().unwrap().get("code"),
            Some(&Value::from("TOO_MANY_ERRORS"))
        );
    }

    #[test]
    fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
        let document = parse_query(
            "{ t: term(slug: \"a\") { ...F } } fragment F on Term { slug seo { title } }",
        )
        .unwrap();
        // `Seo.title` is non-null and `Term.seo` is non-null: the null lands on `t`.
        let mut term = IndexMap::new();
        term.insert(Name::new("seo"), Value::Object(IndexMap::new()));
        term.insert(Name::new("slug"), Value::from("a"));
        let mut data = IndexMap::new();
        data.insert(Name::new("t"), Value::Object(term));
        let mut response = Response::new(Value::Object(data));
        response.errors = vec![error_at(vec![
            PathSegment::Field("t".to_owned()),
            PathSegment::Field("seo".to_owned()),
            PathSegment::Field("title".to_owned()),
        ])];
        conform(&index(), &document, None, &mut response);
        assert_eq!(response.data.to_string(), "{t: null}");
    }

    #[test]
    fn keys_follow_the_selection_set_through_fragments() {
        let document = parse_query(
            "{ terms { nodes { ...F name } } } fragment F on Term { slug ... on Term { title } }",
        )
        .unwrap();
        let node = |keys: &[&str]| {
            Value::Object(
                keys.iter()
                    .map(|k| (Name::new(k), Value::from(*k)))
                    .collect(),
            )
        };
        let mut nodes = IndexMap::new();
        nodes.insert(
            Name::new("nodes"),
            Value::List(vec![
                node(&["name", "title", "slug"]),
                node(&["title", "name", "slug"]),
            ]),
        );
        let mut data = IndexMap::new();
        data.insert(Name::new("terms"), Value::Object(nodes));
        let mut response = Response::new(Value::Object(data));
        conform(&index(), &document, None, &mut response);
        assert_eq!(
            response.data.to_string(),
            "{terms: {nodes: [{slug: \"slug\", title: \"title\", name: \"name\"}, {slug: \"slug\", title: \"title\", name: \"name\"}]}}"
        );
    }
}
