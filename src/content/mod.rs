//! The domain and data layer: every SQL statement the service runs is built here, never in a resolver.
//! Reads go through [`visibility::Visibility`] so one rule decides what anonymous readers can reach.

pub mod bulk;
pub mod categories;
pub mod editor;
pub mod editorial;
pub mod faqs;
pub mod markdown;
pub mod pack;
pub mod refusal;
pub mod relations;
pub mod revisions;
pub mod sections;
pub mod term_list;
pub mod term_rows;
pub mod terms;
pub mod visibility;
