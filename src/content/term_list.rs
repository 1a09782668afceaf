//! Listing terms: filters, orderings and keyset pagination in both directions.
//!
//! Pages are cut by keyset (`WHERE (sort_value, id) > (…)`), not by offset, so a page stays correct while
//! terms are added or removed and costs the same deep in the list as at its start.

use chrono::{DateTime, Utc};
use entity::{TermStatus, category, term, term_category};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, LikeExpr, Query},
};

use super::{
    term_columns::{self, ColumnSet},
    visibility::Visibility,
};
use crate::{
    error::{Error, Result},
    paging,
};

/// The longest text `nameContains` may search for.
pub const NAME_CONTAINS_MAX: usize = 200;

/// Which terms a list holds, beyond visibility. Every set field narrows the list.
#[derive(Clone, Debug, Default)]
pub struct TermFilter {
    /// A–Z index letter (`A`…`Z` or `#`).
    pub initial: Option<String>,
    /// Only terms in the category with this slug.
    pub category_slug: Option<String>,
    /// Only terms in the category with this id.
    pub category_id: Option<i64>,
    /// Only terms whose name contains this text, ignoring case.
    pub name_contains: Option<String>,
    /// Only terms in one of these statuses (on top of visibility).
    pub statuses: Option<Vec<TermStatus>>,
}

impl TermFilter {
    /// A filter from what a client asked for, checked: `letter` is `A`–`Z` (either case) or `#`;
    /// `name_contains` is at most 200 characters and has no NUL (empty means no filter). Refusals name the
    /// input field at fault.
    pub fn checked(
        letter: Option<&str>,
        category_slug: Option<String>,
        name_contains: Option<String>,
        statuses: Option<Vec<TermStatus>>,
    ) -> Result<Self, Error> {
        let initial = match letter {
            None => None,
            Some(letter) => {
                let upper = letter.to_ascii_uppercase();
                let valid =
                    upper == "#" || (upper.len() == 1 && upper.as_bytes()[0].is_ascii_uppercase());
                if !valid {
                    return Err(Error::bad_input(
                        "filter.letter",
                        format!("letter must be one of A–Z or #, got {letter:?}"),
                    ));
                }
                Some(upper)
            }
        };
        let name_contains = name_contains.filter(|text| !text.is_empty());
        if let Some(text) = &name_contains {
            if text.chars().count() > NAME_CONTAINS_MAX {
                return Err(Error::bad_input(
                    "filter.nameContains",
                    format!("nameContains must be at most {NAME_CONTAINS_MAX} characters"),
                ));
            }
            if text.contains('\0') {
                return Err(Error::bad_input(
                    "filter.nameContains",
                    "nameContains must not contain the NUL character (U+0000)",
                ));
            }
        }
        Ok(TermFilter {
            initial,
            category_slug,
            category_id: None,
            name_contains,
            statuses,
        })
    }

    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(initial) = &self.initial {
            condition = condition.add(term::Column::Initial.eq(initial.as_str()));
        }
        if let Some(slug) = &self.category_slug {
            let members = Query::select()
                .column((term_category::Entity, term_category::Column::TermId))
                .from(term_category::Entity)
                .inner_join(
                    category::Entity,
                    Expr::col((category::Entity, category::Column::Id))
                        .equals((term_category::Entity, term_category::Column::CategoryId)),
                )
                .and_where(Expr::col((category::Entity, category::Column::Slug)).eq(slug.as_str()))
                .to_owned();
            condition = condition.add(term::Column::Id.in_subquery(members));
        }
        if let Some(id) = self.category_id {
            let members = Query::select()
                .column(term_category::Column::TermId)
                .from(term_category::Entity)
                .and_where(term_category::Column::CategoryId.eq(id))
                .to_owned();
            condition = condition.add(term::Column::Id.in_subquery(members));
        }
        if let Some(text) = &self.name_contains {
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            condition = condition.add(
                Expr::col((term::Entity, term::Column::SortKey))
                    .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
        if let Some(statuses) = &self.statuses {
            condition = condition.add(term::Column::Status.is_in(statuses.iter().copied()));
        }
        condition
    }
}

/// The field a term list is ordered by; the term id breaks ties so the order is total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermOrderField {
    /// Name, ignoring case.
    Name,
    /// Last change.
    UpdatedAt,
    /// Publication time.
    PublishedAt,
}

/// An ordering of a term list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermOrder {
    /// What to order by.
    pub field: TermOrderField,
    /// `true` for ascending.
    pub ascending: bool,
}

/// The value of the ordering field of one term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortValue {
    /// A name's sort key.
    Text(String),
    /// A timestamp.
    Time(DateTime<Utc>),
}

/// Where a term sits in an ordering: the position a cursor points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermKey {
    /// The ordering field's value.
    pub value: SortValue,
    /// The tie-breaking id.
    pub id: i64,
}

impl TermOrder {
    fn column(self) -> term::Column {
        match self.field {
            TermOrderField::Name => term::Column::SortKey,
            TermOrderField::UpdatedAt => term::Column::UpdatedAt,
            TermOrderField::PublishedAt => term::Column::PublishedAt,
        }
    }

    /// The columns [`Self::key_of`] reads.
    pub fn key_columns(self) -> &'static [term::Column] {
        match self.field {
            TermOrderField::Name => &[term::Column::SortKey],
            TermOrderField::UpdatedAt => &[term::Column::UpdatedAt],
            TermOrderField::PublishedAt => &[term::Column::PublishedAt, term::Column::CreatedAt],
        }
    }

    /// The position of `term` in this ordering.
    pub fn key_of(self, term: &term::Model) -> TermKey {
        let value = match self.field {
            TermOrderField::Name => SortValue::Text(term.sort_key.clone()),
            TermOrderField::UpdatedAt => SortValue::Time(term.updated_at),
            // Visible terms always have a publication time (a CHECK constraint guarantees it).
            TermOrderField::PublishedAt => {
                SortValue::Time(term.published_at.unwrap_or(term.created_at))
            }
        };
        TermKey { value, id: term.id }
    }

    /// Terms strictly after `key` when walking in the order `ascending`.
    fn beyond(self, key: &TermKey, ascending: bool) -> Condition {
        let column = Expr::col((term::Entity, self.column()));
        let id = Expr::col((term::Entity, term::Column::Id));
        let (value_beyond, value_equal) = match &key.value {
            SortValue::Text(text) => {
                let v = text.clone();
                (
                    if ascending {
                        column.clone().gt(v.clone())
                    } else {
                        column.clone().lt(v.clone())
                    },
                    column.eq(v),
                )
            }
            SortValue::Time(time) => (
                if ascending {
                    column.clone().gt(*time)
                } else {
                    column.clone().lt(*time)
                },
                column.eq(*time),
            ),
        };
        let id_beyond = if ascending {
            id.gt(key.id)
        } else {
            id.lt(key.id)
        };
        Condition::any()
            .add(value_beyond)
            .add(Condition::all().add(value_equal).add(id_beyond))
    }
}

/// Which slice of the ordered list to return.
#[derive(Clone, Debug)]
pub struct PageWindow {
    /// Return terms strictly after this position.
    pub after: Option<TermKey>,
    /// Return terms strictly before this position.
    pub before: Option<TermKey>,
    /// How many terms, and from which end of the window.
    pub size: PageSize,
}

/// How many terms a page holds, counted from one end of the window.
#[derive(Clone, Copy, Debug)]
pub enum PageSize {
    /// The first `n` terms of the window.
    First(usize),
    /// The last `n` terms of the window.
    Last(usize),
}

/// One page of terms in display order, with whether more lie on either side.
#[derive(Clone, Debug)]
pub struct TermPage {
    /// The terms, in the requested order.
    pub terms: Vec<term::Model>,
    /// More terms follow the page.
    pub has_next_page: bool,
    /// More terms precede the page.
    pub has_previous_page: bool,
}

/// Loads one page of visible terms with the columns asked for, and those of their position in `order`
/// (the rest are left as [`term_columns::unread`] has them). One SQL statement.
pub async fn page(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    filter: &TermFilter,
    order: TermOrder,
    window: &PageWindow,
    columns: ColumnSet,
) -> Result<TermPage> {
    let mut select = term::Entity::find()
        .filter(visibility.term_condition())
        .filter(filter.condition());
    if let Some(after) = &window.after {
        select = select.filter(order.beyond(after, order.ascending));
    }
    if let Some(before) = &window.before {
        select = select.filter(order.beyond(before, !order.ascending));
    }
    // Reading from the end of the window means walking the ordering backwards and flipping the result.
    let (limit, from_end) = match window.size {
        PageSize::First(n) => (n, false),
        PageSize::Last(n) => (n, true),
    };
    let walk = if order.ascending != from_end {
        Order::Asc
    } else {
        Order::Desc
    };
    let select = select
        .order_by(order.column(), walk.clone())
        .order_by(term::Column::Id, walk)
        .limit(paging::read_limit(limit));
    let columns = columns.union(ColumnSet::of(order.key_columns()));
    let rows = term_columns::read(select, columns, db).await?;
    let page = paging::cut(rows, limit, from_end);
    // Past a cursor there is, by construction, at least the term the cursor came from.
    let (has_next_page, has_previous_page) = if from_end {
        (window.before.is_some(), page.more)
    } else {
        (page.more, window.after.is_some())
    };
    Ok(TermPage {
        terms: page.items,
        has_next_page,
        has_previous_page,
    })
}

/// Counts the visible terms a filter selects. One SQL statement.
pub async fn count(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    filter: &TermFilter,
) -> Result<u64> {
    Ok(term::Entity::find()
        .filter(visibility.term_condition())
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// Visible terms per A–Z letter, letters in order and `#` last. One SQL statement.
pub async fn glossary_index(
    db: &impl ConnectionTrait,
    visibility: Visibility,
) -> Result<Vec<(String, i64)>> {
    let mut letters: Vec<(String, i64)> = term::Entity::find()
        .select_only()
        .column(term::Column::Initial)
        .column_as(term::Column::Id.count(), "term_count")
        .filter(visibility.term_condition())
        .group_by(term::Column::Initial)
        .into_tuple()
        .all(db)
        .await?;
    letters.sort_by(|(a, _), (b, _)| (a == "#", a).cmp(&(b == "#", b)));
    Ok(letters)
}
