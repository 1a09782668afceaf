//! SeaORM entities of the glossary database, one module per table.
//!
//! The migration crate creates these tables. In the server, each table is queried by one module only: the
//! content tables by `content`, `api_key` by `auth`, `newsletter_subscriber` by `newsletter`, and
//! `outbox_email` by `mail`.

pub mod api_key;
pub mod category;
pub mod faq;
pub mod newsletter_subscriber;
pub mod outbox_email;
pub mod section;
pub mod term;
pub mod term_category;
pub mod term_name_alias;
pub mod term_relation;
pub mod term_revision;
pub mod term_slug_alias;

pub use term::TermStatus;
