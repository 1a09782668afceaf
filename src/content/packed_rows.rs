//! A read statement's rows, taken from SQLite in one piece.
//!
//! sqlx runs each SQLite connection on a thread of its own and sends every row to the async side through a
//! channel: a wake-up of the reading task, and often of a parked tokio worker, per row, plus a `malloc`'d
//! copy of every value. A 50-term list page reads about 500 rows (the terms, their related terms, their
//! FAQ questions), and with one connection a third of its CPU was in the kernel, waking threads. On
//! SQLite, [`fetch`] therefore has the statement's rows packed into one JSON array of arrays inside
//! SQLite (`json_group_array(json_array(...))` over the statement as a common table expression) and
//! parses that one value here: one row crosses the thread, whatever the number of rows. On PostgreSQL,
//! rows arrive over the socket in the task that reads them, and [`fetch`] hands them on as the driver
//! decoded them.
//!
//! Either way, a caller reads a row's values by position through [`Row::take`], with the same types; a
//! test compares both paths value for value.

use std::fmt::Write;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, QueryResult, Statement,
    sqlx::{self, Decode, Postgres, Sqlite, Type},
};

/// One value of a packed row, as SQLite's JSON writes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    #[default]
    Null,
    /// An INTEGER.
    Integer(i64),
    /// A REAL.
    Real(f64),
    /// A TEXT.
    Text(String),
}

/// A type a row's value is read as: decodable from both engines' rows and from a packed [`Cell`].
pub trait Value:
    Sized + for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
    /// The value a packed cell holds, or why it holds none of this type.
    fn from_cell(cell: Cell) -> Result<Self, String>;
}

impl Value for i64 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Integer(value) => Ok(value),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}

impl Value for i32 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        let value = i64::from_cell(cell)?;
        i32::try_from(value).map_err(|_| format!("{value} is out of range for a 32-bit integer"))
    }
}

impl Value for String {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Text(value) => Ok(value),
            other => Err(format!("expected a text, found {other:?}")),
        }
    }
}

impl Value for DateTime<Utc> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => datetime_from_text(&text)
                .map(|at| at.with_timezone(&Utc))
                .ok_or_else(|| format!("{text:?} is not a date and time")),
            Cell::Integer(seconds) => Utc
                .timestamp_opt(seconds, 0)
                .single()
                .ok_or_else(|| format!("{seconds} is out of range for a timestamp")),
            other => Err(format!("expected a date and time, found {other:?}")),
        }
    }
}

impl<T: Value> Value for Option<T> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            cell => T::from_cell(cell).map(Some),
        }
    }
}

/// A date and time stored as text, read as sqlx's SQLite driver reads it: RFC 3339 (what sqlx writes),
/// then the forms SQLite's date functions write and accept.
fn datetime_from_text(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at);
    }
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(text, format).ok().or_else(|| {
            NaiveDateTime::parse_from_str(text, format)
                .ok()
                .map(|at| at.and_utc().fixed_offset())
        })
    })
}

/// One row of a statement [`fetch`] ran.
#[derive(Debug)]
pub enum Row {
    /// As the driver decoded it (PostgreSQL).
    Driver(QueryResult),
    /// Unpacked from SQLite's JSON: one cell per selected value.
    Packed(Vec<Cell>),
}

impl Row {
    /// The value at position `at`, as `T`. A packed value is moved out: read each position once.
    pub fn take<T: Value>(&mut self, at: usize) -> Result<T, DbErr> {
        match self {
            Row::Packed(cells) => {
                let cell = cells.get_mut(at).map(std::mem::take).ok_or_else(|| {
                    DbErr::Type(format!("no value at position {at} of a packed row"))
                })?;
                T::from_cell(cell).map_err(|e| DbErr::Type(format!("position {at}: {e}")))
            }
            Row::Driver(row) => driver_get(row, at),
        }
    }

    /// Whether the value at position `at` is NULL (a LEFT JOIN's missing side), read as an integer.
    pub fn is_null(&self, at: usize) -> Result<bool, DbErr> {
        match self {
            Row::Packed(cells) => Ok(matches!(cells.get(at), Some(Cell::Null))),
            Row::Driver(row) => Ok(driver_get::<Option<i64>>(row, at)?.is_none()),
        }
    }
}

/// The value at `at` of a row as the driver decoded it, from either engine.
fn driver_get<T: Value>(row: &QueryResult, at: usize) -> Result<T, DbErr> {
    if let Some(row) = row.try_as_sqlite_row() {
        driver_value(row, at)
    } else if let Some(row) = row.try_as_pg_row() {
        driver_value(row, at)
    } else {
        Err(DbErr::Type(
            "rows are read from SQLite or PostgreSQL only".into(),
        ))
    }
}

/// The value at `at` of a driver's row, with the column's name in the error.
fn driver_value<'r, R, T>(row: &'r R, at: usize) -> Result<T, DbErr>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(at).map_err(|e| {
        DbErr::Type(format!(
            "column {} (position {at}): {e}",
            row.columns().get(at).map_or("?", |c| sqlx::Column::name(c))
        ))
    })
}

/// Runs a read `statement` that selects `width` values per row, and returns its rows in order: on
/// SQLite packed into one value and unpacked here, elsewhere as the driver gives them. One SQL statement.
pub async fn fetch(
    db: &impl ConnectionTrait,
    statement: Statement,
    width: usize,
) -> Result<Vec<Row>, DbErr> {
    if statement.db_backend != DbBackend::Sqlite {
        return Ok(db
            .query_all_raw(statement)
            .await?
            .into_iter()
            .map(Row::Driver)
            .collect());
    }
    let packed = Statement {
        sql: packed_sql(&statement.sql, width),
        ..statement
    };
    let Some(row) = db.query_one_raw(packed).await? else {
        return Ok(Vec::new());
    };
    let Some(row) = row.try_as_sqlite_row() else {
        return Err(DbErr::Type("a packed row comes from SQLite".into()));
    };
    let count: i64 = driver_value(row, 0)?;
    let json: &str = driver_value(row, 1)?;
    unpack(json, width, usize::try_from(count).unwrap_or(0))
}

/// Runs read `statements` (each with the number of values its rows select) together and returns each
/// one's rows, in the order given.
///
/// On SQLite they become one statement: each packed as [`fetch`] packs it, side by side in one row
/// (`SELECT * FROM (…) AS "s0", (…) AS "s1", …`), so one trip to a connection's thread reads them all,
/// from one snapshot (a single statement is run as [`fetch`] runs it). Should it fail, every statement
/// gets its error. Elsewhere they run concurrently,
/// each on a connection of the pool, and each gets its own outcome.
pub async fn fetch_together(
    db: &impl ConnectionTrait,
    statements: Vec<(Statement, usize)>,
) -> Vec<Result<Vec<Row>, DbErr>> {
    match statements.first() {
        None => return Vec::new(),
        Some((first, _)) if first.db_backend == DbBackend::Sqlite => {}
        Some(_) => {
            return futures_util::future::join_all(
                statements
                    .into_iter()
                    .map(|(statement, width)| fetch(db, statement, width)),
            )
            .await;
        }
    }
    let count = statements.len();
    if count == 1 {
        let Some((statement, width)) = statements.into_iter().next() else {
            return Vec::new();
        };
        return vec![fetch(db, statement, width).await];
    }
    let widths: Vec<usize> = statements.iter().map(|(_, width)| *width).collect();
    let (sql, values) = together_sql(statements);
    let statement = Statement::from_sql_and_values(DbBackend::Sqlite, sql, values);
    match db
        .query_one_raw(statement)
        .await
        .and_then(|row| unpack_together(row, &widths))
    {
        Ok(rows) => rows.into_iter().map(Ok).collect(),
        Err(error) => {
            let message = error.to_string();
            std::iter::once(Err(error))
                .chain((1..count).map(|_| Err(DbErr::Custom(message.clone()))))
                .collect()
        }
    }
}

/// The SQL text and values of [`fetch_together`]'s one SQLite statement: each statement packed, as a
/// subquery of one row (its number of rows, then its rows), joined side by side; the values in the
/// order of the text, as SQLite numbers its `?`s.
fn together_sql(statements: Vec<(Statement, usize)>) -> (String, Vec<sea_orm::Value>) {
    let mut sql = String::from("SELECT * FROM ");
    let mut values = Vec::new();
    for (at, (statement, width)) in statements.into_iter().enumerate() {
        if at > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&packed_sql(&statement.sql, width));
        // Writing to a `String` cannot fail.
        let _ = write!(sql, ") AS \"s{at}\"");
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    (sql, values)
}

/// The rows of each statement from [`fetch_together`]'s one row: a count and a packed array for each.
fn unpack_together(
    row: Option<sea_orm::QueryResult>,
    widths: &[usize],
) -> Result<Vec<Vec<Row>>, DbErr> {
    let row = row.ok_or_else(|| DbErr::Type("packed statements return one row".into()))?;
    let row = row
        .try_as_sqlite_row()
        .ok_or_else(|| DbErr::Type("a packed row comes from SQLite".into()))?;
    widths
        .iter()
        .enumerate()
        .map(|(at, &width)| {
            let count: i64 = driver_value(row, 2 * at)?;
            let json: &str = driver_value(row, 2 * at + 1)?;
            unpack(json, width, usize::try_from(count).unwrap_or(0))
        })
        .collect()
}

/// Each of `rows` decoded by `decode`, into a vector made for all of them at once. Collecting `Result`s
/// through an iterator reserves nothing up front, so a list page's decoded rows (a term is a few hundred
/// bytes) were copied again at each doubling of the vector (docs/performance.md).
pub fn decode_rows<T, E>(
    rows: Vec<Row>,
    mut decode: impl FnMut(Row) -> Result<T, E>,
) -> Result<Vec<T>, E> {
    decode_some_rows(rows, |row| decode(row).map(Some))
}

/// [`decode_rows`] for rows that `decode` may leave out (`None`), as a visibility rule hides them. The
/// vector is made for all of the rows.
pub fn decode_some_rows<T, E>(
    rows: Vec<Row>,
    mut decode: impl FnMut(Row) -> Result<Option<T>, E>,
) -> Result<Vec<T>, E> {
    let mut decoded = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(value) = decode(row)? {
            decoded.push(value);
        }
    }
    Ok(decoded)
}

/// `sql` with its rows packed into one JSON array of `width`-value arrays, after their number. The
/// statement becomes a common table expression whose columns are renamed by position, so its own select
/// list is left as it is.
/// SQLite runs a CTE with an `ORDER BY` under an aggregate as a co-routine (it cannot flatten it into
/// the aggregate), so the rows reach `json_group_array` in the statement's order; a test holds that.
fn packed_sql(sql: &str, width: usize) -> String {
    let names = column_names(width);
    let mut packed = String::with_capacity(sql.len() + 2 * names.len() + 96);
    for piece in [
        "WITH \"packed_rows\"(",
        &names,
        ") AS (",
        sql,
        ") SELECT count(*), json_group_array(json_array(",
        &names,
        ")) FROM \"packed_rows\"",
    ] {
        packed.push_str(piece);
    }
    packed
}

/// Widths of packed rows whose column names are written once for all statements.
const NAMED_WIDTHS: usize = 64;

/// The names of `width` packed columns, joined: `"c0", "c1", …`. Written once per width (a batch of term
/// pages packed five statements, whose names were a fifth of the cost of writing their texts).
fn column_names(width: usize) -> std::borrow::Cow<'static, str> {
    fn joined(width: usize) -> String {
        let names: Vec<String> = (0..width).map(|at| format!("\"c{at}\"")).collect();
        names.join(", ")
    }
    static JOINED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    match JOINED
        .get_or_init(|| (0..NAMED_WIDTHS).map(joined).collect())
        .get(width)
    {
        Some(names) => std::borrow::Cow::Borrowed(names),
        None => std::borrow::Cow::Owned(joined(width)),
    }
}

/// The rows of a packed JSON array, each checked to hold `width` values. They are read straight into
/// [`Row`]s, each row's cells into a vector of its exact size, in a vector made for `count` rows (their
/// number as SQLite counted them; only a hint, bounded by what the text can hold).
///
/// The text is what `json_group_array(json_array(...))` writes: arrays of NULLs, numbers and strings. It
/// is read here by a reader made for that one shape rather than through serde's visitors, which took
/// about a tenth of a 50-term list page's instructions (docs/performance.md, "Packed rows read without
/// serde's visitors"); a string with an escape in it is handed to serde_json whole, so JSON's escapes
/// are read by the crate that knows them.
fn unpack(json: &str, width: usize, count: usize) -> Result<Vec<Row>, DbErr> {
    // A row takes two bytes at least (`[]`).
    let count = count.min(json.len() / 2);
    let mut reader = PackedReader { json, at: 0 };
    reader
        .rows(width, count)
        .map_err(|e| DbErr::Type(format!("packed rows are not readable: {e}")))
}

/// A position in a packed JSON text, read forward.
struct PackedReader<'a> {
    json: &'a str,
    at: usize,
}

impl PackedReader<'_> {
    /// The whole text: one array of rows of `width` cells, and nothing after it but white space.
    fn rows(&mut self, width: usize, count: usize) -> Result<Vec<Row>, String> {
        self.expect(b'[', || "an array of rows".into())?;
        let mut rows = Vec::with_capacity(count);
        if !self.close(b']') {
            loop {
                rows.push(Row::Packed(self.row(width)?));
                if self.close(b']') {
                    break;
                }
                self.expect(b',', || "`,` or `]` after a row".into())?;
            }
        }
        self.skip_space();
        if self.at < self.json.len() {
            return Err(self.error("trailing characters"));
        }
        Ok(rows)
    }

    /// One row: an array of exactly `width` cells.
    fn row(&mut self, width: usize) -> Result<Vec<Cell>, String> {
        self.expect(b'[', || format!("a row of {width} values"))?;
        let mut cells = Vec::with_capacity(width);
        if !self.close(b']') {
            loop {
                if cells.len() == width {
                    return Err(self.error(&format!("a packed row holds more than {width} values")));
                }
                cells.push(self.cell()?);
                if self.close(b']') {
                    break;
                }
                self.expect(b',', || "`,` or `]` after a value".into())?;
            }
        }
        if cells.len() != width {
            return Err(self.error(&format!(
                "a packed row holds {} values, not {width}",
                cells.len()
            )));
        }
        Ok(cells)
    }

    /// One value: `null`, a number or a string.
    fn cell(&mut self) -> Result<Cell, String> {
        self.skip_space();
        match self.json.as_bytes().get(self.at) {
            Some(b'"') => self.text().map(Cell::Text),
            Some(b'n') if self.json[self.at..].starts_with("null") => {
                self.at += 4;
                Ok(Cell::Null)
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("a number, a string or null")),
            None => Err(self.error("a number, a string or null, not EOF")),
        }
    }

    /// A JSON number: an integer when it has neither a fraction nor an exponent, else a real. An integer of
    /// up to 18 digits is added up as it is scanned; a longer one, which may not fit, is parsed from text.
    fn number(&mut self) -> Result<Cell, String> {
        let start = self.at;
        let bytes = self.json.as_bytes();
        let negative = bytes[start] == b'-';
        self.at += usize::from(negative);
        let digits = self.at;
        let mut magnitude: u64 = 0;
        while let Some(&digit @ b'0'..=b'9') = bytes.get(self.at) {
            magnitude = magnitude
                .wrapping_mul(10)
                .wrapping_add(u64::from(digit - b'0'));
            self.at += 1;
        }
        if matches!(bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
            while let Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') = bytes.get(self.at) {
                self.at += 1;
            }
            let text = &self.json[start..self.at];
            return text
                .parse()
                .map(Cell::Real)
                .map_err(|_| self.error(&format!("{text} is not a number")));
        }
        let text = &self.json[start..self.at];
        match self.at - digits {
            1..=18 => {
                // Below 10^18, so within `i64` either way.
                let value = magnitude as i64;
                Ok(Cell::Integer(if negative { -value } else { value }))
            }
            _ => text
                .parse()
                .map(Cell::Integer)
                .map_err(|_| self.error(&format!("{text} is not an integer in SQLite's range"))),
        }
    }

    /// A JSON string, at its opening quote. Without a backslash it is copied as it stands; with one, the
    /// whole string is read by serde_json.
    fn text(&mut self) -> Result<String, String> {
        let start = self.at;
        let bytes = self.json.as_bytes();
        let mut at = start + 1;
        let mut escaped = false;
        loop {
            let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[at..]) else {
                return Err(self.error("the end of a string, not EOF"));
            };
            at += found;
            if bytes[at] == b'"' {
                break;
            }
            // A backslash and the character it escapes (`\"` included); `\u` digits hold no quote.
            escaped = true;
            at += 2;
            if at > bytes.len() {
                return Err(self.error("the end of a string, not EOF"));
            }
        }
        self.at = at + 1;
        if escaped {
            serde_json::from_str(&self.json[start..self.at])
                .map_err(|e| format!("a string at byte {start}: {e}"))
        } else {
            Ok(self.json[start + 1..at].to_owned())
        }
    }

    /// Whether `byte` is next (after white space), taking it if so.
    #[inline]
    fn close(&mut self, byte: u8) -> bool {
        self.skip_space();
        let next = self.json.as_bytes().get(self.at) == Some(&byte);
        if next {
            self.at += 1;
        }
        next
    }

    /// Takes `byte` (after white space), or fails expecting what `what` says.
    #[inline]
    fn expect(&mut self, byte: u8, what: impl FnOnce() -> String) -> Result<(), String> {
        if self.close(byte) {
            Ok(())
        } else if self.at == self.json.len() {
            Err(self.error(&format!("{}, not EOF", what())))
        } else {
            Err(self.error(&what()))
        }
    }

    #[inline]
    fn skip_space(&mut self) {
        let bytes = self.json.as_bytes();
        while matches!(bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// What was expected, and where.
    fn error(&self, expected: &str) -> String {
        format!("expected {expected} at byte {}", self.at)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};

    use super::*;

    #[test]
    fn a_packed_statement_names_its_columns_by_position() {
        for width in [
            0,
            1,
            2,
            21,
            NAMED_WIDTHS - 1,
            NAMED_WIDTHS,
            NAMED_WIDTHS + 3,
        ] {
            let names: Vec<String> = (0..width).map(|at| format!("\"c{at}\"")).collect();
            let names = names.join(", ");
            assert_eq!(
                packed_sql("SELECT 1", width),
                format!(
                    "WITH \"packed_rows\"({names}) AS (SELECT 1) SELECT count(*), \
                     json_group_array(json_array({names})) FROM \"packed_rows\""
                )
            );
        }
    }

    /// Every kind of value SQLite stores as text, integer, real or NULL, in a table whose rows are read
    /// in an order that is not their insertion order, through the packed path and the driver's.
    #[tokio::test]
    async fn packed_rows_read_as_the_driver_reads_them() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, rank INTEGER NOT NULL, label TEXT, at TEXT, \
             n INTEGER)",
        )
        .await
        .unwrap();
        let hostile = "quote \" backslash \\ tab \t newline \n nul-free \u{1} \u{2028} \u{1F600} é";
        // id, rank, label, at, n
        type Stored<'a> = (i64, i64, Option<&'a str>, Option<&'a str>, Option<i64>);
        let rows: [Stored; 5] = [
            (
                1,
                30,
                Some(hostile),
                Some("2025-03-04T05:06:07.123456+00:00"),
                Some(i64::MAX),
            ),
            (2, 10, None, Some("2025-03-04 05:06:07"), Some(i64::MIN)),
            (3, 20, Some(""), Some("2025-03-04T05:06:07.5+02:00"), None),
            (
                4,
                50,
                Some("[1,\"json-looking\"]"),
                Some("2025-03-04 05:06"),
                Some(0),
            ),
            (5, 40, Some("plain"), None, Some(-7)),
        ];
        for (id, rank, label, at, n) in rows {
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                [id.into(), rank.into(), label.into(), at.into(), n.into()],
            ))
            .await
            .unwrap();
        }
        let select = |limit: i64| {
            Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT id, label, at, n FROM t WHERE rank > ? ORDER BY rank DESC LIMIT ?",
                [0i64.into(), limit.into()],
            )
        };
        type Read = (i64, Option<String>, Option<DateTime<Utc>>, Option<i64>);
        let read = |mut row: Row| -> Read {
            (
                row.take(0).unwrap(),
                row.take(1).unwrap(),
                row.take(2).unwrap(),
                row.take(3).unwrap(),
            )
        };
        let packed: Vec<Read> = fetch(&db, select(5), 4)
            .await
            .unwrap()
            .into_iter()
            .map(|row| {
                assert!(matches!(row, Row::Packed(_)));
                read(row)
            })
            .collect();
        let driver: Vec<Read> = db
            .query_all_raw(select(5))
            .await
            .unwrap()
            .into_iter()
            .map(|row| read(Row::Driver(row)))
            .collect();
        assert_eq!(packed, driver);
        assert_eq!(
            packed.iter().map(|r| r.0).collect::<Vec<_>>(),
            [4, 5, 1, 3, 2],
            "the statement's order"
        );
        assert_eq!(
            fetch(&db, select(2), 4).await.unwrap().len(),
            2,
            "its limit"
        );
        assert_eq!(packed[2].1.as_deref(), Some(hostile));
        assert_eq!(packed[0].1.as_deref(), Some("[1,\"json-looking\"]"));
        assert_eq!(
            packed[2].2.unwrap().to_rfc3339(),
            "2025-03-04T05:06:07.123456+00:00"
        );
        assert_eq!(packed[2].3, Some(i64::MAX));
        assert_eq!(packed[4].3, Some(i64::MIN));

        // No rows: an empty list, not an error.
        assert!(fetch(&db, select(0), 4).await.unwrap().is_empty());
        // A NULL is seen as one, and a value of the wrong type is an error naming its position.
        let mut rows = fetch(&db, select(4), 4).await.unwrap();
        assert!(rows[1].is_null(2).unwrap());
        assert!(!rows[1].is_null(0).unwrap());
        let wrong = rows[0].take::<i64>(1).unwrap_err().to_string();
        assert!(wrong.contains("position 1"), "{wrong}");
        // A row narrower than announced is refused rather than read short.
        assert!(fetch(&db, select(4), 5).await.is_err());

        // Statements read together come back each as it reads alone, in the order given, each with
        // its own values (SQLite numbers the `?`s of the one statement in the order of its text).
        let labels = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT label FROM t WHERE id IN (?, ?) ORDER BY id",
            [5i64.into(), 2i64.into()],
        );
        let together = fetch_together(
            &db,
            vec![(select(5), 4), (labels, 1), (select(0), 4), (select(2), 4)],
        )
        .await;
        let together: Vec<Vec<Row>> = together.into_iter().map(Result::unwrap).collect();
        assert_eq!(together.len(), 4);
        let mut together = together.into_iter();
        let first: Vec<Read> = together.next().unwrap().into_iter().map(read).collect();
        assert_eq!(first, driver, "the first statement, whole and in order");
        assert_eq!(
            cells(together.next().unwrap()),
            [vec![Cell::Null], vec![Cell::Text("plain".into())]],
            "the second's own values"
        );
        assert!(together.next().unwrap().is_empty(), "no rows");
        assert_eq!(
            together
                .next()
                .unwrap()
                .into_iter()
                .map(|row| read(row).0)
                .collect::<Vec<_>>(),
            [4, 5]
        );
        assert!(fetch_together(&db, Vec::new()).await.is_empty());
        // One statement that cannot run fails them all, each with the error.
        let broken = Statement::from_string(DbBackend::Sqlite, "SELECT gone FROM no_such_table");
        let failed = fetch_together(&db, vec![(select(5), 4), (broken, 1)]).await;
        assert_eq!(failed.len(), 2);
        for outcome in failed {
            let error = outcome.unwrap_err().to_string();
            assert!(error.contains("no_such_table"), "{error}");
        }
    }

    /// The cells of unpacked rows, each row's in order.
    fn cells(rows: Vec<Row>) -> Vec<Vec<Cell>> {
        rows.into_iter()
            .map(|row| match row {
                Row::Packed(cells) => cells,
                Row::Driver(_) => panic!("a packed row"),
            })
            .collect()
    }

    #[test]
    fn packed_text_of_another_shape_is_refused() {
        assert!(unpack("[]", 2, 0).unwrap().is_empty());
        // The count is a hint: a wrong one reserves no more than the text can hold, and reads the same.
        for count in [0, 1, usize::MAX] {
            let rows = unpack("[[1,2]]", 2, count).unwrap();
            assert_eq!(rows.len(), 1);
            assert!(rows.capacity() <= 4, "{count}: {}", rows.capacity());
        }
        assert_eq!(
            cells(unpack(r#"[[1,"a\"b"],[null,2.5]]"#, 2, 2).unwrap()),
            [
                vec![Cell::Integer(1), Cell::Text("a\"b".into())],
                vec![Cell::Null, Cell::Real(2.5)]
            ]
        );
        for (bad, why) in [
            ("[[1]]", "holds 1 values, not 2"),
            ("[[1,2,3]]", "more than 2 values"),
            ("[1]", "a row of 2 values"),
            (r#"{"a":1}"#, "an array of rows"),
            ("[[1,2]] [[3,4]]", "trailing characters"),
            ("[[1,[2]]]", "a number, a string or null"),
            ("[[1,2]", "EOF"),
            (r#"[[1,"ab]]"#, "the end of a string, not EOF"),
            (r#"[[1,"ab\"#, "the end of a string, not EOF"),
            (r#"[[1,"a\qb"]]"#, "a string at byte 4"),
            ("[[1,nul]]", "a number, a string or null at byte 4"),
            ("[[1,true]]", "a number, a string or null"),
            (
                "[[9223372036854775808,1]]",
                "not an integer in SQLite's range",
            ),
            ("[[1-2,1]]", "`,` or `]` after a value at byte 3"),
            ("[[-,1]]", "- is not an integer"),
            ("[[1.2.3,1]]", "not a number"),
            ("[[1 2]]", "`,` or `]` after a value at byte 4"),
            ("[[1,2]x", "`,` or `]` after a row"),
        ] {
            let error = unpack(bad, 2, 1).unwrap_err().to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    /// What the reader accepts beyond SQLite's own output: JSON's white space, every number form and every
    /// escape, read as serde_json reads them.
    #[test]
    fn packed_text_is_read_as_json() {
        let text = r#" [ [ -0 , 1.5e3 , "" , "plain é 😀" ] ,
            [9223372036854775807,-9223372036854775808,"a\"b\\c\/d\b\f\n\r\t","\u00e9\ud83d\ude00\u2028"],
            [ null,-2.5E-1,"tail\u0001",1e2 ] ] "#;
        assert_eq!(
            cells(unpack(text, 4, 3).unwrap()),
            [
                vec![
                    Cell::Integer(0),
                    Cell::Real(1500.0),
                    Cell::Text(String::new()),
                    Cell::Text("plain é 😀".into())
                ],
                vec![
                    Cell::Integer(i64::MAX),
                    Cell::Integer(i64::MIN),
                    Cell::Text("a\"b\\c/d\u{8}\u{c}\n\r\t".into()),
                    Cell::Text("é😀\u{2028}".into())
                ],
                vec![
                    Cell::Null,
                    Cell::Real(-0.25),
                    Cell::Text("tail\u{1}".into()),
                    Cell::Real(100.0)
                ],
            ]
        );
        assert!(unpack(" [ ] ", 4, 0).unwrap().is_empty());
    }

    #[test]
    fn stored_date_forms_are_read_as_sqlx_reads_them() {
        let expected = Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 0).unwrap();
        for text in [
            "2025-03-04T05:06:00+00:00",
            "2025-03-04 05:06:00",
            "2025-03-04 05:06",
            "2025-03-04 05:06Z",
            "2025-03-04T05:06",
            "2025-03-04T07:06:00.000+02:00",
        ] {
            assert_eq!(
                DateTime::<Utc>::from_cell(Cell::Text(text.into())),
                Ok(expected),
                "{text}"
            );
        }
        assert!(DateTime::<Utc>::from_cell(Cell::Text("yesterday".into())).is_err());
        assert_eq!(
            DateTime::<Utc>::from_cell(Cell::Integer(expected.timestamp())),
            Ok(expected)
        );
        assert_eq!(i32::from_cell(Cell::Integer(1 << 40)).ok(), None);
    }
}
