//! Reading term aliases (other names, "CI" for "Continuous integration") and checking new ones against
//! the names and aliases already stored. Aliases are written with the rest of a term (`term_rows`).

use std::collections::HashMap;

use entity::term_name_alias;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{
    pack::alias_key,
    search_text::folded_words,
    sql_binds::{id_in, text_in},
};
use crate::error::Result;

/// The aliases of the given terms as `(term id, alias)`, ordered by term and position. One SQL
/// statement.
pub async fn by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<Vec<(i64, String)>> {
    Ok(term_name_alias::Entity::find()
        .filter(id_in(
            db.get_database_backend(),
            term_name_alias::Column::TermId,
            term_ids,
        ))
        .order_by_asc(term_name_alias::Column::TermId)
        .order_by_asc(term_name_alias::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.term_id, row.alias))
        .collect())
}

/// Whether `text` can be looked up at all: PostgreSQL refuses the NUL character in any statement (the
/// document checks refuse such text with their own message).
fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// The key `key` makes of each of `texts`, or an empty one (which matches nothing) for text that cannot
/// be stored.
fn keys_of(texts: &[String], key: impl Fn(&str) -> String) -> Vec<String> {
    texts
        .iter()
        .map(|text| {
            if storable(text) {
                key(text)
            } else {
                String::new()
            }
        })
        .collect()
}

/// The stored aliases among `keys` (as [`alias_key`] makes them), each with the term that has it. One
/// SQL statement.
async fn holders(db: &impl ConnectionTrait, keys: &[String]) -> Result<HashMap<String, i64>> {
    Ok(term_name_alias::Entity::find()
        .filter(text_in(
            db.get_database_backend(),
            term_name_alias::Column::Lowered,
            keys,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.lowered, row.term_id))
        .collect())
}

/// Why each of `aliases` cannot be given to term `owner` (`None` for a term not stored yet): another
/// term has it as an alias, or is named so (names compared as full-text search folds them). Returns
/// `(index in aliases, message)`. Two SQL statements; none without aliases.
pub async fn conflicts(
    db: &impl ConnectionTrait,
    owner: Option<i64>,
    aliases: &[String],
) -> Result<Vec<(usize, String)>> {
    if aliases.is_empty() {
        return Ok(Vec::new());
    }
    let keys = keys_of(aliases, alias_key);
    let mut held = holders(db, &keys).await?;
    held.retain(|_, term_id| Some(*term_id) != owner);
    let folded = keys_of(aliases, folded_words);
    let named = super::search::terms_named(db, &folded).await?;
    let mut found = Vec::new();
    for (i, alias) in aliases.iter().enumerate() {
        if held.contains_key(&keys[i]) {
            found.push((i, format!("the alias {alias:?} already names another term")));
        } else if named
            .get(&folded[i])
            .is_some_and(|ids| ids.iter().any(|id| Some(*id) != owner))
        {
            found.push((i, format!("{alias:?} is another term's name")));
        }
    }
    Ok(found)
}

/// The term that has `name` (in any case) as an alias. One SQL statement.
pub async fn owner_of(db: &impl ConnectionTrait, name: &str) -> Result<Option<i64>> {
    if !storable(name) {
        return Ok(None);
    }
    Ok(term_name_alias::Entity::find_by_id(alias_key(name))
        .one(db)
        .await?
        .map(|row| row.term_id))
}

/// Of `names`, those that a stored term has as an alias (in any case), as `(index in names, that
/// term's id)`. One SQL statement; none without names.
pub async fn held_as_aliases(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<Vec<(usize, i64)>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let keys = keys_of(names, alias_key);
    let held = holders(db, &keys).await?;
    Ok(keys
        .iter()
        .enumerate()
        .filter_map(|(i, key)| held.get(key).map(|id| (i, *id)))
        .collect())
}
