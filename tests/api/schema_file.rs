//! `schema.graphql` is the committed contract clients generate code from: it must equal the code's SDL, and
//! every type, field, argument, input field and enum value must carry a description.

use glossary::{graphql::schema_sdl, schema_evolution};

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists at the repository root");
    assert!(
        committed == schema_sdl(),
        "schema.graphql is out of date: run `cargo run -- print-schema > schema.graphql` and commit it"
    );
}

/// `schema.graphql` against the last released schema: every breaking change must be acknowledged, and
/// every acknowledgement must still name one.
#[test]
fn breaking_changes_since_the_release_are_acknowledged() {
    let root = env!("CARGO_MANIFEST_DIR");
    let released = std::fs::read_to_string(format!("{root}/schema/released.graphql"))
        .expect("schema/released.graphql holds the last released schema");
    let acknowledged = schema_evolution::acknowledged(
        &std::fs::read_to_string(format!("{root}/schema/acknowledged-breaking-changes.txt"))
            .expect("schema/acknowledged-breaking-changes.txt exists"),
    );
    let changes = schema_evolution::breaking_changes(&released, &schema_sdl()).unwrap();
    let unacknowledged: Vec<String> = changes
        .iter()
        .filter(|change| !acknowledged.contains(&change.id()))
        .map(ToString::to_string)
        .collect();
    assert!(
        unacknowledged.is_empty(),
        "breaking changes since the last release (schema/released.graphql):\n  {}\n\
         Deprecate with @deprecated instead of removing, keep old types and arguments working, or, if \
         the break is wanted, list each id in schema/acknowledged-breaking-changes.txt with a reason.",
        unacknowledged.join("\n  ")
    );
    let stale: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !changes.iter().any(|change| &change.id() == *id))
        .collect();
    assert!(
        stale.is_empty(),
        "schema/acknowledged-breaking-changes.txt lists changes that are not there: {stale:?}"
    );
}

#[test]
fn everything_in_the_schema_is_described() {
    use async_graphql::parser::{
        parse_schema,
        types::{TypeKind, TypeSystemDefinition},
    };
    let document = parse_schema(schema_sdl()).expect("the SDL parses");
    let mut missing = Vec::new();
    let built_in = ["String", "Int", "Float", "Boolean", "ID"];
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        if built_in.contains(&name) {
            continue;
        }
        if ty.description.is_none() {
            missing.push(name.to_owned());
        }
        match &ty.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                    for argument in &field.node.arguments {
                        if argument.node.description.is_none() {
                            missing.push(format!(
                                "{name}.{}({})",
                                field.node.name.node, argument.node.name.node
                            ));
                        }
                    }
                }
            }
            TypeKind::Interface(interface) => {
                for field in &interface.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    if value.node.description.is_none() {
                        missing.push(format!("{name}.{}", value.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented schema members: {missing:#?}"
    );
}
