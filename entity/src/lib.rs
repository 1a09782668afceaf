//! SeaORM entities of the glossary database, one module per table.
//!
//! The migration crate creates these tables; the server's `content` module is the only code that queries them.

pub mod api_key;
pub mod category;
pub mod faq;
pub mod newsletter_subscriber;
pub mod outbox_email;
pub mod section;
pub mod term;
pub mod term_category;
pub mod term_relation;
pub mod term_revision;
pub mod term_slug_alias;

pub use term::TermStatus;
