//! Opaque global IDs (Relay object identification): `base64url("Term:42")`. Encoded and decoded only here.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::Error;

/// The kinds of object a global ID can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A glossary term.
    Term,
    /// A body section of a term.
    Section,
    /// An FAQ entry of a term.
    Faq,
    /// A category.
    Category,
    /// A stored revision of a term.
    TermRevision,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::Term => "Term",
            NodeKind::Section => "Section",
            NodeKind::Faq => "Faq",
            NodeKind::Category => "Category",
            NodeKind::TermRevision => "TermRevision",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            NodeKind::Term,
            NodeKind::Section,
            NodeKind::Faq,
            NodeKind::Category,
            NodeKind::TermRevision,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// The global ID of the object of `kind` with database id `id`.
pub fn encode(kind: NodeKind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes a global ID; `field` names the argument it came from, for the error.
pub fn decode(id: &str, field: &str) -> Result<(NodeKind, i64), Error> {
    let invalid = || Error::bad_input(field, format!("{id:?} is not a valid ID"));
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (kind, number) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::from_name(kind).ok_or_else(invalid)?;
    let number = number.parse::<i64>().map_err(|_| invalid())?;
    Ok((kind, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let id = encode(NodeKind::Faq, 42);
        assert_eq!(decode(&id, "id").unwrap(), (NodeKind::Faq, 42));
        assert!(decode("not-base64!", "id").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Nope:1"), "id").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Term:x"), "id").is_err());
    }
}
