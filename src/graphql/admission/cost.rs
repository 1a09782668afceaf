//! What a document will cost, measured on its syntax tree before anything runs: fields after fragment
//! expansion, root fields, fragment spreads after expansion, depth, selection nesting and a complexity score
//! in which a list multiplies its selection by its size.
//!
//! Fragments are measured once each and the result reused at every spread (a fragment's cost does not
//! depend on where it is spread), so a document of fragments spreading into each other four times over,
//! thirty levels down, is measured in thirty steps while its expansion has 4^30 fields. Counts saturate at
//! `u64::MAX` instead of overflowing.

use std::collections::HashMap;

use async_graphql::{
    Positioned, ServerError, Variables,
    parser::types::{
        BaseType, Directive, ExecutableDocument, Field, FragmentSpread, Selection, SelectionSet,
    },
};

use async_graphql_value::{ConstValue, Value};

use crate::{
    content::pack::MAX_RELATED_TERMS,
    graphql::cursor::DEFAULT_PAGE_SIZE,
    graphql::schema_index::{
        IntrospectionSizes, OutputField, SchemaIndex, fragment_type, named_type,
    },
};

/// How deeply selection sets may nest, counting fields with selections, inline fragments and fragment
/// spreads as levels (async-graphql's own guard, `limit_recursive_depth`, is set to the same).
pub const MAX_SELECTION_NESTING: usize = 32;

/// The size assumed for a list field that has no size argument, when the table below does not name it.
const ESTIMATED_LIST_SIZE: u64 = 10;

/// Sizes assumed for the lists that hang off content without a size argument. They are estimates of
/// typical pages, not bounds (content sets the real size); the response size cap and the deadline bound
/// what a request can actually cost once it runs.
const ESTIMATED_LIST_SIZES: [(&str, &str, u64); 7] = [
    ("Term", "sections", 10),
    ("Term", "faqs", 10),
    ("Term", "tableOfContents", 20),
    ("Term", "categories", 5),
    ("Query", "glossaryIndex", 27),
    ("Query", "categories", 50),
    ("Query", "apiKeys", 50),
];

/// Work a field does beyond its own items, in fields' worth: those that scan many terms' text (finding
/// the terms that link to one, weighing suggestions, the whole health report) are priced as the
/// statements and text they read, so a document cannot ask for them many times over.
const FIELD_WEIGHTS: [(&str, &str, u64); 4] = [
    ("Term", "backlinks", 2_500),
    ("Term", "suggestedRelatedTerms", 2_500),
    ("Term", "mentions", 20),
    ("Query", "contentHealth", 50_000),
];

/// The extra work of `parent.name` ([`FIELD_WEIGHTS`]), 0 for most fields.
fn field_weight(parent: Option<&str>, name: &str) -> u64 {
    FIELD_WEIGHTS
        .iter()
        .find(|(on, field, _)| Some(*on) == parent && *field == name)
        .map_or(0, |(_, _, weight)| *weight)
}

/// The measured cost of a document: every operation in it counts, since every one is validated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocumentCost {
    /// Field selections after fragment expansion, aliases included (skipped fields too: validation walks
    /// them).
    pub fields: u64,
    /// Fields at the top of the operations, after expansion.
    pub root_fields: u64,
    /// Fragment spreads after expansion: how often a fragment is inlined.
    pub fragment_spreads: u64,
    /// The deepest nesting of fields (`{ a { b } }` is 2).
    pub depth: u64,
    /// Estimated work: 1 per field (more for the few that scan text, [`FIELD_WEIGHTS`]), and a list
    /// field's selection times its size (`first`/`last`, the default page size when omitted,
    /// `relatedTerms` by its cap, `nodes` by its ids, other lists by an estimate). Fields that
    /// `@skip`/`@include` leave out do not count.
    pub complexity: u64,
    /// Whether the document asks for `__schema` or `__type`.
    pub introspection: bool,
}

/// Why a document could not be measured: it is malformed in a way that would make expanding it endless
/// or deeper than the server walks.
#[derive(Debug)]
pub enum Unmeasurable {
    /// A fragment spreads itself, directly or through others.
    FragmentCycle(ServerError),
    /// Selection sets nest deeper than [`MAX_SELECTION_NESTING`].
    TooDeep(ServerError),
}

/// The cost of one selection set (or fragment), independent of where it is used.
#[derive(Clone, Copy, Debug, Default)]
struct SetCost {
    fields: u64,
    top_fields: u64,
    spreads: u64,
    depth: u64,
    nesting: usize,
    complexity: u64,
    introspection: bool,
}

impl SetCost {
    /// Adds a sibling's cost.
    fn add(&mut self, other: SetCost) {
        self.fields = self.fields.saturating_add(other.fields);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
        self.spreads = self.spreads.saturating_add(other.spreads);
        self.depth = self.depth.max(other.depth);
        self.nesting = self.nesting.max(other.nesting);
        self.complexity = self.complexity.saturating_add(other.complexity);
        self.introspection |= other.introspection;
    }
}

enum FragmentState {
    Measuring,
    Measured(SetCost),
}

struct Measurer<'a> {
    index: &'a SchemaIndex,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    introspection: IntrospectionSizes,
    fragments: HashMap<&'a str, FragmentState>,
}

/// Measures every operation of `document`; `variables` are the request's (coerced), which decide
/// `first: $n`, `ids: $ids` and `@skip(if: $x)`.
pub fn measure(
    index: &SchemaIndex,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Result<DocumentCost, Unmeasurable> {
    let mut measurer = Measurer {
        index,
        document,
        variables,
        introspection: index.introspection_sizes(),
        fragments: HashMap::new(),
    };
    let mut total = SetCost::default();
    for (_, operation) in document.operations.iter() {
        let root = index.root(operation.node.ty);
        total.add(measurer.set_cost(&operation.node.selection_set.node, root, 0)?);
    }
    Ok(DocumentCost {
        fields: total.fields,
        root_fields: total.top_fields,
        fragment_spreads: total.spreads,
        depth: total.depth,
        complexity: total.complexity,
        introspection: total.introspection,
    })
}

fn too_deep(position: async_graphql::Pos) -> Unmeasurable {
    Unmeasurable::TooDeep(ServerError::new(
        format!(
            "selection sets nest more than {MAX_SELECTION_NESTING} deep (fields with selections, inline \
             fragments and fragment spreads each count as a level)"
        ),
        Some(position),
    ))
}

impl<'a> Measurer<'a> {
    /// The cost of `set` on `parent` (unknown when the document names a type or field the schema lacks;
    /// validation reports those). `level` is how deeply `set` sits, to stop before nesting goes too far.
    fn set_cost(
        &mut self,
        set: &'a SelectionSet,
        parent: Option<&'a str>,
        level: usize,
    ) -> Result<SetCost, Unmeasurable> {
        let mut cost = SetCost::default();
        for selection in &set.items {
            let runs = self.runs(selection.node.directives());
            let mut item = match &selection.node {
                Selection::Field(field) => self.field_cost(&field.node, parent, level)?,
                Selection::InlineFragment(fragment) => {
                    if level >= MAX_SELECTION_NESTING {
                        return Err(too_deep(selection.pos));
                    }
                    let on = fragment_type(&fragment.node, parent);
                    let mut inner =
                        self.set_cost(&fragment.node.selection_set.node, on, level + 1)?;
                    inner.nesting += 1;
                    inner
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment_cost(spread, level)?;
                    inner.spreads = inner.spreads.saturating_add(1);
                    inner.nesting += 1;
                    inner
                }
            };
            if !runs {
                item.complexity = 0;
            }
            cost.add(item);
        }
        Ok(cost)
    }

    fn field_cost(
        &mut self,
        field: &'a Field,
        parent: Option<&'a str>,
        level: usize,
    ) -> Result<SetCost, Unmeasurable> {
        let name = field.name.node.as_str();
        let definition = parent.and_then(|parent| self.index.field(parent, name));
        let has_selection = !field.selection_set.node.items.is_empty();
        if has_selection && level >= MAX_SELECTION_NESTING {
            return Err(too_deep(field.selection_set.pos));
        }
        let child = if has_selection {
            let child_type = definition.map(|definition| named_type(&definition.ty));
            self.set_cost(&field.selection_set.node, child_type, level + 1)?
        } else {
            SetCost::default()
        };
        let size = self.list_size(parent, field, definition);
        Ok(SetCost {
            fields: child.fields.saturating_add(1),
            top_fields: 1,
            spreads: child.spreads,
            depth: child.depth + 1,
            nesting: if has_selection { child.nesting + 1 } else { 0 },
            complexity: size
                .saturating_mul(child.complexity)
                .saturating_add(1 + field_weight(parent, name)),
            introspection: child.introspection || matches!(name, "__schema" | "__type"),
        })
    }

    /// A fragment's cost, measured on its first spread and remembered.
    fn fragment_cost(
        &mut self,
        spread: &'a Positioned<FragmentSpread>,
        level: usize,
    ) -> Result<SetCost, Unmeasurable> {
        let name = spread.node.fragment_name.node.as_str();
        match self.fragments.get(name) {
            Some(FragmentState::Measured(cost)) => {
                if level + 1 + cost.nesting > MAX_SELECTION_NESTING {
                    return Err(too_deep(spread.pos));
                }
                return Ok(*cost);
            }
            Some(FragmentState::Measuring) => {
                return Err(Unmeasurable::FragmentCycle(ServerError::new(
                    format!("Cannot spread fragment \"{name}\" within itself."),
                    Some(spread.pos),
                )));
            }
            None => {}
        }
        if level >= MAX_SELECTION_NESTING {
            return Err(too_deep(spread.pos));
        }
        // An unknown fragment costs nothing here; validation reports it.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(SetCost::default());
        };
        self.fragments.insert(name, FragmentState::Measuring);
        let on = fragment.node.type_condition.node.on.node.as_str();
        let cost = self.set_cost(&fragment.node.selection_set.node, Some(on), level + 1)?;
        self.fragments.insert(name, FragmentState::Measured(cost));
        Ok(cost)
    }

    /// Whether `@skip`/`@include` let a selection run (unknown conditions count as running).
    fn runs(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().all(|directive| {
            let condition = directive
                .node
                .get_argument("if")
                .and_then(|value| match &value.node {
                    Value::Boolean(condition) => Some(*condition),
                    Value::Variable(name) => match self.variables.get(name) {
                        Some(ConstValue::Boolean(condition)) => Some(*condition),
                        _ => None,
                    },
                    _ => None,
                });
            !matches!(
                (directive.node.name.node.as_str(), condition),
                ("skip", Some(true)) | ("include", Some(false))
            )
        })
    }

    /// The argument's value when it is an integer (literal or variable); negative ones count as 0.
    fn int_argument(&self, field: &Field, argument: &str) -> Option<u64> {
        let number = match &field.get_argument(argument)?.node {
            Value::Number(number) => number.as_i64(),
            Value::Variable(name) => match self.variables.get(name) {
                Some(ConstValue::Number(number)) => number.as_i64(),
                _ => None,
            },
            _ => None,
        }?;
        Some(number.max(0) as u64)
    }

    /// How many items a list field returns at most (1 for a field that is not a list): `first`/`last`
    /// (the default page size when omitted, `relatedTerms` its cap), the number of `ids`, the schema's own
    /// sizes for introspection, an estimate for other lists. Inside a connection, `edges` and `nodes`
    /// count once: the connection field itself was multiplied by the page size.
    fn list_size(
        &self,
        parent: Option<&str>,
        field: &Field,
        definition: Option<&OutputField>,
    ) -> u64 {
        let (Some(parent), Some(definition)) = (parent, definition) else {
            return 1;
        };
        let name = field.name.node.as_str();
        if definition.arguments.contains_key("first") || definition.arguments.contains_key("last") {
            let asked = [
                self.int_argument(field, "first"),
                self.int_argument(field, "last"),
            ]
            .into_iter()
            .flatten()
            .max();
            return asked.unwrap_or(if name == "relatedTerms" {
                MAX_RELATED_TERMS as u64
            } else {
                DEFAULT_PAGE_SIZE as u64
            });
        }
        if definition.arguments.contains_key("ids") {
            let ids = match field.get_argument("ids").map(|value| &value.node) {
                Some(Value::List(items)) => items.len(),
                Some(Value::Variable(variable)) => match self.variables.get(variable) {
                    Some(ConstValue::List(items)) => items.len(),
                    _ => 1,
                },
                _ => 1,
            };
            return ids as u64;
        }
        if !matches!(definition.ty.base, BaseType::List(_)) || parent.ends_with("Connection") {
            return 1;
        }
        let sizes = &self.introspection;
        match (parent, name) {
            ("__Schema", "types") => sizes.types,
            ("__Schema", "directives") => sizes.directives,
            ("__Type", "fields") => sizes.fields,
            ("__Type", "interfaces") => sizes.interfaces,
            ("__Type", "possibleTypes") => sizes.possible_types,
            ("__Type", "enumValues") => sizes.enum_values,
            ("__Type", "inputFields") => sizes.input_fields,
            ("__Field" | "__Directive", "args") => sizes.arguments,
            _ => ESTIMATED_LIST_SIZES
                .iter()
                .find(|(ty, list, _)| *ty == parent && *list == name)
                .map_or(ESTIMATED_LIST_SIZE, |(_, _, size)| *size),
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn cost_of(query: &str) -> Result<DocumentCost, Unmeasurable> {
        let index = SchemaIndex::from_sdl(&crate::graphql::schema_sdl());
        measure(&index, &parse_query(query).unwrap(), &Variables::default())
    }

    /// Thirty fragments, each spreading the next four times: 4^30 fields after expansion, measured in
    /// thirty steps.
    #[test]
    fn a_fragment_bomb_is_measured_once_per_fragment() {
        let mut query = String::from("{ ...F0 }");
        for level in 0..30 {
            let next = level + 1;
            query.push_str(&format!(
                " fragment F{level} on Query {{ ...F{next} ...F{next} ...F{next} ...F{next} }}"
            ));
        }
        query.push_str(" fragment F30 on Query { __typename }");
        let cost = cost_of(&query).map_err(|e| format!("{e:?}")).unwrap();
        assert_eq!(cost.fields, 4u64.pow(30));
        assert_eq!(cost.root_fields, 4u64.pow(30));
        // One spread at the root, then four per level: 4^0 + 4^1 + … + 4^30.
        assert_eq!(
            cost.fragment_spreads,
            (0..=30).map(|n| 4u64.pow(n)).sum::<u64>()
        );
    }

    #[test]
    fn lists_multiply_their_selection_by_their_size() {
        // terms(first: 10): 1 + 10 × (nodes 1 + 1 × (slug 1 + relatedTerms (1 + 100 × 1)))
        let cost =
            cost_of("{ terms(first: 10) { nodes { slug relatedTerms { slug } } } }").unwrap();
        assert_eq!(cost.complexity, 1 + 10 * (1 + (1 + (1 + 100))));
        assert_eq!(cost.fields, 5);
        assert_eq!(cost.depth, 4);
        // Omitted first: the default page; sections: the estimate.
        let cost = cost_of("{ terms { nodes { sections { heading } } } }").unwrap();
        assert_eq!(cost.complexity, 1 + 20 * (1 + (1 + 10)));
        // Skipped selections cost nothing to run (but are still walked).
        let cost = cost_of("{ terms @skip(if: true) { nodes { slug } } glossaryIndex { letter } }")
            .unwrap();
        assert_eq!(cost.complexity, 1 + 27);
        assert_eq!(cost.fields, 5);
    }

    #[test]
    fn fields_that_scan_text_weigh_more() {
        // terms(first: 100): 1 + 100 × (nodes 1 + (backlinks (1 + 2500 + 20 × (nodes 1 + (slug 1)))))
        let cost =
            cost_of("{ terms(first: 100) { nodes { backlinks { nodes { slug } } } } }").unwrap();
        assert_eq!(cost.complexity, 1 + 100 * (1 + (1 + 2_500 + 20 * (1 + 1))));
        assert!(
            cost.complexity > 250_000,
            "a hundred scans are over the default cap"
        );
        let cost = cost_of("{ contentHealth { duplicateNames { name } } }").unwrap();
        assert!(cost.complexity > 50_000, "{cost:?}");
    }

    #[test]
    fn cycles_and_deep_nesting_are_refused() {
        assert!(matches!(
            cost_of("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
            Err(Unmeasurable::FragmentCycle(_))
        ));
        let mut chain = String::from("{ ...F0 }");
        for level in 0..40 {
            chain.push_str(&format!(
                " fragment F{level} on Query {{ ...F{} }}",
                level + 1
            ));
        }
        chain.push_str(" fragment F40 on Query { __typename }");
        assert!(matches!(cost_of(&chain), Err(Unmeasurable::TooDeep(_))));
    }
}
