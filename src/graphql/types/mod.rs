//! The GraphQL object, input and enum types that roots return and take: terms and their parts, categories,
//! connections, revisions, mutation payloads, API keys and the newsletter's. Root fields live in `query`,
//! `mutation` and `subscription`.

pub mod api_key;
pub mod backlinks;
pub mod category;
pub mod connection;
pub mod health;
pub mod newsletter;
pub mod node;
pub mod page_parts;
pub mod payload;
pub mod revision;
pub mod search;
pub mod section;
pub mod term;
pub mod text;
