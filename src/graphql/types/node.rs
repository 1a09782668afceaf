//! The Relay `Node` interface: every object with a global ID can be fetched back by it.

use async_graphql::{ID, Interface};

use super::{
    category::Category,
    section::{Faq, Section},
    term::Term,
};

/// An object with an opaque global ID, fetchable with `node(id:)` (Relay object identification).
// Nodes live only while a response is built, one per requested id: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    /// A glossary term.
    Term(Term),
    /// A category.
    Category(Category),
    /// A section of a term page.
    Section(Section),
    /// An FAQ entry of a term page.
    Faq(Faq),
}
