//! The GraphQL object, input and enum types of the public read API.

pub mod api_key;
pub mod category;
pub mod connection;
pub mod newsletter;
pub mod node;
pub mod page_parts;
pub mod payload;
pub mod revision;
pub mod section;
pub mod term;
pub mod text;
