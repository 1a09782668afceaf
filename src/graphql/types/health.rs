//! The content health report editors read (`contentHealth`), and suggested related terms.

use async_graphql::SimpleObject;

use super::term::Term;
use crate::graphql::execution_budget::List;

/// Some of the terms a health check found, and how many it found in all.
#[derive(SimpleObject)]
pub struct TermHealthList {
    /// How many terms the check found.
    pub total_count: u64,
    /// The first of them, by name.
    pub terms: List<Term>,
}

/// A name more than one term has (compared in any case, accents ignored).
#[derive(SimpleObject)]
pub struct DuplicateName {
    /// The name, as the first of the terms writes it.
    pub name: String,
    /// The terms with that name, oldest first.
    pub terms: List<Term>,
}

/// A related-term link readers cannot follow: the related term is a draft, archived, or scheduled for
/// later, so the public page leaves it out.
#[derive(SimpleObject)]
pub struct HiddenRelatedLink {
    /// The term whose related terms list it.
    pub term: Term,
    /// The related term readers cannot see.
    pub related: Term,
}

/// Related links readers cannot follow, and how many there are.
#[derive(SimpleObject)]
pub struct HiddenRelatedLinks {
    /// How many links the check found.
    pub total_count: u64,
    /// The first of them, by the listing term's name.
    pub links: List<HiddenRelatedLink>,
}

/// A name the glossary's text uses that no term has yet (as name or alias): a candidate for a new
/// entry. Names come from bold and italic phrases in sections and FAQ answers, and from links to term
/// pages whose slug no term has.
#[derive(SimpleObject)]
pub struct MissingTerm {
    /// The name as first written.
    pub name: String,
    /// How many terms use it.
    pub mention_count: u64,
    /// The terms that use it (at most 20), by id.
    pub mentioned_by: List<Term>,
}

/// What an editor could fix or add. Every term counts, in any status.
#[derive(SimpleObject)]
pub struct ContentHealth {
    /// Terms without an FAQ entry.
    pub terms_without_faqs: TermHealthList,
    /// Terms without related terms.
    pub terms_without_related_terms: TermHealthList,
    /// Terms without body sections.
    pub terms_without_sections: TermHealthList,
    /// Terms whose definition is very short (under 40 characters).
    pub terms_with_short_definition: TermHealthList,
    /// Names more than one term has.
    pub duplicate_names: List<DuplicateName>,
    /// Related-term links to terms readers cannot see.
    pub hidden_related_links: HiddenRelatedLinks,
    /// Names the text uses that no term has yet, most used first.
    pub missing_terms: List<MissingTerm>,
}

/// A published term an editor might add to a term's related terms, and why.
#[derive(SimpleObject)]
pub struct SuggestedRelatedTerm {
    /// The term suggested.
    pub term: Term,
    /// How strongly it is suggested: a point per shared category, two when this term's text mentions
    /// it, two when its text mentions this term.
    pub score: i32,
    /// Categories it shares with this term.
    pub shared_categories: i32,
    /// This term's sections or FAQ answers link to it.
    pub mentioned_here: bool,
    /// Its sections or FAQ answers link to this term.
    pub mentions_this_term: bool,
}
