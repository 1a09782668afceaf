//! Pages read with one row more than asked for, so that a page knows whether more rows follow without
//! counting them; read backward (from the end of a list), the page is turned back into the list's order.
//! Every paginated list of the service (terms, revisions, subscribers) is cut here.

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows of the page, in the list's order.
    pub items: Vec<T>,
    /// More rows lie beyond the page, in the direction it was read.
    pub more: bool,
}

/// The page of at most `size` rows in `rows`, which were read in walking order with a limit of
/// `size + 1`; `backward` when they were read from the end of the list.
pub fn cut<T>(mut rows: Vec<T>, size: usize, backward: bool) -> Page<T> {
    let more = rows.len() > size;
    rows.truncate(size);
    if backward {
        rows.reverse();
    }
    Page { items: rows, more }
}

/// The limit to read a page of `size` rows with.
pub fn read_limit(size: usize) -> u64 {
    size as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_forward_and_backward() {
        assert_eq!(
            cut(vec![1, 2, 3], 2, false),
            Page {
                items: vec![1, 2],
                more: true
            }
        );
        assert_eq!(
            cut(vec![1, 2], 2, false),
            Page {
                items: vec![1, 2],
                more: false
            }
        );
        // Read from the end: 9, 8, 7 walked backward is the page 8, 9 with more before it.
        assert_eq!(
            cut(vec![9, 8, 7], 2, true),
            Page {
                items: vec![8, 9],
                more: true
            }
        );
        assert_eq!(read_limit(20), 21);
    }
}
