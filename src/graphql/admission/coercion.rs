//! Input coercion before execution, as the GraphQL spec asks: variable values are coerced to their declared
//! types (CoerceVariableValues) and literal argument values are checked against theirs ("Values of Correct
//! Type"). A failure is a request error: the request does not run.
//!
//! async-graphql leaves three gaps that this closes: a missing non-null variable only fails the fields that
//! use it, at execution; an `Int` outside 32 bits passes validation and fails at execution; and a nullable
//! variable given no value is read as `null`, where the spec treats the argument as absent (so its default
//! applies). Everything else it also checks; both agree.

use std::collections::HashSet;

use async_graphql::{
    Name, ServerError, Variables,
    parser::types::{
        BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Selection,
        SelectionSet, Type,
    },
};

use async_graphql_value::Value;

use crate::graphql::schema_index::{NamedType, SchemaIndex, fragment_type, named_type};

/// Where a value comes from: a JSON variable or a literal in the document. JSON has no enum values and
/// one kind of number, so variables may give an enum as a string and an `Int` as `3.0`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Variable,
    Literal,
}

/// The request's variables after coercion.
#[derive(Debug, Default)]
pub struct CoercedVariables {
    /// Coerced values: enums as enum values, integral numbers as integers. Variables the operation does
    /// not declare are dropped; ones left out that have a default are left to it.
    pub values: Variables,
    /// Nullable variables given no value and no default: arguments that use them are left out.
    pub absent: HashSet<Name>,
}

/// Coerces the values the request gives for `operation`'s variables.
pub fn coerce_variables(
    index: &SchemaIndex,
    operation: &OperationDefinition,
    provided: &Variables,
) -> Result<CoercedVariables, Vec<ServerError>> {
    let mut coerced = CoercedVariables::default();
    let mut errors = Vec::new();
    for definition in &operation.variable_definitions {
        let name = &definition.node.name.node;
        let ty = &definition.node.var_type.node;
        match provided.get(name) {
            None if definition.node.default_value.is_some() => {}
            None if ty.nullable => {
                coerced.absent.insert(name.clone());
            }
            None => errors.push(ServerError::new(
                format!("Variable \"${name}\" of required type \"{ty}\" was not provided."),
                Some(definition.pos),
            )),
            Some(value) => match coerce(index, &value.clone().into_value(), ty, Origin::Variable) {
                Ok(value) => {
                    if let Some(value) = value.into_const() {
                        coerced.values.insert(name.clone(), value);
                    }
                }
                Err(reason) => errors.push(ServerError::new(
                    format!("Variable \"${name}\" got an invalid value: {reason}."),
                    Some(definition.pos),
                )),
            },
        }
    }
    if errors.is_empty() {
        Ok(coerced)
    } else {
        Err(errors)
    }
}

/// Checks every literal argument value and variable default in the document against its type.
pub fn check_literals(index: &SchemaIndex, document: &ExecutableDocument) -> Vec<ServerError> {
    let mut errors = Vec::new();
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                let ty = &definition.node.var_type.node;
                if let Err(reason) = coerce(
                    index,
                    &default.node.clone().into_value(),
                    ty,
                    Origin::Literal,
                ) {
                    errors.push(ServerError::new(
                        format!(
                            "Variable \"${}\" has an invalid default value: {reason}.",
                            definition.node.name.node
                        ),
                        Some(default.pos),
                    ));
                }
            }
        }
        let root = index.root(operation.node.ty);
        check_selection(index, &operation.node.selection_set.node, root, &mut errors);
    }
    for fragment in document.fragments.values() {
        let on = fragment.node.type_condition.node.on.node.as_str();
        check_selection(
            index,
            &fragment.node.selection_set.node,
            Some(on),
            &mut errors,
        );
    }
    errors
}

/// Checks the arguments of every field in `set` and below (fragment definitions are checked on their own).
fn check_selection(
    index: &SchemaIndex,
    set: &SelectionSet,
    parent: Option<&str>,
    errors: &mut Vec<ServerError>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                let definition = parent.and_then(|parent| index.field(parent, name));
                if let (Some(parent), Some(definition)) = (parent, definition) {
                    for (argument, value) in &field.node.arguments {
                        let Some(expected) = definition.arguments.get(argument.node.as_str())
                        else {
                            continue;
                        };
                        if let Err(reason) =
                            coerce(index, &value.node, &expected.ty, Origin::Literal)
                        {
                            errors.push(ServerError::new(
                                format!(
                                    "Argument \"{}\" on field \"{parent}.{name}\" has an invalid value: {reason}.",
                                    argument.node
                                ),
                                Some(value.pos),
                            ));
                        }
                    }
                }
                let below = definition.map(|definition| named_type(&definition.ty));
                check_selection(index, &field.node.selection_set.node, below, errors);
            }
            Selection::InlineFragment(fragment) => {
                let on = fragment_type(&fragment.node, parent);
                check_selection(index, &fragment.node.selection_set.node, on, errors);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// A short rendering of a value for a message (a long string is cut).
fn shown(value: &Value) -> String {
    const SHOWN: usize = 60;
    let text = value.to_string();
    if text.chars().count() <= SHOWN {
        return text;
    }
    let cut: String = text.chars().take(SHOWN).collect();
    format!("{cut}…")
}

/// Coerces `value` to `ty`, or says why it cannot be. Variables inside literals are left as they are:
/// their values are coerced with the variables.
fn coerce(index: &SchemaIndex, value: &Value, ty: &Type, origin: Origin) -> Result<Value, String> {
    match value {
        Value::Variable(_) => return Ok(value.clone()),
        Value::Null if ty.nullable => return Ok(Value::Null),
        Value::Null => return Err(format!("null where the type \"{ty}\" allows none")),
        _ => {}
    }
    match &ty.base {
        BaseType::List(item) => match value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(position, item_value)| {
                    coerce(index, item_value, item, origin)
                        .map_err(|reason| format!("at index {position}, {reason}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            // A single value where a list is expected is a list of one.
            single => Ok(Value::List(vec![coerce(index, single, item, origin)?])),
        },
        BaseType::Named(name) => coerce_named(index, value, name.as_str(), origin),
    }
}

fn coerce_named(
    index: &SchemaIndex,
    value: &Value,
    name: &str,
    origin: Origin,
) -> Result<Value, String> {
    match index.named(name) {
        Some(NamedType::Scalar) => coerce_scalar(value, name, origin),
        Some(NamedType::Enum { values }) => {
            let given = match (value, origin) {
                (Value::Enum(given), _) => Some(given.as_str()),
                (Value::String(given), Origin::Variable) => Some(given.as_str()),
                _ => None,
            };
            match given {
                Some(given) if values.contains(given) => Ok(Value::Enum(Name::new(given))),
                Some(given) => Err(format!("\"{name}\" has no value {given}")),
                None => Err(format!(
                    "{} is not a value of the enum \"{name}\"",
                    shown(value)
                )),
            }
        }
        Some(NamedType::InputObject { fields }) => {
            let Value::Object(given) = value else {
                return Err(format!(
                    "{} is not an input object \"{name}\"",
                    shown(value)
                ));
            };
            if let Some(unknown) = given
                .keys()
                .find(|key| !fields.iter().any(|(field, _)| field == key.as_str()))
            {
                return Err(format!("\"{name}\" has no field \"{unknown}\""));
            }
            let mut coerced = async_graphql::indexmap::IndexMap::with_capacity(given.len());
            for (field, expected) in fields {
                match given.get(field.as_str()) {
                    Some(field_value) => {
                        let field_value = coerce(index, field_value, &expected.ty, origin)
                            .map_err(|reason| format!("in field \"{field}\", {reason}"))?;
                        coerced.insert(Name::new(field), field_value);
                    }
                    None if expected.has_default || expected.ty.nullable => {}
                    None => {
                        return Err(format!(
                            "the field \"{field}\" of \"{name}\" (type \"{}\") is required",
                            expected.ty
                        ));
                    }
                }
            }
            Ok(Value::Object(coerced))
        }
        // Unknown types and output types used as inputs are validation's to report.
        _ => Ok(value.clone()),
    }
}

fn coerce_scalar(value: &Value, name: &str, origin: Origin) -> Result<Value, String> {
    let wrong = || format!("{} is not a valid \"{name}\"", shown(value));
    match (name, value) {
        ("Int", Value::Number(number)) => {
            let integer = number.as_i64().or_else(|| match origin {
                // JSON writes some integers as 3.0.
                Origin::Variable => number
                    .as_f64()
                    .filter(|float| float.fract() == 0.0 && float.abs() < 1e18)
                    .map(|float| float as i64),
                Origin::Literal => None,
            });
            match integer {
                Some(integer) if i32::try_from(integer).is_ok() => {
                    Ok(Value::Number(integer.into()))
                }
                Some(integer) => Err(format!(
                    "{integer} is outside the 32-bit range of \"Int\" ({}…{})",
                    i32::MIN,
                    i32::MAX
                )),
                None if number.as_u64().is_some() => Err(format!(
                    "{number} is outside the 32-bit range of \"Int\" ({}…{})",
                    i32::MIN,
                    i32::MAX
                )),
                None => Err(wrong()),
            }
        }
        ("Float", Value::Number(number)) if number.as_f64().is_some_and(f64::is_finite) => {
            Ok(value.clone())
        }
        ("String", Value::String(_)) | ("Boolean", Value::Boolean(_)) => Ok(value.clone()),
        ("ID", Value::String(_)) => Ok(value.clone()),
        ("ID", Value::Number(number)) if number.is_i64() || number.is_u64() => {
            Ok(Value::String(number.to_string()))
        }
        ("DateTime", Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|_| value.clone())
            .map_err(|_| format!("{} is not an RFC 3339 date-time", shown(value))),
        ("Int" | "Float" | "String" | "Boolean" | "ID" | "DateTime", _) => Err(wrong()),
        // A custom scalar the checks do not know: its own parser decides.
        _ => Ok(value.clone()),
    }
}

/// Leaves out every argument (and input object field) whose value is a variable in `absent`, and turns
/// such list items into null, in the selected operation and every fragment: the spec treats an argument
/// given an absent variable as not given at all. The definitions of the variables left out go too, since
/// nothing uses them any more (only `@skip`/`@include` could, and they take `Boolean!`, which an absent
/// variable cannot feed); an absent variable the document never uses keeps its definition, so that
/// validation still finds it unused ("All Variables Used").
pub fn leave_out_absent_variables(
    document: &mut ExecutableDocument,
    operation_name: Option<&str>,
    absent: &HashSet<Name>,
) {
    if absent.is_empty() {
        return;
    }
    let mut left_out = HashSet::new();
    for fragment in document.fragments.values_mut() {
        leave_out_in_selection(&mut fragment.node.selection_set.node, absent, &mut left_out);
    }
    let operation = match &mut document.operations {
        DocumentOperations::Single(operation) => Some(operation),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations.get_mut(name),
            None => operations.values_mut().next(),
        },
    };
    if let Some(operation) = operation {
        leave_out_in_selection(
            &mut operation.node.selection_set.node,
            absent,
            &mut left_out,
        );
        operation
            .node
            .variable_definitions
            .retain(|definition| !left_out.contains(&definition.node.name.node));
    }
}

/// Whether `value` is a variable in `absent`; if so, it is recorded in `left_out`.
fn is_absent(value: &Value, absent: &HashSet<Name>, left_out: &mut HashSet<Name>) -> bool {
    match value {
        Value::Variable(name) if absent.contains(name) => {
            left_out.insert(name.clone());
            true
        }
        _ => false,
    }
}

fn leave_out_in_selection(
    set: &mut SelectionSet,
    absent: &HashSet<Name>,
    left_out: &mut HashSet<Name>,
) {
    for selection in &mut set.items {
        match &mut selection.node {
            Selection::Field(field) => {
                field
                    .node
                    .arguments
                    .retain(|(_, value)| !is_absent(&value.node, absent, left_out));
                for (_, value) in &mut field.node.arguments {
                    leave_out_in_value(&mut value.node, absent, left_out);
                }
                leave_out_in_selection(&mut field.node.selection_set.node, absent, left_out);
            }
            Selection::InlineFragment(fragment) => {
                leave_out_in_selection(&mut fragment.node.selection_set.node, absent, left_out);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn leave_out_in_value(value: &mut Value, absent: &HashSet<Name>, left_out: &mut HashSet<Name>) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, field_value| !is_absent(field_value, absent, left_out));
            for field_value in fields.values_mut() {
                leave_out_in_value(field_value, absent, left_out);
            }
        }
        Value::List(items) => {
            for item in items {
                if is_absent(item, absent, left_out) {
                    *item = Value::Null;
                } else {
                    leave_out_in_value(item, absent, left_out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use async_graphql_value::ConstValue;

    use super::*;
    use crate::graphql::response_shape::selected_operation;

    fn index() -> SchemaIndex {
        SchemaIndex::from_sdl(&crate::graphql::schema_sdl())
    }

    fn variables(json: serde_json::Value) -> Variables {
        Variables::from_json(json)
    }

    #[test]
    fn variables_are_coerced_or_refused() {
        let index = index();
        let document = parse_query(
            "query($s: String!, $n: Int, $o: TermOrder, $ids: [ID!]!, $p: Boolean) { term(slug: $s) { slug } }",
        )
        .unwrap();
        let operation = selected_operation(&document, None).unwrap();

        let refused = |given: serde_json::Value| {
            coerce_variables(&index, operation, &variables(given))
                .unwrap_err()
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" | ")
        };
        assert_eq!(
            refused(serde_json::json!({"ids": []})),
            "Variable \"$s\" of required type \"String!\" was not provided."
        );
        assert!(refused(serde_json::json!({"s": null, "ids": []})).contains("allows none"));
        assert!(
            refused(serde_json::json!({"s": "a", "ids": [], "n": 1099511627776u64}))
                .contains("outside the 32-bit range")
        );
        assert!(
            refused(serde_json::json!({"s": "a", "ids": [], "n": 1.5}))
                .contains("not a valid \"Int\"")
        );
        assert!(
            refused(serde_json::json!({"s": "a", "ids": [], "o": {"field": "NAME", "x": 1}}))
                .contains("has no field \"x\"")
        );
        assert!(
            refused(serde_json::json!({"s": "a", "ids": [], "o": {"field": "SIZE"}}))
                .contains("has no value SIZE")
        );
        assert!(refused(serde_json::json!({"s": 7, "ids": []})).contains("not a valid \"String\""));

        let coerced = coerce_variables(
            &index,
            operation,
            &variables(serde_json::json!({"s": "a", "n": 3.0, "o": {"field": "NAME"}, "ids": "VGVybTox", "extra": 1})),
        )
        .unwrap();
        assert_eq!(
            coerced.values.get(&Name::new("n")),
            Some(&ConstValue::from(3))
        );
        assert_eq!(
            coerced.values.get(&Name::new("ids")),
            Some(&ConstValue::List(vec![ConstValue::from("VGVybTox")]))
        );
        assert!(coerced.values.get(&Name::new("extra")).is_none());
        assert!(coerced.absent.contains(&Name::new("p")));
    }

    #[test]
    fn literals_are_checked_against_their_types() {
        let index = index();
        let document = parse_query(
            "{ terms(first: 1099511627776, orderBy: { field: \"NAME\" }) { nodes { slug } } } \
             fragment F on Term { relatedTerms(first: 3) { slug } }",
        )
        .unwrap();
        let errors: Vec<String> = check_literals(&index, &document)
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("Argument \"first\" on field \"Query.terms\""),
            "{errors:?}"
        );
        assert!(errors[1].contains("not a value of the enum"), "{errors:?}");
    }

    #[test]
    fn absent_nullable_variables_leave_their_arguments_out() {
        let mut document = parse_query(
            "query($p: Boolean, $f: TermFilter) { term(slug: \"a\", preview: $p) { slug } terms(filter: { letter: \"A\", category: $f }) { totalCount } }",
        )
        .unwrap();
        let absent = HashSet::from([Name::new("p"), Name::new("f")]);
        leave_out_absent_variables(&mut document, None, &absent);
        let operation = selected_operation(&document, None).unwrap();
        let Selection::Field(term) = &operation.selection_set.node.items[0].node else {
            panic!()
        };
        assert_eq!(term.node.arguments.len(), 1);
        let Selection::Field(terms) = &operation.selection_set.node.items[1].node else {
            panic!()
        };
        assert_eq!(
            terms.node.arguments[0].1.node.to_string(),
            "{letter: \"A\"}"
        );
        assert!(operation.variable_definitions.is_empty());
    }
}
