//! The texts of a term page batch's statements, kept by shape. sea-query writes a statement's text anew
//! every time it is built, and a term page's five took about 170 000 instructions a batch to write
//! (docs/performance.md, "Statement texts kept by shape"), while what varies between two batches of one
//! shape is only what is bound: the slugs (one JSON array) and the visibility rule's moment. So a
//! statement is built once per shape with stand-in values ([`SENTINEL_SLUG`], [`SENTINEL_NOW`]), kept
//! with where each stand-in was bound, and each later batch of that shape takes the kept text with its
//! own values in those places.
//!
//! A shape is the statement's kind, the engine, whether the visibility rule applies, and the columns or
//! text forms it reads (which requests choose through their selections), so at most [`MAX_SHAPES`] are
//! kept: past that, statements are built as before. In debug builds, which the tests run, every kept
//! statement is checked against one built afresh from the same values.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock, RwLock},
};

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, Statement, Value};

use super::{
    sql_binds::Parents, term_columns::ColumnSet, text_forms::TextForms, visibility::Visibility,
};

/// The statements kept by shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The terms with some slugs, with these columns.
    TermsBySlug(ColumnSet),
    /// The sections of terms by slug, with these forms of their bodies.
    Sections(TextForms),
    /// The FAQ entries of terms by slug, with these forms of their answers.
    Faqs(TextForms),
    /// The categories of terms by slug.
    Categories,
    /// The related terms of terms by slug, with these columns.
    RelatedTerms(ColumnSet),
}

/// What one statement binds that varies between statements of its shape.
#[derive(Clone, Copy, Debug)]
pub struct Varying<'a> {
    /// The slugs, bound as one JSON array.
    pub slugs: &'a [String],
    /// The visibility rule (with its moment for anonymous readers) of a statement that applies it;
    /// `Everything` for one that does not.
    pub visibility: Visibility,
}

/// The statement of `kind` for the lists of `parents`, which `build` writes for a visibility rule and
/// parents: kept by shape ([`statement`]) when the parents are slugs, as a term page's batch names
/// them, and built afresh when they are ids.
pub fn for_parents(
    kind: Kind,
    backend: DbBackend,
    visibility: Visibility,
    parents: Parents<'_>,
    build: impl Fn(Visibility, Parents<'_>) -> (Statement, usize),
) -> (Statement, usize) {
    match parents {
        Parents::Slugs(slugs) => statement(kind, backend, Varying { slugs, visibility }, |v| {
            build(v.visibility, Parents::Slugs(v.slugs))
        }),
        Parents::Ids(_) => build(visibility, parents),
    }
}

/// Shapes kept at most. Each is a few kilobytes of text; the kinds, columns and forms that requests can
/// combine are many more than the handful they do.
pub const MAX_SHAPES: usize = 256;

/// The slug a shape is first built with, which no real slug equals (slugs are lower-case letters, digits
/// and hyphens).
pub const SENTINEL_SLUG: &str = "\u{1}sentinel\u{1}";

/// The moment a shape is first built with.
pub const SENTINEL_NOW: i64 = -62_000_000_000;

/// A value of a kept statement: as built, or one of the values that vary.
#[derive(Debug)]
enum Part {
    Fixed(Value),
    Slugs,
    Now,
}

/// A statement's text with where its values come from.
#[derive(Debug)]
struct Template {
    sql: String,
    parts: Vec<Part>,
    width: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    kind: Kind,
    postgres: bool,
    public: bool,
}

type Kept = RwLock<HashMap<Key, Arc<Template>, foldhash::fast::RandomState>>;

fn kept() -> &'static Kept {
    static KEPT: OnceLock<Kept> = OnceLock::new();
    KEPT.get_or_init(Kept::default)
}

/// The sentinel moment as a time.
fn sentinel_now() -> DateTime<Utc> {
    DateTime::from_timestamp(SENTINEL_NOW, 0).unwrap_or_default()
}

/// The statement of `kind` on `backend` with `varying`'s values, and the number of values its rows
/// select: the kept text of its shape, or `build`'s (which writes it from any values, the same text for
/// the same shape), kept for next time.
pub fn statement(
    kind: Kind,
    backend: DbBackend,
    varying: Varying<'_>,
    build: impl Fn(Varying<'_>) -> (Statement, usize),
) -> (Statement, usize) {
    let key = Key {
        kind,
        postgres: backend == DbBackend::Postgres,
        public: matches!(varying.visibility, Visibility::Public { .. }),
    };
    let found = kept().read().ok().and_then(|kept| kept.get(&key).cloned());
    let template = match found {
        Some(template) => template,
        None => {
            let full = kept().read().map_or(true, |kept| kept.len() >= MAX_SHAPES);
            if full {
                return build(varying);
            }
            let Some(template) = template_of(&build, varying) else {
                return build(varying);
            };
            let template = Arc::new(template);
            if let Ok(mut kept) = kept().write()
                && kept.len() < MAX_SHAPES
            {
                kept.insert(key, Arc::clone(&template));
            }
            template
        }
    };
    let built = fill(&template, backend, varying);
    #[cfg(debug_assertions)]
    {
        let fresh = build(varying);
        assert_eq!(
            (&built.0.sql, &built.0.values, built.1),
            (&fresh.0.sql, &fresh.0.values, fresh.1),
            "the kept statement of {kind:?} is the one built afresh"
        );
    }
    built
}

/// The template of `build`'s statement: built with the sentinels, each value that is one of them marked.
/// `None` when a sentinel shows in the text itself (no value could then be placed).
fn template_of(
    build: &impl Fn(Varying<'_>) -> (Statement, usize),
    varying: Varying<'_>,
) -> Option<Template> {
    let sentinel_slugs = [SENTINEL_SLUG.to_owned()];
    let visibility = match varying.visibility {
        Visibility::Public { .. } => Visibility::Public {
            now: sentinel_now(),
        },
        Visibility::Everything => Visibility::Everything,
    };
    let (statement, width) = build(Varying {
        slugs: &sentinel_slugs,
        visibility,
    });
    if statement.sql.contains(SENTINEL_SLUG) {
        return None;
    }
    let slugs = slugs_value(&sentinel_slugs);
    let now = Value::from(sentinel_now());
    let parts = statement
        .values
        .map(|values| values.0)
        .unwrap_or_default()
        .into_iter()
        .map(|value| {
            if value == slugs {
                Part::Slugs
            } else if value == now {
                Part::Now
            } else {
                Part::Fixed(value)
            }
        })
        .collect();
    Some(Template {
        sql: statement.sql,
        parts,
        width,
    })
}

/// The slugs as the statements bind them: one JSON array.
fn slugs_value(slugs: &[String]) -> Value {
    Value::from(serde_json::to_string(slugs).unwrap_or_else(|_| "[]".to_owned()))
}

/// `template`'s statement with `varying`'s values.
fn fill(template: &Template, backend: DbBackend, varying: Varying<'_>) -> (Statement, usize) {
    let slugs = slugs_value(varying.slugs);
    // A template built for `Everything` binds no moment.
    let now = match varying.visibility {
        Visibility::Public { now } => Value::from(now),
        Visibility::Everything => Value::from(sentinel_now()),
    };
    let values = template
        .parts
        .iter()
        .map(|part| match part {
            Part::Fixed(value) => value.clone(),
            Part::Slugs => slugs.clone(),
            Part::Now => now.clone(),
        })
        .collect::<Vec<_>>();
    (
        Statement::from_sql_and_values(backend, template.sql.clone(), values),
        template.width,
    )
}

#[cfg(test)]
mod tests {
    use entity::term;
    use sea_orm::{EntityTrait, QueryFilter, QueryTrait};

    use super::*;
    use crate::content::sql_binds::text_in;

    fn terms_with(v: Varying<'_>) -> (Statement, usize) {
        let statement = term::Entity::find()
            .filter(v.visibility.term_condition())
            .filter(text_in(DbBackend::Sqlite, term::Column::Slug, v.slugs))
            .build(DbBackend::Sqlite);
        (statement, 1)
    }

    #[test]
    fn a_kept_statement_takes_each_batch_s_own_values() {
        // Shapes are kept for the process: this one is none a term page's batch makes, whose terms'
        // columns always include the slug.
        let kind = Kind::TermsBySlug(ColumnSet::ID);
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut texts = Vec::new();
        for slugs in [
            vec!["api".to_owned()],
            vec!["a".to_owned(), "b-c".to_owned()],
        ] {
            let varying = Varying {
                slugs: &slugs,
                visibility: Visibility::Public { now },
            };
            // Also checked against a fresh build inside, in this debug build.
            let (kept, _) = statement(kind, DbBackend::Sqlite, varying, terms_with);
            let values = kept.values.expect("values").0;
            assert!(values.contains(&slugs_value(&slugs)), "{values:?}");
            assert!(values.contains(&Value::from(now)), "{values:?}");
            assert!(!format!("{values:?}").contains("sentinel"), "{values:?}");
            texts.push(kept.sql);
        }
        assert_eq!(texts[0], texts[1], "one text for the shape");
        // Editors' statements are another shape, with no moment bound.
        let everything = Varying {
            slugs: &["api".to_owned()],
            visibility: Visibility::Everything,
        };
        let (kept, _) = statement(kind, DbBackend::Sqlite, everything, terms_with);
        assert_ne!(kept.sql, texts[0]);
        assert_eq!(
            kept.values.expect("values").0,
            vec![slugs_value(&["api".to_owned()])]
        );
    }
}
