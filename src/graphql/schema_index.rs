//! What the request checks and the response shaping need to know of the schema, read once from its SDL:
//! every object and interface field with its type and arguments, input objects, enums, scalars, the root
//! types, the implementors of each interface, and the introspection types the GraphQL spec defines (which
//! the SDL leaves out). Lookups are hash-map reads, so checking a document costs time in its size only.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::{
    parse_schema,
    types::{
        BaseType, InlineFragment, InputValueDefinition, OperationType, Type, TypeKind,
        TypeSystemDefinition,
    },
};

/// Maps by name, hashed with foldhash rather than SipHash: admission looks a field up by name for every
/// selection of every request (`Measurer::set_cost`, coercion), and foldhash is seeded per process as
/// SipHash is.
type ByName<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// The introspection types of the GraphQL spec (October 2021, with `specifiedByURL`, `isOneOf` and
/// `isRepeatable`, which async-graphql serves too). The SDL a schema prints leaves them out.
const INTROSPECTION_SDL: &str = r#"
type __Schema {
  description: String
  types: [__Type!]!
  queryType: __Type!
  mutationType: __Type
  subscriptionType: __Type
  directives: [__Directive!]!
}
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  specifiedByURL: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields(includeDeprecated: Boolean = false): [__InputValue!]
  ofType: __Type
  isOneOf: Boolean
}
type __Field {
  name: String!
  description: String
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}
type __InputValue {
  name: String!
  description: String
  type: __Type!
  defaultValue: String
  isDeprecated: Boolean!
  deprecationReason: String
}
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}
type __Directive {
  name: String!
  description: String
  locations: [__DirectiveLocation!]!
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  isRepeatable: Boolean!
}
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION
  SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT
  INPUT_FIELD_DEFINITION
}
"#;

/// The scalars every schema has, which the SDL does not declare.
const BUILT_IN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

/// An argument or an input object's field.
#[derive(Clone, Debug)]
pub struct InputValue {
    /// Its type.
    pub ty: Type,
    /// Whether the schema gives it a default value (then it may be left out even when non-null).
    pub has_default: bool,
}

/// A field of an object or interface.
#[derive(Clone, Debug)]
pub struct OutputField {
    /// Its type.
    pub ty: Type,
    /// Its arguments by name.
    pub arguments: ByName<InputValue>,
}

/// One named type of the schema.
#[derive(Clone, Debug)]
pub enum NamedType {
    /// An object or an interface, with its fields.
    Object {
        /// Fields by name.
        fields: ByName<OutputField>,
    },
    /// An interface, with its fields and the objects implementing it.
    Interface {
        /// Fields by name.
        fields: ByName<OutputField>,
        /// Object types implementing it.
        implementors: Vec<String>,
    },
    /// A union and its members.
    Union {
        /// Member object types.
        members: Vec<String>,
    },
    /// A scalar (built-in or custom).
    Scalar,
    /// An enum and its values.
    Enum {
        /// The values' names.
        values: HashSet<String, foldhash::fast::RandomState>,
    },
    /// An input object and its fields, in schema order.
    InputObject {
        /// Fields in schema order.
        fields: Vec<(String, InputValue)>,
    },
}

/// The typical size of each introspection list for this schema, which the cost analysis multiplies
/// introspection selections by: the number of types and directives exactly, and for the lists under one
/// type or field the schema's average (rounded up). Averages, not maxima: multiplied through the nesting of
/// an introspection query, maxima would put GraphiQL's own query far over any useful limit, while the
/// lists are short for most types (a non-null wrapper has no fields at all). What an introspection query
/// actually costs is bounded by the execution budget, as for any query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntrospectionSizes {
    /// Named types (`__Schema.types`), the introspection types included.
    pub types: u64,
    /// Fields per object or interface (`__Type.fields`).
    pub fields: u64,
    /// Arguments per field or directive (`__Field.args`, `__Directive.args`).
    pub arguments: u64,
    /// Values per enum (`__Type.enumValues`).
    pub enum_values: u64,
    /// Fields per input object (`__Type.inputFields`).
    pub input_fields: u64,
    /// Implementors per interface, members per union (`__Type.possibleTypes`).
    pub possible_types: u64,
    /// Interfaces per object (`__Type.interfaces`).
    pub interfaces: u64,
    /// Directives (`__Schema.directives`).
    pub directives: u64,
}

/// The schema, indexed for lookups by name.
#[derive(Clone, Debug, Default)]
pub struct SchemaIndex {
    types: ByName<NamedType>,
    roots: Vec<(OperationType, String)>,
    introspection: IntrospectionSizes,
}

fn input_value(definition: &InputValueDefinition) -> (String, InputValue) {
    (
        definition.name.node.to_string(),
        InputValue {
            ty: definition.ty.node.clone(),
            has_default: definition.default_value.is_some(),
        },
    )
}

impl SchemaIndex {
    /// Reads a schema's SDL (as `Schema::sdl` prints it) and adds the built-in scalars and the
    /// introspection types. A document that does not parse gives an empty index, which checks nothing.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut index = SchemaIndex::default();
        let mut directive_arguments = Vec::new();
        let mut object_interfaces = Vec::new();
        for source in [sdl, INTROSPECTION_SDL] {
            let Ok(document) = parse_schema(source) else {
                continue;
            };
            for definition in document.definitions {
                let definition = match definition {
                    TypeSystemDefinition::Type(definition) => definition.node,
                    TypeSystemDefinition::Schema(schema) => {
                        let roots = [
                            (OperationType::Query, schema.node.query),
                            (OperationType::Mutation, schema.node.mutation),
                            (OperationType::Subscription, schema.node.subscription),
                        ];
                        for (operation, name) in roots {
                            if let Some(name) = name {
                                index.roots.push((operation, name.node.to_string()));
                            }
                        }
                        continue;
                    }
                    TypeSystemDefinition::Directive(directive) => {
                        directive_arguments.push(directive.node.arguments.len());
                        continue;
                    }
                };
                let name = definition.name.node.to_string();
                let fields = |fields: &[async_graphql::Positioned<
                    async_graphql::parser::types::FieldDefinition,
                >]| {
                    fields
                        .iter()
                        .map(|field| {
                            let arguments = field
                                .node
                                .arguments
                                .iter()
                                .map(|argument| input_value(&argument.node))
                                .collect();
                            (
                                field.node.name.node.to_string(),
                                OutputField {
                                    ty: field.node.ty.node.clone(),
                                    arguments,
                                },
                            )
                        })
                        .collect::<ByName<_>>()
                };
                let named = match &definition.kind {
                    TypeKind::Scalar => NamedType::Scalar,
                    TypeKind::Object(object) => {
                        object_interfaces.push(object.implements.len());
                        for interface in &object.implements {
                            if let Some(NamedType::Interface { implementors, .. }) =
                                index.types.get_mut(interface.node.as_str())
                            {
                                implementors.push(name.clone());
                            } else {
                                index.types.insert(
                                    interface.node.to_string(),
                                    NamedType::Interface {
                                        fields: ByName::default(),
                                        implementors: vec![name.clone()],
                                    },
                                );
                            }
                        }
                        NamedType::Object {
                            fields: fields(&object.fields),
                        }
                    }
                    TypeKind::Interface(interface) => {
                        // Objects may come before the interface they implement.
                        let implementors = match index.types.remove(&name) {
                            Some(NamedType::Interface { implementors, .. }) => implementors,
                            _ => Vec::new(),
                        };
                        NamedType::Interface {
                            fields: fields(&interface.fields),
                            implementors,
                        }
                    }
                    TypeKind::Union(union) => NamedType::Union {
                        members: union.members.iter().map(|m| m.node.to_string()).collect(),
                    },
                    TypeKind::Enum(enumeration) => NamedType::Enum {
                        values: enumeration
                            .values
                            .iter()
                            .map(|value| value.node.value.node.to_string())
                            .collect(),
                    },
                    TypeKind::InputObject(input) => NamedType::InputObject {
                        fields: input
                            .fields
                            .iter()
                            .map(|field| input_value(&field.node))
                            .collect(),
                    },
                };
                index.types.insert(name, named);
            }
        }
        for scalar in BUILT_IN_SCALARS {
            index.types.insert(scalar.to_owned(), NamedType::Scalar);
        }
        index.add_introspection_roots();
        index.introspection = index.measure_introspection(&directive_arguments, &object_interfaces);
        index
    }

    /// `__schema` and `__type(name:)` on the query root, as every schema serves them.
    fn add_introspection_roots(&mut self) {
        let Some(query) = self.root(OperationType::Query).map(str::to_owned) else {
            return;
        };
        if let Some(NamedType::Object { fields }) = self.types.get_mut(&query) {
            let named = |name: &str, nullable: bool| Type {
                base: BaseType::Named(async_graphql::Name::new(name)),
                nullable,
            };
            fields.insert(
                "__schema".to_owned(),
                OutputField {
                    ty: named("__Schema", false),
                    arguments: ByName::default(),
                },
            );
            fields.insert(
                "__type".to_owned(),
                OutputField {
                    ty: named("__Type", true),
                    arguments: ByName::from_iter([(
                        "name".to_owned(),
                        InputValue {
                            ty: named("String", false),
                            has_default: false,
                        },
                    )]),
                },
            );
        }
    }

    fn measure_introspection(
        &self,
        directive_arguments: &[usize],
        object_interfaces: &[usize],
    ) -> IntrospectionSizes {
        /// The average of some counts, rounded up, and at least 1.
        fn average(counts: impl Iterator<Item = usize>) -> u64 {
            let (total, lists) = counts.fold((0, 0), |(total, lists), n| (total + n, lists + 1));
            (total.div_ceil(lists.max(1)) as u64).max(1)
        }
        let outputs = || {
            self.types.values().filter_map(|named| match named {
                NamedType::Object { fields } | NamedType::Interface { fields, .. } => Some(fields),
                _ => None,
            })
        };
        IntrospectionSizes {
            types: self.types.len() as u64,
            fields: average(outputs().map(ByName::len)),
            arguments: average(
                outputs()
                    .flat_map(|fields| fields.values().map(|field| field.arguments.len()))
                    .chain(directive_arguments.iter().copied()),
            ),
            enum_values: average(self.types.values().filter_map(|named| match named {
                NamedType::Enum { values } => Some(values.len()),
                _ => None,
            })),
            input_fields: average(self.types.values().filter_map(|named| match named {
                NamedType::InputObject { fields } => Some(fields.len()),
                _ => None,
            })),
            possible_types: average(self.types.values().filter_map(|named| match named {
                NamedType::Interface { implementors, .. } => Some(implementors.len()),
                NamedType::Union { members } => Some(members.len()),
                _ => None,
            })),
            interfaces: average(object_interfaces.iter().copied()),
            directives: directive_arguments.len() as u64,
        }
    }

    /// The root type of an operation type, when the schema has one.
    pub fn root(&self, operation: OperationType) -> Option<&str> {
        self.roots
            .iter()
            .find(|(ty, _)| *ty == operation)
            .map(|(_, name)| name.as_str())
    }

    /// A named type.
    pub fn named(&self, name: &str) -> Option<&NamedType> {
        self.types.get(name)
    }

    /// The field `field` of `parent`. On an interface or union that does not declare it, the first
    /// implementor or member that does (a fragment on the concrete type selected it).
    pub fn field(&self, parent: &str, field: &str) -> Option<&OutputField> {
        match self.types.get(parent)? {
            NamedType::Object { fields } => fields.get(field),
            NamedType::Interface {
                fields,
                implementors,
            } => fields.get(field).or_else(|| {
                implementors
                    .iter()
                    .find_map(|implementor| self.field(implementor, field))
            }),
            NamedType::Union { members } => {
                members.iter().find_map(|member| self.field(member, field))
            }
            _ => None,
        }
    }

    /// The typical sizes of the introspection lists.
    pub fn introspection_sizes(&self) -> IntrospectionSizes {
        self.introspection
    }
}

/// The type an inline fragment's selections apply to: its type condition, or else its parent's type.
pub fn fragment_type<'a>(fragment: &'a InlineFragment, parent: Option<&'a str>) -> Option<&'a str> {
    fragment
        .type_condition
        .as_ref()
        .map(|condition| condition.node.on.node.as_str())
        .or(parent)
}

/// The named type at the bottom of a (list or non-null) type.
pub fn named_type(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named_type(item),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glossary_schema_is_indexed_with_introspection() {
        let index = SchemaIndex::from_sdl(&crate::graphql::schema_sdl());
        assert_eq!(index.root(OperationType::Query), Some("Query"));
        assert_eq!(
            index.root(OperationType::Subscription),
            Some("Subscription")
        );
        let terms = index.field("Query", "terms").unwrap();
        assert_eq!(named_type(&terms.ty), "TermConnection");
        assert!(terms.arguments["first"].ty.nullable);
        assert!(index.field("Query", "__schema").is_some());
        assert_eq!(
            named_type(&index.field("__Type", "fields").unwrap().ty),
            "__Field"
        );
        // Interface fields, and fields only an implementor has.
        assert!(index.field("Node", "id").is_some());
        assert!(index.field("Node", "slug").is_some());
        match index.named("Node") {
            Some(NamedType::Interface { implementors, .. }) => {
                assert!(implementors.contains(&"Term".to_owned()))
            }
            other => panic!("Node is {other:?}"),
        }
        let sizes = index.introspection_sizes();
        assert!(
            sizes.types > 40 && sizes.fields >= 3 && sizes.directives >= 3,
            "{sizes:?}"
        );
    }
}
