//! Changes listed up to a limit of each kind, the rest counted: what a file read as it streams
//! keeps of normalisation's changes, so that a file where every row changes fits in memory.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Change, ChangeKind};

/// Changes of one kind counted but not listed (see [`crate::stream::Streamed::changes_omitted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OmittedChanges {
    /// Their kind.
    pub kind: ChangeKind,
    /// How many.
    pub count: usize,
}

impl fmt::Display for OmittedChanges {
    /// E.g. `... and 999000 more balance_replaced changes not listed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "... and {} more {} change{} not listed",
            self.count,
            self.kind.as_str(),
            if self.count == 1 { "" } else { "s" }
        )
    }
}

/// Changes gathered in the order they are reported, listing the first `max` of each kind and
/// counting the rest (`max` `None`: listing all).
#[derive(Debug, Default)]
pub(crate) struct ChangeList {
    max: Option<usize>,
    /// The changes listed, in order.
    pub(crate) changes: Vec<Change>,
    /// The changes counted but not listed, by kind (in the order of [`ChangeKind`]).
    pub(crate) omitted: Vec<OmittedChanges>,
    /// How many of each kind are listed.
    listed: Vec<(ChangeKind, usize)>,
}

impl ChangeList {
    pub(crate) fn new(max: Option<usize>) -> Self {
        ChangeList {
            max,
            ..Self::default()
        }
    }

    /// Whether a change of this kind would only be counted: the caller may count it with
    /// [`ChangeList::omit`] without making it.
    pub(crate) fn full(&self, kind: ChangeKind) -> bool {
        self.max.is_some_and(|max| self.listed_of(kind) >= max)
    }

    fn listed_of(&self, kind: ChangeKind) -> usize {
        self.listed
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// Counts `count` changes of a kind as not listed.
    pub(crate) fn omit(&mut self, kind: ChangeKind, count: usize) {
        if count == 0 {
            return;
        }
        // Kept in the order of the kinds, however they were counted.
        match self.omitted.binary_search_by_key(&kind, |o| o.kind) {
            Ok(at) => self.omitted[at].count += count,
            Err(at) => self.omitted.insert(at, OmittedChanges { kind, count }),
        }
    }

    /// Adds the next change.
    pub(crate) fn push(&mut self, change: Change) {
        if self.full(change.kind) {
            self.omit(change.kind, 1);
            return;
        }
        match self.listed.iter_mut().find(|(k, _)| *k == change.kind) {
            Some((_, n)) => *n += 1,
            None => self.listed.push((change.kind, 1)),
        }
        self.changes.push(change);
    }

    /// Adds every change of `changes`, emptying it.
    pub(crate) fn take_from(&mut self, changes: &mut Vec<Change>) {
        for change in changes.drain(..) {
            self.push(change);
        }
    }

    /// Adds another list's changes, after these.
    pub(crate) fn extend(&mut self, other: ChangeList) {
        for change in other.changes {
            self.push(change);
        }
        for o in other.omitted {
            self.omit(o.kind, o.count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_each_kind_are_listed_and_the_rest_counted() {
        let change = |kind, row: usize| Change {
            kind,
            row: Some(row),
            id: None,
            field: None,
            before: None,
            after: None,
            rows: Vec::new(),
            message: String::new(),
        };
        let mut a = ChangeList::new(Some(2));
        for row in 0..5 {
            a.push(change(ChangeKind::Trimmed, row));
        }
        let mut b = ChangeList::new(Some(2));
        b.push(change(ChangeKind::BalanceReplaced, 9));
        b.omit(ChangeKind::BalanceReplaced, 4);
        a.extend(b);
        let rows: Vec<_> = a.changes.iter().map(|c| (c.kind, c.row)).collect();
        assert_eq!(
            rows,
            [
                (ChangeKind::Trimmed, Some(0)),
                (ChangeKind::Trimmed, Some(1)),
                (ChangeKind::BalanceReplaced, Some(9)),
            ]
        );
        assert_eq!(
            a.omitted,
            [
                OmittedChanges {
                    kind: ChangeKind::Trimmed,
                    count: 3
                },
                OmittedChanges {
                    kind: ChangeKind::BalanceReplaced,
                    count: 4
                },
            ]
        );
        assert!(ChangeList::new(Some(0)).full(ChangeKind::Sorted));
        assert!(!ChangeList::new(None).full(ChangeKind::Sorted));
    }
}
