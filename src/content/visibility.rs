//! The one visibility rule for terms. Every path that reaches a term (by slug, by id, lists, related terms,
//! category pages, sections and FAQs reached by id) filters through [`Visibility::term_condition`], so a
//! draft can never leak through a relation; full-text search, whose statements are raw SQL, through
//! [`Visibility::sql_condition`], the same rule written out beside it.

use chrono::{DateTime, Utc};
use entity::{TermStatus, term};
use sea_orm::{ActiveEnum, ColumnTrait, Condition};

use super::sql_binds::Binds;

use crate::clock;

/// Who is reading, as far as term visibility goes.
#[derive(Clone, Copy, Debug)]
pub enum Visibility {
    /// Anonymous readers: published terms whose publication time has come.
    Public {
        /// The moment the rule is applied at.
        now: DateTime<Utc>,
    },
    /// Editors previewing: every term, in any status, scheduled or not.
    Everything,
}

impl Visibility {
    /// Anonymous readers, as of now.
    pub fn public() -> Self {
        Visibility::Public { now: clock::now() }
    }

    /// The condition on `term` columns that selects the visible terms.
    pub fn term_condition(&self) -> Condition {
        match self {
            Visibility::Public { now } => Condition::all()
                .add(term::Column::Status.eq(TermStatus::Published))
                .add(term::Column::PublishedAt.lte(*now)),
            Visibility::Everything => Condition::all(),
        }
    }

    /// The same rule as [`Visibility::term_condition`], as SQL text over `term` for the raw statements
    /// of full-text search (which no query builder writes), its values bound in `binds`.
    pub(crate) fn sql_condition(&self, binds: &mut Binds) -> String {
        match self {
            Visibility::Public { now } => format!(
                "term.status = {} AND term.published_at <= {}",
                binds.push(TermStatus::Published.to_value()),
                binds.push(*now)
            ),
            Visibility::Everything => "1 = 1".to_owned(),
        }
    }

    /// The same rule as [`Visibility::term_condition`], on a row already read.
    pub fn admits(&self, row: &term::Model) -> bool {
        match self {
            Visibility::Public { now } => {
                row.status == TermStatus::Published && row.published_at.is_some_and(|at| at <= *now)
            }
            Visibility::Everything => true,
        }
    }
}
