//! The content layer: terms, their lists, categories and revisions, read and written. Every SQL statement
//! on those tables is built here, never in a resolver; the other tables keep theirs beside their own
//! service (API keys in `auth`, subscribers in `newsletter`, the outbox in `mail`; `events` sends
//! `NOTIFY`, `database` runs migrations).
//!
//! - Reads: [`terms`], [`term_list`] (filters, orderings, keyset pages), [`sections`], [`faqs`],
//!   [`relations`], [`categories`], [`term_pages`] (a term and its lists in one round), [`revisions`], [`search`] (full text), each through
//!   [`visibility::Visibility`] so that one rule decides what anonymous readers can reach.
//! - The full-text index: [`search_index`] writes it inside every term write; [`search_text`] is how
//!   search reads text (folding, words, snippets).
//! - [`cross_links`]: finds other terms' names in rendered HTML and links them, by the rules of
//!   automatic cross-linking; [`public_names`] keeps the linker of the terms public now and their
//!   [`suggestions`] index, [`linking`] renders with it (keeping renderings in [`linked_texts`]) and
//!   finds backlinks, and [`aliases`] reads
//!   the other names terms are linked and suggested by; [`related_suggestions`] and [`health`] are what
//!   editors get from them (suggested related terms, the content health report).
//! - Writes: [`editorial`] is the service every change goes through (one call, one transaction);
//!   [`editor`] loads and saves one term inside it; refusals are [`refusal`]'s.
//! - One term's shape: [`pack`] (the document and its checks), [`term_rows`] (document ↔ rows),
//!   [`term_columns`] (term rows selected and decoded by position, on the read paths),
//!   [`markdown`] (what is rendered at write time); [`bulk`] writes and reads whole packs.
//! - [`text_forms`]: which stored forms (Markdown, HTML) of section bodies and FAQ answers a read takes.
//! - [`packed_rows`]: the hot read paths' rows taken from SQLite in one piece rather than row by row.

pub mod aliases;
pub mod bulk;
pub mod categories;
pub mod cross_links;
pub mod editor;
pub mod editorial;
pub mod faqs;
pub mod health;
pub mod linked_texts;
pub mod linking;
pub mod markdown;
pub mod pack;
pub mod packed_rows;
pub mod public_names;
pub mod refusal;
pub mod related_suggestions;
pub mod relations;
pub mod revisions;
pub mod search;
pub mod search_index;
pub mod search_text;
pub mod sections;
pub mod sql_binds;
pub mod statement_shapes;
pub mod suggestions;
pub mod term_columns;
pub mod term_list;
pub mod term_pages;
pub mod term_rows;
pub mod terms;
pub mod text_forms;
pub mod visibility;
