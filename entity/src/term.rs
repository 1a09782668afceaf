//! A glossary term: the page "What is a backend developer?" and everything that sits on it directly.
//!
//! Lists that hang off a term (sections, FAQs, related terms, categories) live in their own tables. The call
//! to action and the SEO fields are at most one per term, so they are columns here and cost no extra query.

use sea_orm::entity::prelude::*;

/// Where a term is in its editorial life. Only `Published` terms are visible to anonymous readers. Content
/// packs spell it as it is stored (`draft`, `published`, `archived`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum TermStatus {
    /// Being written; visible to editors only.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Public, once `published_at` has come.
    #[sea_orm(string_value = "published")]
    Published,
    /// Withdrawn from the public site but kept.
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// One row of `term`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term")]
pub struct Model {
    /// Surrogate key; exposed to clients only inside opaque global IDs.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL-safe unique key (`backend-developer`).
    #[sea_orm(unique)]
    pub slug: String,
    /// The term itself ("Backend developer").
    pub name: String,
    /// `name` lower-cased: the key for ordering by name and for substring search, identical on every engine.
    pub sort_key: String,
    /// The A–Z index letter of `name` (`A`…`Z`, or `#` for anything else).
    pub initial: String,
    /// The page's question-style heading ("What is a backend developer?").
    pub title: String,
    /// One to three sentences, Markdown.
    pub definition: String,
    /// `definition` rendered to sanitised HTML at write time.
    pub definition_html: String,
    /// Editorial status.
    pub status: TermStatus,
    /// When the term became (or becomes) public; always set for published terms.
    pub published_at: Option<DateTimeUtc>,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the term or anything on it last changed (UTC).
    pub updated_at: DateTimeUtc,
    /// Incremented by every change; the basis of optimistic concurrency.
    pub version: i32,
    /// Estimated reading time of the whole page, computed at write time.
    pub reading_time_minutes: i32,
    /// SEO title override; clients fall back to `title`.
    pub seo_title: Option<String>,
    /// SEO description override; clients fall back to the definition.
    pub seo_description: Option<String>,
    /// Call to action: heading. The four `cta_` columns are all set or all null.
    pub cta_heading: Option<String>,
    /// Call to action: one or two sentences of text.
    pub cta_text: Option<String>,
    /// Call to action: the button label.
    pub cta_label: Option<String>,
    /// Call to action: where the button goes.
    pub cta_url: Option<String>,
}

/// Relations of `term`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The term's body sections.
    #[sea_orm(has_many = "super::section::Entity")]
    Section,
    /// The term's FAQ entries.
    #[sea_orm(has_many = "super::faq::Entity")]
    Faq,
    /// The term's category memberships.
    #[sea_orm(has_many = "super::term_category::Entity")]
    TermCategory,
}

impl Related<super::section::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Section.def()
    }
}

impl Related<super::faq::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Faq.def()
    }
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        super::term_category::Relation::Category.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::term_category::Relation::Term.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
