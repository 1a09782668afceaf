//! Bind parameters for the raw statements of the content layer (full-text search has no query
//! builder): each value is added as its placeholder is written, so placeholders and values stay in
//! the same order on both engines (`?` on SQLite binds by position, `$n` on PostgreSQL by number).
//! Also the conditions that bind a whole list as one value ([`id_in`], [`text_in`]).

use std::fmt::Write;

use sea_orm::{ColumnTrait, DbBackend, Statement, Value, sea_query::Expr};

/// `column` is one of `ids`, the ids bound as one value, so that the statement's text is the same
/// whatever their number: one prepared statement serves every batch of a DataLoader, where an
/// `IN (…)` list is a new statement, parsed and planned again, for each length (and, on SQLite, a
/// miss in the connection's statement cache). `= ANY(CAST(? AS int8[]))` with an array literal on
/// PostgreSQL, `IN (SELECT value FROM json_each(?))` with a JSON array on SQLite; both use the
/// column's index.
pub fn id_in<C: ColumnTrait>(backend: DbBackend, column: C, ids: &[i64]) -> Expr {
    let mut list = String::with_capacity(ids.len() * 6 + 2);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        // Writing to a `String` cannot fail.
        let _ = write!(list, "{id}");
    }
    let column = Expr::col(column.as_column_ref());
    match backend {
        DbBackend::Postgres => Expr::cust_with_exprs(
            "$1 = ANY(CAST($2 AS int8[]))",
            [column, Expr::val(format!("{{{list}}}"))],
        ),
        _ => Expr::cust_with_exprs(
            "? IN (SELECT value FROM json_each(?))",
            [column, Expr::val(format!("[{list}]"))],
        ),
    }
}

/// The terms whose lists a statement reads: given by id, or by current slug, so that a term page's lists
/// are read in the same round as the term itself ([`super::term_pages`]).
#[derive(Clone, Copy, Debug)]
pub enum Parents<'a> {
    /// Terms by id.
    Ids(&'a [i64]),
    /// Terms by current slug (old slugs are not followed).
    Slugs(&'a [String]),
}

impl Parents<'_> {
    /// `column`, a term id, is one of these terms'. By id, [`id_in`]; by slug, the ids of the terms with
    /// one of the slugs (bound as one JSON array, like [`text_in`]), from the unique slug index. The
    /// visibility rule is not applied here: the caller reads the terms themselves through it and keeps
    /// the rows of the terms it found.
    pub fn condition<C: ColumnTrait>(self, backend: DbBackend, column: C) -> Expr {
        let slugs = match self {
            Parents::Ids(ids) => return id_in(backend, column, ids),
            Parents::Slugs(slugs) => slugs,
        };
        let json = serde_json::to_string(slugs).unwrap_or_else(|_| "[]".to_owned());
        let column = Expr::col(column.as_column_ref());
        match backend {
            DbBackend::Postgres => Expr::cust_with_exprs(
                r#"$1 IN (SELECT "parent"."id" FROM "term" AS "parent" WHERE "parent"."slug" = ANY(ARRAY(SELECT json_array_elements_text(CAST($2 AS json)))))"#,
                [column, Expr::val(json)],
            ),
            _ => Expr::cust_with_exprs(
                r#"? IN (SELECT "parent"."id" FROM "term" AS "parent" WHERE "parent"."slug" IN (SELECT value FROM json_each(?)))"#,
                [column, Expr::val(json)],
            ),
        }
    }
}

/// `column` is one of `values`, bound as one JSON array: the text counterpart of [`id_in`].
pub fn text_in<C: ColumnTrait>(backend: DbBackend, column: C, values: &[String]) -> Expr {
    let json = serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned());
    let column = Expr::col(column.as_column_ref());
    match backend {
        DbBackend::Postgres => Expr::cust_with_exprs(
            "$1 = ANY(ARRAY(SELECT json_array_elements_text(CAST($2 AS json))))",
            [column, Expr::val(json)],
        ),
        _ => Expr::cust_with_exprs(
            "? IN (SELECT value FROM json_each(?))",
            [column, Expr::val(json)],
        ),
    }
}

/// The values of one statement being written.
pub struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binds {
    /// No values yet, for a statement on `backend`.
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    /// Adds a value; returns the placeholder to write where it goes.
    pub fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// The statement: `sql` with these values.
    pub fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

#[cfg(test)]
mod tests {
    use entity::term;
    use sea_orm::{EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    /// The SQL text and the values of a `term` select filtered by `condition`.
    fn select(backend: DbBackend, condition: Expr) -> (String, Vec<Value>) {
        let statement = term::Entity::find().filter(condition).build(backend);
        (
            statement.sql,
            statement.values.map(|v| v.0).unwrap_or_default(),
        )
    }

    #[test]
    fn a_list_is_one_value_and_the_text_never_changes() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let (one, one_values) = select(backend, id_in(backend, term::Column::Id, &[7]));
            let (three, three_values) =
                select(backend, id_in(backend, term::Column::Id, &[1, -2, 3]));
            let (none, _) = select(backend, id_in(backend, term::Column::Id, &[]));
            assert_eq!(one, three, "{backend:?}");
            assert_eq!(one, none, "{backend:?}");
            assert_eq!((one_values.len(), three_values.len()), (1, 1));
            let expected = match backend {
                DbBackend::Postgres => "{1,-2,3}",
                _ => "[1,-2,3]",
            };
            assert_eq!(three_values[0], Value::from(expected));

            let hostile = vec!["a\"b".to_owned(), "c',d".to_owned()];
            let (text, values) = select(backend, text_in(backend, term::Column::Slug, &hostile));
            let (other, _) = select(
                backend,
                text_in(backend, term::Column::Slug, &["x".to_owned()]),
            );
            assert_eq!(text, other);
            assert_eq!(values[0], Value::from(r#"["a\"b","c',d"]"#));
        }
    }

    #[test]
    fn placeholders_follow_the_engine() {
        let mut sqlite = Binds::new(DbBackend::Sqlite);
        assert_eq!((sqlite.push(1), sqlite.push("a")), ("?".into(), "?".into()));
        let mut postgres = Binds::new(DbBackend::Postgres);
        assert_eq!(
            (postgres.push(1), postgres.push("a")),
            ("$1".into(), "$2".into())
        );
        assert_eq!(
            postgres
                .statement("SELECT $1, $2".into())
                .values
                .unwrap()
                .0
                .len(),
            2
        );
    }
}
