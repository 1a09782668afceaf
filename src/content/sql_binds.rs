//! Bind parameters for the raw statements of the content layer (full-text search has no query
//! builder): each value is added as its placeholder is written, so placeholders and values stay in
//! the same order on both engines (`?` on SQLite binds by position, `$n` on PostgreSQL by number).

use sea_orm::{DbBackend, Statement, Value};

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
    use super::*;

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
