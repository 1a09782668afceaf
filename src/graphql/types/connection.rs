//! Relay cursor connections of terms (`terms`, `Category.terms`): argument checks, keyset pages, cursors,
//! `pageInfo` and a `totalCount` that costs a query only when it is asked for.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use sea_orm::DatabaseConnection;

use super::term::Term;
use crate::{
    content::{
        term_columns::ColumnSet,
        term_list::{self, PageSize, PageWindow, TermFilter, TermOrder, TermOrderField},
        visibility::Visibility,
    },
    error::Error,
    graphql::{
        cursor::{self, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
        plain_fields::{self, PlainFields, PlainList, PlainObject},
    },
};

/// What term lists can be ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "TermOrderField")]
pub enum TermOrderBy {
    /// The term's name, ignoring case.
    Name,
    /// When the term last changed.
    UpdatedAt,
    /// When the term was published.
    PublishedAt,
}

/// A sort direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
pub enum OrderDirection {
    /// Smallest first (A→Z, oldest first).
    #[default]
    Asc,
    /// Largest first (Z→A, newest first).
    Desc,
}

/// How to order a term list. Ties are broken by the term's id, so the order is stable across pages.
#[derive(Clone, Copy, Debug, InputObject)]
#[graphql(name = "TermOrder")]
pub struct TermOrderInput {
    /// The field to order by.
    pub field: TermOrderBy,
    /// The direction; ascending when omitted.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<TermOrderInput> for TermOrder {
    fn from(input: TermOrderInput) -> Self {
        TermOrder {
            field: match input.field {
                TermOrderBy::Name => TermOrderField::Name,
                TermOrderBy::UpdatedAt => TermOrderField::UpdatedAt,
                TermOrderBy::PublishedAt => TermOrderField::PublishedAt,
            },
            ascending: input.direction == OrderDirection::Asc,
        }
    }
}

/// Pagination facts of one page (Relay `PageInfo`).
#[derive(Clone, Debug, SimpleObject)]
pub struct PageInfo {
    /// More terms follow this page.
    pub has_next_page: bool,
    /// More terms precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first term on the page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the last term on the page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// One term of a connection with its cursor.
pub struct TermEdge {
    cursor: String,
    node: Term,
}

impl TermEdge {
    /// The edge of `node` at `cursor`.
    pub fn new(cursor: String, node: Term) -> Self {
        Self { cursor, node }
    }

    /// The term.
    pub fn node_ref(&self) -> &Term {
        &self.node
    }

    /// Its cursor.
    pub fn cursor_text(&self) -> &str {
        &self.cursor
    }
}

/// One term of a connection with its cursor.
#[Object]
impl TermEdge {
    /// Opaque position of this term; pass it as `after` or `before`.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The term.
    async fn node(&self) -> PlainObject<&Term> {
        PlainObject(&self.node)
    }
}

/// The fields a list of edges answers from the edges it holds ([`plain_fields`]): the cursor.
impl PlainFields for TermEdge {
    fn plain_field(&self, field: &Context<'_>) -> Option<async_graphql::Value> {
        match field.item.node.name.node.as_str() {
            "cursor" => plain_fields::text(&self.cursor),
            _ => None,
        }
    }
}

/// A page of terms (Relay cursor connection).
pub struct TermConnection {
    edges: Vec<TermEdge>,
    page_info: PageInfo,
    filter: TermFilter,
    visibility: Visibility,
}

/// Checks a page size argument.
fn page_size(value: i32, argument: &str) -> Result<usize, Error> {
    if value < 0 {
        return Err(Error::bad_input(
            argument,
            format!("{argument} must not be negative"),
        ));
    }
    if value as usize > MAX_PAGE_SIZE {
        return Err(Error::bad_input(
            argument,
            format!("{argument} must be at most {MAX_PAGE_SIZE}, got {value}"),
        ));
    }
    Ok(value as usize)
}

impl TermConnection {
    /// Checks the connection arguments and loads the page.
    #[allow(clippy::too_many_arguments)]
    pub async fn load(
        ctx: &Context<'_>,
        visibility: Visibility,
        filter: TermFilter,
        order_by: Option<TermOrderInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<TermConnection> {
        let order: TermOrder = order_by.map(Into::into).unwrap_or(TermOrder {
            field: TermOrderField::Name,
            ascending: true,
        });
        let size = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(Error::bad_input("last", "pass either first or last, not both").into());
            }
            (Some(n), None) => PageSize::First(page_size(n, "first")?),
            (None, Some(n)) => PageSize::Last(page_size(n, "last")?),
            (None, None) => PageSize::First(DEFAULT_PAGE_SIZE),
        };
        let window = PageWindow {
            after: after
                .as_deref()
                .map(|c| cursor::decode(c, order.field, "after"))
                .transpose()?,
            before: before
                .as_deref()
                .map(|c| cursor::decode(c, order.field, "before"))
                .transpose()?,
            size,
        };
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let columns = Self::node_columns(ctx);
        let page = term_list::page(db, visibility, &filter, order, &window, columns).await?;
        let edges: Vec<TermEdge> = page
            .terms
            .into_iter()
            .map(|term| TermEdge {
                cursor: cursor::encode(order.field, &order.key_of(&term)),
                node: Term::new(term),
            })
            .collect();
        let page_info = PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(TermConnection {
            edges,
            page_info,
            filter,
            visibility,
        })
    }

    /// The columns the current field's selection reads from the terms of the page, through `edges.node`
    /// and `nodes`, fragments and aliases; every column when it selects a field not known here.
    fn node_columns(ctx: &Context<'_>) -> ColumnSet {
        ctx.field()
            .selection_set()
            .try_fold(ColumnSet::ID, |set, field| match field.name() {
                "__typename" | "pageInfo" | "totalCount" => Some(set),
                "nodes" => Some(set.union(Term::columns_of(field.selection_set()))),
                "edges" => field
                    .selection_set()
                    .try_fold(set, |set, edge_field| match edge_field.name() {
                        "__typename" | "cursor" => Some(set),
                        "node" => Some(set.union(Term::columns_of(edge_field.selection_set()))),
                        _ => None,
                    }),
                _ => None,
            })
            .unwrap_or(ColumnSet::ALL)
    }
}

/// A page of terms (Relay cursor connection).
#[Object]
impl TermConnection {
    /// The terms of the page with their cursors.
    async fn edges(&self) -> PlainList<&TermEdge> {
        self.edges.iter().collect()
    }

    /// The terms of the page, without cursors.
    async fn nodes(&self) -> PlainList<&Term> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Whether more terms lie before and after the page, and its end cursors.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many terms the whole list holds, across all pages (one extra query, run only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(term_list::count(db, self.visibility, &self.filter).await?)
    }
}
