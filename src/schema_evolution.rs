//! Breaking changes between the last released schema and the current one, so that clients with code
//! generated from a released `schema.graphql` keep working (README, "Schema evolution").
//!
//! A change is breaking when a document that was valid against the released schema, or a client's
//! handling of its result, could fail against the new one: a type, field, argument, input field, enum
//! value, union member or interface taken away; an output field made nullable or given another type; an
//! argument or input field made stricter, or a required one added. Additions are not breaking. A field or
//! enum value taken away that was not `@deprecated` in the released schema is reported as such: the
//! policy is to deprecate first, release, and remove later.
//!
//! Each change has a stable id (`FIELD_REMOVED Term.oldName`) that a maintainer lists in the
//! acknowledgement file to accept it knowingly.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::{
    parse_schema,
    types::{BaseType, InputValueDefinition, Type, TypeKind, TypeSystemDefinition},
};

/// One breaking change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BreakingChange {
    /// What kind of change (`TYPE_REMOVED`, `FIELD_REMOVED`, …).
    pub kind: &'static str,
    /// Where (`Term`, `Term.name`, `Query.terms(first)`, `Status.DRAFT`).
    pub path: String,
    /// What changed, in words.
    pub detail: String,
}

impl BreakingChange {
    /// The id an acknowledgement names: kind and path.
    pub fn id(&self) -> String {
        format!("{} {}", self.kind, self.path)
    }
}

impl std::fmt::Display for BreakingChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.id(), self.detail)
    }
}

/// A field of an object or interface, as far as compatibility goes.
struct FieldShape {
    ty: Type,
    deprecated: bool,
    arguments: BTreeMap<String, InputShape>,
}

/// An argument or input field.
struct InputShape {
    ty: Type,
    has_default: bool,
}

/// A named type, as far as compatibility goes.
enum TypeShape {
    Scalar,
    Object {
        fields: BTreeMap<String, FieldShape>,
        implements: BTreeSet<String>,
    },
    Interface {
        fields: BTreeMap<String, FieldShape>,
    },
    Union {
        members: BTreeSet<String>,
    },
    Enum {
        values: BTreeMap<String, bool>,
    },
    InputObject {
        fields: BTreeMap<String, InputShape>,
    },
}

impl TypeShape {
    fn kind(&self) -> &'static str {
        match self {
            TypeShape::Scalar => "scalar",
            TypeShape::Object { .. } => "object",
            TypeShape::Interface { .. } => "interface",
            TypeShape::Union { .. } => "union",
            TypeShape::Enum { .. } => "enum",
            TypeShape::InputObject { .. } => "input object",
        }
    }
}

fn is_deprecated(
    directives: &[async_graphql::Positioned<async_graphql::parser::types::ConstDirective>],
) -> bool {
    directives
        .iter()
        .any(|directive| directive.node.name.node == "deprecated")
}

fn inputs(
    values: &[async_graphql::Positioned<InputValueDefinition>],
) -> BTreeMap<String, InputShape> {
    values
        .iter()
        .map(|value| {
            (
                value.node.name.node.to_string(),
                InputShape {
                    ty: value.node.ty.node.clone(),
                    has_default: value.node.default_value.is_some(),
                },
            )
        })
        .collect()
}

fn fields(
    definitions: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>],
) -> BTreeMap<String, FieldShape> {
    definitions
        .iter()
        .map(|field| {
            (
                field.node.name.node.to_string(),
                FieldShape {
                    ty: field.node.ty.node.clone(),
                    deprecated: is_deprecated(&field.node.directives),
                    arguments: inputs(&field.node.arguments),
                },
            )
        })
        .collect()
}

/// Every named type of an SDL document.
fn shapes(sdl: &str) -> Result<BTreeMap<String, TypeShape>, String> {
    let document = parse_schema(sdl).map_err(|e| format!("the schema does not parse: {e}"))?;
    let mut types = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let shape = match &ty.kind {
            TypeKind::Scalar => TypeShape::Scalar,
            TypeKind::Object(object) => TypeShape::Object {
                fields: fields(&object.fields),
                implements: object
                    .implements
                    .iter()
                    .map(|name| name.node.to_string())
                    .collect(),
            },
            TypeKind::Interface(interface) => TypeShape::Interface {
                fields: fields(&interface.fields),
            },
            TypeKind::Union(union) => TypeShape::Union {
                members: union
                    .members
                    .iter()
                    .map(|name| name.node.to_string())
                    .collect(),
            },
            TypeKind::Enum(enumeration) => TypeShape::Enum {
                values: enumeration
                    .values
                    .iter()
                    .map(|value| {
                        (
                            value.node.value.node.to_string(),
                            is_deprecated(&value.node.directives),
                        )
                    })
                    .collect(),
            },
            TypeKind::InputObject(input) => TypeShape::InputObject {
                fields: inputs(&input.fields),
            },
        };
        types.insert(ty.name.node.to_string(), shape);
    }
    Ok(types)
}

/// Can a client that expects `old` from an output position read `new`? The same type, or one that
/// promises more (non-null where it was nullable), list for list.
fn output_compatible(old: &Type, new: &Type) -> bool {
    if !old.nullable && new.nullable {
        return false;
    }
    match (&old.base, &new.base) {
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        (BaseType::List(a), BaseType::List(b)) => output_compatible(a, b),
        _ => false,
    }
}

/// Is every value a client could send for `old` still accepted by `new`? The same type, or one that
/// asks less (nullable where it was non-null), list for list.
fn input_compatible(old: &Type, new: &Type) -> bool {
    if old.nullable && !new.nullable {
        return false;
    }
    match (&old.base, &new.base) {
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        (BaseType::List(a), BaseType::List(b)) => input_compatible(a, b),
        _ => false,
    }
}

fn change(kind: &'static str, path: String, detail: String) -> BreakingChange {
    BreakingChange { kind, path, detail }
}

fn compare_inputs(
    owner: &str,
    old: &BTreeMap<String, InputShape>,
    new: &BTreeMap<String, InputShape>,
    what: &'static str,
    out: &mut Vec<BreakingChange>,
) {
    let (removed, changed, added) = match what {
        "argument" => (
            "ARGUMENT_REMOVED",
            "ARGUMENT_TYPE_CHANGED",
            "REQUIRED_ARGUMENT_ADDED",
        ),
        _ => (
            "INPUT_FIELD_REMOVED",
            "INPUT_FIELD_TYPE_CHANGED",
            "REQUIRED_INPUT_FIELD_ADDED",
        ),
    };
    for (name, old_input) in old {
        let path = format!("{owner}.{name}");
        match new.get(name) {
            None => out.push(change(removed, path, format!("the {what} was removed"))),
            Some(new_input) if !input_compatible(&old_input.ty, &new_input.ty) => out.push(change(
                changed,
                path,
                format!(
                    "{} became {}, which refuses values it took",
                    old_input.ty, new_input.ty
                ),
            )),
            Some(_) => {}
        }
    }
    for (name, new_input) in new {
        if !old.contains_key(name) && !new_input.ty.nullable && !new_input.has_default {
            out.push(change(
                added,
                format!("{owner}.{name}"),
                format!(
                    "a required {what} ({}) without a default was added",
                    new_input.ty
                ),
            ));
        }
    }
}

fn compare_fields(
    owner: &str,
    old: &BTreeMap<String, FieldShape>,
    new: &BTreeMap<String, FieldShape>,
    out: &mut Vec<BreakingChange>,
) {
    for (name, old_field) in old {
        let path = format!("{owner}.{name}");
        let Some(new_field) = new.get(name) else {
            if old_field.deprecated {
                out.push(change(
                    "FIELD_REMOVED",
                    path,
                    "the deprecated field was removed".to_owned(),
                ));
            } else {
                out.push(change(
                    "FIELD_REMOVED_WITHOUT_DEPRECATION",
                    path,
                    "the field was removed without being @deprecated in a release first".to_owned(),
                ));
            }
            continue;
        };
        if !output_compatible(&old_field.ty, &new_field.ty) {
            out.push(change(
                "FIELD_TYPE_CHANGED",
                path.clone(),
                format!(
                    "{} became {}, which clients may not read",
                    old_field.ty, new_field.ty
                ),
            ));
        }
        compare_inputs(
            &format!("{owner}.{name}"),
            &old_field.arguments,
            &new_field.arguments,
            "argument",
            out,
        );
    }
}

/// The breaking changes from `released` to `current` (both SDL), sorted by id.
pub fn breaking_changes(released: &str, current: &str) -> Result<Vec<BreakingChange>, String> {
    let old = shapes(released)?;
    let new = shapes(current)?;
    let mut out = Vec::new();
    for (name, old_type) in &old {
        let Some(new_type) = new.get(name) else {
            out.push(change(
                "TYPE_REMOVED",
                name.clone(),
                format!("the {} was removed", old_type.kind()),
            ));
            continue;
        };
        match (old_type, new_type) {
            (
                TypeShape::Object {
                    fields: old_fields,
                    implements: old_implements,
                },
                TypeShape::Object {
                    fields: new_fields,
                    implements: new_implements,
                },
            ) => {
                compare_fields(name, old_fields, new_fields, &mut out);
                for interface in old_implements.difference(new_implements) {
                    out.push(change(
                        "INTERFACE_REMOVED",
                        format!("{name} implements {interface}"),
                        format!("{name} no longer implements {interface}"),
                    ));
                }
            }
            (
                TypeShape::Interface { fields: old_fields },
                TypeShape::Interface { fields: new_fields },
            ) => compare_fields(name, old_fields, new_fields, &mut out),
            (
                TypeShape::Union {
                    members: old_members,
                },
                TypeShape::Union {
                    members: new_members,
                },
            ) => {
                for member in old_members.difference(new_members) {
                    out.push(change(
                        "UNION_MEMBER_REMOVED",
                        format!("{name}.{member}"),
                        format!("{member} is no longer a member of {name}"),
                    ));
                }
            }
            (TypeShape::Enum { values: old_values }, TypeShape::Enum { values: new_values }) => {
                for (value, deprecated) in old_values {
                    if !new_values.contains_key(value) {
                        let kind = if *deprecated {
                            "ENUM_VALUE_REMOVED"
                        } else {
                            "ENUM_VALUE_REMOVED_WITHOUT_DEPRECATION"
                        };
                        out.push(change(
                            kind,
                            format!("{name}.{value}"),
                            "the enum value was removed".to_owned(),
                        ));
                    }
                }
            }
            (
                TypeShape::InputObject { fields: old_fields },
                TypeShape::InputObject { fields: new_fields },
            ) => compare_inputs(name, old_fields, new_fields, "input field", &mut out),
            (TypeShape::Scalar, TypeShape::Scalar) => {}
            (old_type, new_type) => out.push(change(
                "TYPE_KIND_CHANGED",
                name.clone(),
                format!("the {} became a {}", old_type.kind(), new_type.kind()),
            )),
        }
    }
    out.sort();
    Ok(out)
}

/// The ids an acknowledgement file lists: one per line, `#` comments and blank lines ignored (text
/// after the id on a line, such as a reason, is allowed after ` -- `).
pub fn acknowledged(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .map(|line| line.split(" -- ").next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELEASED: &str = r#"
        type Query { term(slug: String!): Term  terms(first: Int): [Term!]!  old: String @deprecated(reason: "x")  kept: String }
        type Term implements Node { id: ID!  name: String!  note: String  status: Status! }
        interface Node { id: ID! }
        enum Status { DRAFT PUBLISHED OLD @deprecated }
        union Result = Term | Other
        type Other { x: Int }
        input Filter { letter: String  limit: Int! }
        scalar DateTime
    "#;

    fn ids(current: &str) -> Vec<String> {
        breaking_changes(RELEASED, current)
            .unwrap()
            .iter()
            .map(BreakingChange::id)
            .collect()
    }

    #[test]
    fn the_same_schema_and_additions_are_not_breaking() {
        assert!(ids(RELEASED).is_empty());
        let added = r#"
            type Query { term(slug: String!, preview: Boolean): Term  terms(first: Int): [Term!]!  old: String @deprecated(reason: "x")  kept: String!  more: Int }
            type Term implements Node { id: ID!  name: String!  note: String!  status: Status!  extra: Int }
            interface Node { id: ID! }
            enum Status { DRAFT PUBLISHED OLD @deprecated ARCHIVED }
            union Result = Term | Other | Third
            type Other { x: Int }
            type Third { y: Int }
            input Filter { letter: String  limit: Int  offset: Int = 0  more: String }
            scalar DateTime
        "#;
        assert_eq!(ids(added), Vec::<String>::new());
    }

    #[test]
    fn every_kind_of_breaking_change_is_found() {
        let broken = r#"
            type Query { term(slug: String!, lang: String!): Term  terms(first: String): [Term]!  kept: Int }
            type Term { id: ID!  name: String  status: Status! }
            interface Node { id: ID! }
            enum Status { DRAFT }
            union Result = Term
            type Other { x: Int }
            input Filter { letter: String!  required: Int! }
            type DateTime { value: String }
        "#;
        assert_eq!(
            ids(broken),
            vec![
                "ARGUMENT_TYPE_CHANGED Query.terms.first",
                "ENUM_VALUE_REMOVED Status.OLD",
                "ENUM_VALUE_REMOVED_WITHOUT_DEPRECATION Status.PUBLISHED",
                "FIELD_REMOVED Query.old",
                "FIELD_REMOVED_WITHOUT_DEPRECATION Term.note",
                "FIELD_TYPE_CHANGED Query.kept",
                "FIELD_TYPE_CHANGED Query.terms",
                "FIELD_TYPE_CHANGED Term.name",
                "INPUT_FIELD_REMOVED Filter.limit",
                "INPUT_FIELD_TYPE_CHANGED Filter.letter",
                "INTERFACE_REMOVED Term implements Node",
                "REQUIRED_ARGUMENT_ADDED Query.term.lang",
                "REQUIRED_INPUT_FIELD_ADDED Filter.required",
                "TYPE_KIND_CHANGED DateTime",
                "UNION_MEMBER_REMOVED Result.Other",
            ]
        );
        let without_other = RELEASED.replace("type Other { x: Int }", "");
        assert!(ids(&without_other).contains(&"TYPE_REMOVED Other".to_owned()));
    }

    #[test]
    fn acknowledgements_are_read_by_id() {
        let text = "# accepted\nFIELD_REMOVED Query.old -- gone after two releases\n\n  TYPE_REMOVED Other  # reason\n";
        assert_eq!(
            acknowledged(text),
            BTreeSet::from([
                "FIELD_REMOVED Query.old".to_owned(),
                "TYPE_REMOVED Other".to_owned()
            ])
        );
    }
}
