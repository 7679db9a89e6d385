//! A series' history: every value each day held, and the vintage that set it. A run's vintage is
//! the newest day of its national source (NYT's publication of day D carries D as its newest
//! day), so the history of a replay or a backfill is the history of the daily runs.
//!
//! The series "as of" a date is each day's last value whose vintage is on or before it: the
//! series as it stood after the last run whose vintage is on or before that date. A value
//! without a vintage was stored before history was kept; it counts as older than every vintage.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Day;

/// A value one day held, from the run of `vintage` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// `None`: stored before history was kept.
    pub vintage: Option<NaiveDate>,
    pub day: Day,
    /// The source withdrew the day from this vintage on (NYT drops a county's row now and
    /// then): the day is absent from the series, and `day` holds the values withdrawn.
    pub withdrawn: bool,
}

impl Version {
    /// `day` as published from the run of `vintage` on.
    pub fn of(vintage: Option<NaiveDate>, day: Day) -> Self {
        Self {
            vintage,
            day,
            withdrawn: false,
        }
    }
}

/// Every value one day held, oldest first; the last is the current one. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayHistory(Vec<Version>);

impl DayHistory {
    /// The history of a day whose current value is `current`, after the values `earlier`.
    pub fn new(earlier: Vec<Version>, current: Version) -> Self {
        let mut versions = earlier;
        versions.push(current);
        Self(versions)
    }

    pub fn versions(&self) -> &[Version] {
        &self.0
    }

    pub fn current(&self) -> &Version {
        self.0.last().expect("a day's history is never empty")
    }

    /// Whether the day is withdrawn now (absent from the current series).
    pub fn withdrawn(&self) -> bool {
        self.current().withdrawn
    }

    /// How many times the day's value changed after it was first published (a withdrawal
    /// counts).
    pub fn revisions(&self) -> u32 {
        (self.0.len() - 1) as u32
    }

    /// How many times the day had been revised after the last run whose vintage is on or
    /// before `date`, which is also the place of the value it held then; `None`: not published
    /// yet.
    pub fn revisions_as_of(&self, date: NaiveDate) -> Option<u32> {
        self.0
            .iter()
            .rposition(|v| v.vintage.is_none_or(|vintage| vintage <= date))
            .map(|i| i as u32)
    }
}

/// The series as it stood after the last run whose vintage is on or before `date`, in date
/// order (`histories` in date order): each day's value then, with how many times it had been
/// revised by then. A day withdrawn by then is not in it.
pub fn series_as_of(histories: &[DayHistory], date: NaiveDate) -> Vec<(Day, u32)> {
    histories
        .iter()
        .filter_map(|h| {
            let at = h.revisions_as_of(date)?;
            let version = h.versions()[at as usize];
            (!version.withdrawn).then_some((version.day, at))
        })
        .collect()
}

/// The first vintage that wrote any of `histories`; `None`: none has a vintage.
pub fn first_vintage(histories: &[DayHistory]) -> Option<NaiveDate> {
    vintages(histories).min()
}

/// The newest vintage that wrote any of `histories`; `None`: none has a vintage.
pub fn last_vintage(histories: &[DayHistory]) -> Option<NaiveDate> {
    vintages(histories).max()
}

/// The newest vintage on or before `date` that wrote any of `histories`.
pub fn vintage_as_of(histories: &[DayHistory], date: NaiveDate) -> Option<NaiveDate> {
    vintages(histories).filter(|v| *v <= date).max()
}

fn vintages(histories: &[DayHistory]) -> impl Iterator<Item = NaiveDate> + '_ {
    histories
        .iter()
        .flat_map(|h| h.versions().iter().filter_map(|v| v.vintage))
}

/// Whether a change published a day, revised it or withdrew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RevisionKind {
    /// The day's first value.
    New,
    /// A later value that replaced an earlier one.
    Revised,
    /// The source withdrew the day (`after` is `null`); a day published again after it is
    /// `new` again.
    Withdrawn,
}

/// A day's counts, without its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub cases: u64,
    /// `null` when not reported (some counties), never 0.
    pub deaths: Option<u64>,
    /// `null` when not reported (always for states and counties).
    pub recovered: Option<u64>,
}

impl From<Day> for Counts {
    fn from(day: Day) -> Self {
        Self {
            cases: day.cases,
            deaths: day.deaths,
            recovered: day.recovered,
        }
    }
}

/// One change of a published value: `/v1/revisions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    /// `US`, `NY`, a county's id (`36047`), …
    pub region: String,
    /// The day whose value changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// The vintage of the run that made the change: the newest day of its national source.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub vintage: NaiveDate,
    pub kind: RevisionKind,
    /// The value replaced; `null` for a new day.
    pub before: Option<Counts>,
    /// The value from then on; `null` for a withdrawn day.
    pub after: Option<Counts>,
}

/// Every change of the histories of the place `id` (`NY`, `36047`) with a vintage, in vintage
/// order, then date order (and in the order they were made within one day and vintage). A value
/// stored before history was kept is not a change of its own, but is the `before` of the change
/// that replaced it.
pub fn revisions(id: &str, histories: &[DayHistory]) -> Vec<Revision> {
    let mut changes = Vec::new();
    for history in histories {
        // The value the day held before each change; `None`: none (not yet, or withdrawn).
        let mut before: Option<&Version> = None;
        for version in history.versions() {
            if let Some(vintage) = version.vintage {
                changes.push(Revision {
                    region: id.to_string(),
                    date: version.day.date,
                    vintage,
                    kind: match (before, version.withdrawn) {
                        (_, true) => RevisionKind::Withdrawn,
                        (None, false) => RevisionKind::New,
                        (Some(_), false) => RevisionKind::Revised,
                    },
                    before: before.map(|b| b.day.into()),
                    after: (!version.withdrawn).then(|| version.day.into()),
                });
            }
            before = (!version.withdrawn).then_some(version);
        }
    }
    // Stable: the order of a day's changes within one vintage is kept.
    changes.sort_by_key(|c| c.vintage);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn version(vintage: Option<&str>, day: &str, cases: u64) -> Version {
        Version::of(
            vintage.map(date),
            Day {
                date: date(day),
                cases,
                deaths: Some(1),
                recovered: None,
            },
        )
    }

    fn histories() -> Vec<DayHistory> {
        vec![
            // Stored before history was kept, revised on 2020-04-03.
            DayHistory::new(
                vec![version(None, "2020-04-01", 10)],
                version(Some("2020-04-03"), "2020-04-01", 12),
            ),
            // Published on 2020-04-02, revised twice on 2020-04-03, then on 2020-04-05.
            DayHistory::new(
                vec![
                    version(Some("2020-04-02"), "2020-04-02", 20),
                    version(Some("2020-04-03"), "2020-04-02", 21),
                    version(Some("2020-04-03"), "2020-04-02", 22),
                ],
                version(Some("2020-04-05"), "2020-04-02", 23),
            ),
            DayHistory::new(Vec::new(), version(Some("2020-04-03"), "2020-04-03", 30)),
        ]
    }

    #[test]
    fn the_series_as_of_a_date_is_each_days_last_value_on_or_before_it() {
        let h = histories();
        let cases = |on: &str| -> Vec<u64> {
            series_as_of(&h, date(on))
                .iter()
                .map(|(d, _)| d.cases)
                .collect()
        };
        let revised =
            |on: &str| -> Vec<u32> { series_as_of(&h, date(on)).iter().map(|(_, n)| *n).collect() };
        assert_eq!(cases("2020-04-01"), [10]);
        assert_eq!(cases("2020-04-02"), [10, 20]);
        assert_eq!(
            cases("2020-04-03"),
            [12, 22, 30],
            "the last run of a vintage"
        );
        assert_eq!(cases("2020-04-04"), [12, 22, 30]);
        assert_eq!(cases("2030-01-01"), [12, 23, 30]);
        assert_eq!(revised("2020-04-02"), [0, 0]);
        assert_eq!(revised("2020-04-04"), [1, 2, 0]);
        assert_eq!(revised("2030-01-01"), [1, 3, 0]);
        assert_eq!(first_vintage(&h), Some(date("2020-04-02")));
        assert_eq!(
            vintage_as_of(&h, date("2020-04-04")),
            Some(date("2020-04-03"))
        );
        assert_eq!(vintage_as_of(&h, date("2020-04-01")), None);
        assert_eq!(h[1].revisions(), 3);
    }

    #[test]
    fn revisions_are_in_vintage_order_with_the_value_each_replaced() {
        let changes = revisions("NY", &histories());
        let shown: Vec<(String, String, RevisionKind, Option<u64>, u64)> = changes
            .iter()
            .map(|c| {
                (
                    c.vintage.to_string(),
                    c.date.to_string(),
                    c.kind,
                    c.before.map(|b| b.cases),
                    c.after.unwrap().cases,
                )
            })
            .collect();
        use RevisionKind::{New, Revised};
        let row = |v: &str, d: &str, k, b, a| (v.to_string(), d.to_string(), k, b, a);
        assert_eq!(
            shown,
            [
                row("2020-04-02", "2020-04-02", New, None, 20),
                row("2020-04-03", "2020-04-01", Revised, Some(10), 12),
                row("2020-04-03", "2020-04-02", Revised, Some(20), 21),
                row("2020-04-03", "2020-04-02", Revised, Some(21), 22),
                row("2020-04-03", "2020-04-03", New, None, 30),
                row("2020-04-05", "2020-04-02", Revised, Some(22), 23),
            ]
        );
        assert!(changes.iter().all(|c| c.region == "NY"));
    }

    #[test]
    fn a_withdrawn_day_leaves_the_series_from_its_vintage_and_may_come_back() {
        let withdrawn = |v: &str, d: &str, cases| Version {
            withdrawn: true,
            ..version(Some(v), d, cases)
        };
        let h = vec![
            DayHistory::new(
                vec![version(Some("2021-07-01"), "2021-07-01", 5)],
                withdrawn("2021-07-03", "2021-07-01", 5),
            ),
            DayHistory::new(
                vec![
                    version(Some("2021-07-02"), "2021-07-02", 7),
                    withdrawn("2021-07-03", "2021-07-02", 7),
                ],
                version(Some("2021-07-05"), "2021-07-02", 8),
            ),
        ];
        let dates = |on: &str| -> Vec<String> {
            series_as_of(&h, date(on))
                .iter()
                .map(|(d, _)| d.date.to_string())
                .collect()
        };
        assert_eq!(dates("2021-07-02"), ["2021-07-01", "2021-07-02"]);
        assert!(dates("2021-07-04").is_empty(), "both withdrawn");
        assert_eq!(dates("2021-07-05"), ["2021-07-02"], "published again");
        assert!(h[0].withdrawn() && !h[1].withdrawn());
        let kinds: Vec<_> = revisions("36UNK", &h)
            .iter()
            .map(|c| (c.kind, c.before.map(|b| b.cases), c.after.map(|a| a.cases)))
            .collect();
        use RevisionKind::{New, Withdrawn};
        assert_eq!(
            kinds,
            [
                (New, None, Some(5)),
                (New, None, Some(7)),
                (Withdrawn, Some(5), None),
                (Withdrawn, Some(7), None),
                (New, None, Some(8)),
            ]
        );
    }
}
