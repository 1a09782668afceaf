//! The one source of "now" for the data layer.

use chrono::{DateTime, SubsecRound, Utc};

/// The current UTC time truncated to microseconds, the precision PostgreSQL keeps, so that a value written
/// and read back compares equal on every engine (keyset cursors depend on it).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// `at` plus a standard duration (saturating at the far future), for expiries and retry times.
pub fn after(at: DateTime<Utc>, by: std::time::Duration) -> DateTime<Utc> {
    at + chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX)
}
