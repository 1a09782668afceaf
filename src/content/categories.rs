//! Categories: reading them and the categories of terms, and creating, renaming and deleting them (in the
//! caller's transaction; the editorial service owns it).

use entity::{category, term_category};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set, Statement,
};

use super::{
    pack::{NUL_REFUSED, SLUG_MAX, is_valid_slug},
    packed_rows,
    refusal::{Edit, Problem, ProblemCode},
    sql_binds::{Parents, id_in, text_in},
    statement_shapes::{self, Kind},
    visibility::Visibility,
};
use crate::{clock, error::Result};

/// Every category, by name. One SQL statement.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .order_by_asc(category::Column::Name)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?)
}

/// The categories among `ids`. One SQL statement.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(id_in(db.get_database_backend(), category::Column::Id, ids))
        .all(db)
        .await?)
}

/// The categories among `slugs`. One SQL statement (none when no slug is well-formed).
pub async fn by_slugs(db: &impl ConnectionTrait, slugs: &[String]) -> Result<Vec<category::Model>> {
    let slugs: Vec<String> = super::terms::possible_slugs(slugs).collect();
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(category::Entity::find()
        .filter(text_in(
            db.get_database_backend(),
            category::Column::Slug,
            &slugs,
        ))
        .all(db)
        .await?)
}

/// The categories of the given terms as `(term id, category)` pairs, by term id then category name. One SQL
/// statement, its rows read by position and in one piece from SQLite ([`packed_rows`]). The caller passes
/// ids of terms it already saw through the visibility rule.
pub async fn by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<Vec<(i64, category::Model)>> {
    let (statement, width) = list_statement(db.get_database_backend(), Parents::Ids(term_ids));
    decode_links(packed_rows::fetch(db, statement, width).await?)
}

/// The statement [`by_term_ids`] runs (before SQLite packs its rows), for terms by id or by slug, and
/// the number of values in its rows.
pub fn list_statement(backend: DbBackend, parents: Parents<'_>) -> (Statement, usize) {
    let kind = Kind::Categories;
    statement_shapes::for_parents(
        kind,
        backend,
        Visibility::Everything,
        parents,
        |_, parents| {
            let statement = term_category::Entity::find()
                .select_only()
                .column(term_category::Column::TermId)
                .columns(COLUMNS)
                .inner_join(category::Entity)
                .filter(parents.condition(backend, term_category::Column::TermId))
                .order_by_asc(term_category::Column::TermId)
                .order_by_asc(category::Column::Name)
                .order_by_asc(category::Column::Id)
                .build(backend);
            (statement, 1 + COLUMNS.len())
        },
    )
}

/// The `(term id, category)` pairs in the rows of [`list_statement`].
pub fn decode_links(rows: Vec<packed_rows::Row>) -> Result<Vec<(i64, category::Model)>> {
    packed_rows::decode_rows(rows, |mut row| -> Result<(i64, category::Model)> {
        Ok((
            row.take(0)?,
            category::Model {
                id: row.take(1)?,
                slug: row.take(2)?,
                name: row.take(3)?,
                description: row.take(4)?,
                created_at: row.take(5)?,
                updated_at: row.take(6)?,
            },
        ))
    })
}

/// A category's columns in the order [`by_term_ids`] decodes them, after the term's id.
const COLUMNS: [category::Column; 6] = [
    category::Column::Id,
    category::Column::Slug,
    category::Column::Name,
    category::Column::Description,
    category::Column::CreatedAt,
    category::Column::UpdatedAt,
];

/// Creates a category; refuses a bad or taken slug, or a bad name.
pub async fn create(
    db: &impl ConnectionTrait,
    slug: &str,
    name: &str,
    description: Option<String>,
) -> Edit<category::Model> {
    let problems = check(db, None, slug, name, description.as_deref()).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = clock::now();
    let row = category::Entity::insert(category::ActiveModel {
        id: NotSet,
        slug: Set(slug.to_owned()),
        name: Set(name.trim().to_owned()),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(db)
    .await?;
    Ok(Ok(row))
}

/// Changes a category's slug, name or description (`None` keeps a value; `Some(None)` clears the
/// description).
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    slug: Option<String>,
    name: Option<String>,
    description: Option<Option<String>>,
) -> Edit<category::Model> {
    let Some(row) = category::Entity::find_by_id(id).one(db).await? else {
        return Ok(Err(vec![Problem::new(
            "id",
            ProblemCode::NotFound,
            "no category has this ID",
        )]));
    };
    let slug = slug.unwrap_or_else(|| row.slug.clone());
    let name = name.unwrap_or_else(|| row.name.clone());
    let new_description = description.as_ref().and_then(|d| d.as_deref());
    let problems = check(db, Some(id), &slug, &name, new_description).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let mut active: category::ActiveModel = row.into();
    active.slug = Set(slug);
    active.name = Set(name.trim().to_owned());
    if let Some(description) = description {
        active.description = Set(description);
    }
    active.updated_at = Set(clock::now());
    Ok(Ok(active.update(db).await?))
}

/// Deletes a category; its terms stay, without it.
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Edit<()> {
    let deleted = category::Entity::delete_by_id(id).exec(db).await?;
    if deleted.rows_affected == 0 {
        return Ok(Err(vec![Problem::new(
            "id",
            ProblemCode::NotFound,
            "no category has this ID",
        )]));
    }
    Ok(Ok(()))
}

/// The longest category description.
pub const DESCRIPTION_MAX: usize = 2000;

async fn check(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    slug: &str,
    name: &str,
    description: Option<&str>,
) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    if !is_valid_slug(slug) {
        problems.push(Problem::new(
            "slug",
            ProblemCode::Invalid,
            format!("{slug:?} is not a valid slug: use 1–{SLUG_MAX} characters of a-z, 0-9 and single inner hyphens"),
        ));
    } else if let Some(other) = by_slugs(db, &[slug.to_owned()]).await?.into_iter().next()
        && Some(other.id) != id
    {
        problems.push(Problem::new(
            "slug",
            ProblemCode::Taken,
            format!("the slug {slug:?} belongs to another category"),
        ));
    }
    let length = name.trim().chars().count();
    if length == 0 || length > 200 {
        problems.push(Problem::new(
            "name",
            ProblemCode::Invalid,
            format!("a name has 1–200 characters, got {length}"),
        ));
    } else if name.contains('\0') {
        problems.push(Problem::new("name", ProblemCode::Invalid, NUL_REFUSED));
    }
    if let Some(description) = description {
        let length = description.chars().count();
        if length > DESCRIPTION_MAX {
            problems.push(Problem::new(
                "description",
                ProblemCode::Invalid,
                format!("a description has at most {DESCRIPTION_MAX} characters, got {length}"),
            ));
        } else if description.contains('\0') {
            problems.push(Problem::new(
                "description",
                ProblemCode::Invalid,
                NUL_REFUSED,
            ));
        }
    }
    Ok(problems)
}
