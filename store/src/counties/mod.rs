//! The county series (issue 36): every county of a state on one day in one item, with the same
//! conditional, idempotent writes and per-day history as a state's day.
//!
//! # Layout
//!
//! | item              | `pk`            | `sk`             | attributes |
//! |-------------------|-----------------|------------------|------------|
//! | a state's county day | `counties#<SS>` | `day#YYYY-MM-DD` | `date` S, `counties` S (`36061:1234:56,36NYC:5:`: id, cases, deaths (empty: not reported), by id), `rev` N, `created` S (the vintage that first wrote it), `history` S (each later write, oldest first: its vintage and the values it replaced, `2021-07-08 36061:1200:50,36NYC:-`, `-`: absent) |
//! | a state's county listing | `counties#<SS>` | `listing` (after every `day#…`) | `vintage` S (the county file it was made from), `rev` N (the write counter when it was made), `counties` B (gzipped JSON: each county's `/v1/regions/{state}/counties` entry; Texas's are 79 KB of JSON) |
//! | a state's county write counter | `counties#<SS>` | `listing#writes` (after the listing) | `n` N: the transactions of the state's county days committed, each of which adds one |
//! | the county window | `series#US`     | `meta#counties`  | `fingerprint` S, `vintage` S, `first_date` S, `last_date` S, `rows` N: the county file last loaded |
//! | a county change batch | `countychanges#<YYYY-MM>` | `<vintage>#<NN>#<time>-<random>` | the changes one transaction of county days made, written in it (`changes.rs`) |
//!
//! **Why a state's day, not a county's day, is the item.** NYT's daily county file is 30 days
//! of about 3,250 counties. One item per county day is 3,250 items of about 82 B each a day,
//! 1 WRU each, and a county's window read is a request per county. One item per state and day
//! holds the same numbers in about 17 B a county: a day of every county is 55 items (Texas's
//! 254 counties: 3.6 KB, 4 WRU, on 2021-07-08), a run's window is one `Query` per state, and
//! the whole history is about 65,000 items instead of 3.5 million. A county's series is its
//! state's partition read whole (about 1,160 items; about 4 MB for Texas), which the API is to
//! cache per state. `BENCHMARKS.md` has the measurements.
//!
//! The window item sorts after the national `meta` and before `outbox#`, so the read of the
//! national state (`meta` to `pending$`) returns it with the meta, at no extra request.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::NaiveDate;
use covid_model::{CountyCounts, CountySummary, Region};

use crate::StoreError;

mod changes;
mod dynamo;
mod item;
mod memory;
mod write;

pub use changes::{CountyChange, CountyChangeBatch};
pub(crate) use write::batch_records;
pub use write::{CountyChanges, CountyDayWrite};

pub(crate) use item::{COUNTY_WINDOW_SK, parse_county_window};
pub use item::{county_day_item, item_size};

/// The most writes one [`CountyDays::write_county_days`] call takes: DynamoDB's transaction
/// limit of 100 items, less the change record, the change batch and the write counter's
/// increment written with them.
pub const MAX_COUNTY_WRITES_PER_BATCH: usize = 97;

/// Every county of one state by id (`covid_model::county_id`): one day's values.
pub type CountyValues = BTreeMap<String, CountyCounts>;

/// One later write of a state's county day: the counties it changed and what they held before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyRevision {
    /// The vintage of the run that wrote it.
    pub vintage: NaiveDate,
    /// Each changed county's value before it; `None`: the county was absent (first reported
    /// by this write). A county absent after it was withdrawn by the source.
    pub before: BTreeMap<String, Option<CountyCounts>>,
}

/// Every county of one state on one day, as stored, with its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCountyDay {
    pub date: NaiveDate,
    pub counties: CountyValues,
    /// Writes so far (1: as first written); writes are conditioned on it.
    pub rev: u64,
    /// The vintage of the run that first wrote it.
    pub created: NaiveDate,
    /// Every write after the first, oldest first.
    pub revisions: Vec<CountyRevision>,
}

impl StoredCountyDay {
    /// The day as first written by the run of `vintage`.
    pub fn first(date: NaiveDate, counties: CountyValues, vintage: NaiveDate) -> Self {
        Self {
            date,
            counties,
            rev: 1,
            created: vintage,
            revisions: Vec::new(),
        }
    }

    /// This day once the run of `vintage` has made it `new`: the next revision, with what it
    /// replaced in its history (one rule for every store).
    pub fn revised(&self, new: CountyValues, vintage: NaiveDate) -> Self {
        let mut before = BTreeMap::new();
        for (id, old) in &self.counties {
            if new.get(id) != Some(old) {
                before.insert(id.clone(), Some(*old));
            }
        }
        for id in new.keys() {
            if !self.counties.contains_key(id) {
                before.insert(id.clone(), None);
            }
        }
        let mut revisions = self.revisions.clone();
        revisions.push(CountyRevision { vintage, before });
        Self {
            date: self.date,
            counties: new,
            rev: self.rev + 1,
            created: self.created,
            revisions,
        }
    }

    /// The vintage of the write that made it what it is.
    pub fn vintage(&self) -> NaiveDate {
        self.revisions.last().map_or(self.created, |r| r.vintage)
    }

    /// The counties as the data stood on `vintage`: every write of a later vintage undone;
    /// `None` when the day was first written after it.
    pub fn as_of(&self, vintage: NaiveDate) -> Option<CountyValues> {
        if vintage < self.created {
            return None;
        }
        let mut counties = self.counties.clone();
        for revision in self.revisions.iter().rev() {
            if revision.vintage <= vintage {
                break;
            }
            for (id, before) in &revision.before {
                match before {
                    Some(value) => counties.insert(id.clone(), *value),
                    None => counties.remove(id),
                };
            }
        }
        Some(counties)
    }

    /// Every county this day ever held, each with its values in the order they were written:
    /// the vintage of each write and the value from then on (`None`: withdrawn). A county's
    /// first entry is its first value; the [`as_of`](Self::as_of) of every vintage agrees.
    pub fn county_versions(&self) -> BTreeMap<&str, Vec<(NaiveDate, Option<CountyCounts>)>> {
        let mut ids: Vec<&str> = self.counties.keys().map(String::as_str).collect();
        for revision in &self.revisions {
            ids.extend(revision.before.keys().map(String::as_str));
        }
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| {
                // From the value now back through each write that changed it.
                let mut value = self.counties.get(id).copied();
                let mut versions = Vec::new();
                for revision in self.revisions.iter().rev() {
                    if let Some(before) = revision.before.get(id) {
                        versions.push((revision.vintage, value));
                        value = *before;
                    }
                }
                versions.push((self.created, value));
                versions.reverse();
                // Absent until a write added it: no version of its own.
                let first = versions.iter().position(|(_, v)| v.is_some());
                (id, versions.split_off(first.unwrap_or(versions.len())))
            })
            .collect()
    }
}

/// The county file last loaded as a whole: a run whose file has the same fingerprint reads no
/// county partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyWindow {
    pub fingerprint: String,
    /// Its newest day: the vintage its writes were made with.
    pub vintage: NaiveDate,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// Its rows (county days).
    pub rows: u64,
}

/// A state's counties as listed by `/v1/regions/{state}/counties`: one item a state, so no
/// listing outgrows an item however many states' counties there are.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyListing {
    /// The county file it was made from (its newest day).
    pub vintage: NaiveDate,
    /// The state's county write counter when it was made (0: unknown): it is current while the
    /// counter still says so ([`CountyPlanRead::listing_is_current`]).
    pub rev: u64,
    /// By id.
    pub counties: Vec<CountySummary>,
}

/// A state's county days from a date on, with its listing and its write counter, in one read
/// (what a run plans a county file with).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountyPlanRead {
    pub days: Vec<StoredCountyDay>,
    pub listing: Option<CountyListing>,
    /// How many transactions of the state's county days ever committed.
    pub counter: u64,
}

impl CountyPlanRead {
    /// Whether the listing was made after every county transaction the counter counts: then
    /// it holds every stored day, and a run's own writes are all that change it.
    pub fn listing_is_current(&self) -> bool {
        self.listing
            .as_ref()
            .is_some_and(|l| l.rev > 0 && l.rev == self.counter)
    }
}

/// Reads and conditional writes of the county series.
pub trait CountyDays {
    /// `state`'s county days with `from <= date <= to` (both optional), in date order.
    fn read_county_days(
        &self,
        state: Region,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> impl Future<Output = Result<Vec<StoredCountyDay>, StoreError>> + Send;
    /// `state`'s county days from `from` on, its listing and its write counter, in one read
    /// (`day#…` < `listing` < `listing#writes`).
    fn read_county_plan(
        &self,
        state: Region,
        from: NaiveDate,
    ) -> impl Future<Output = Result<CountyPlanRead, StoreError>> + Send;
    /// `state`'s county write counter (0 before its first transaction).
    fn read_county_counter(
        &self,
        state: Region,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Every county day of `state` and its listing, in one read (`day#…` < `listing`).
    fn read_county_series(
        &self,
        state: Region,
    ) -> impl Future<Output = Result<(Vec<StoredCountyDay>, Option<CountyListing>), StoreError>> + Send;
    /// Up to [`MAX_COUNTY_WRITES_PER_BATCH`] writes of `state`'s county days by the run of
    /// `vintage`, their change record (the county days they change, for the next `updated`
    /// alert to tell), their change batch (each change, for `/v1/revisions`) and the state's
    /// write counter's increment, all or none (one transaction). `Ok(false)`: a condition failed (another run wrote one of them
    /// first); nothing was written.
    fn write_county_days(
        &self,
        state: Region,
        writes: &[CountyDayWrite],
        vintage: NaiveDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// `state`'s county listing; `None` before the first is written.
    fn read_county_listing(
        &self,
        state: Region,
    ) -> impl Future<Output = Result<Option<CountyListing>, StoreError>> + Send;
    /// Writes `state`'s county listing, if the state's write counter is still the listing's
    /// `rev` (no county transaction since it was made) and no listing of a later vintage is
    /// stored, both checked in one transaction. `Ok(false)`: either is not so.
    fn write_county_listing(
        &self,
        state: Region,
        listing: &CountyListing,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Records the county file loaded, unless a window of a later vintage is recorded.
    /// `Ok(false)`: one is.
    fn write_county_window(
        &self,
        window: &CountyWindow,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The change batches of the vintages from `from` (its states from `from_state`, in
    /// `Region::all()`'s order) to `until`, in order (vintage, state, write time), stopping at
    /// the end of the vintage's state in which `enough` changes were read.
    fn read_county_changes(
        &self,
        from: (NaiveDate, Option<Region>),
        until: NaiveDate,
        enough: usize,
    ) -> impl Future<Output = Result<Vec<CountyChangeBatch>, StoreError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn values(entries: &[(&str, u64, Option<u64>)]) -> CountyValues {
        entries
            .iter()
            .map(|(id, cases, deaths)| {
                (
                    id.to_string(),
                    CountyCounts {
                        cases: *cases,
                        deaths: *deaths,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_revision_keeps_what_it_replaced_and_as_of_undoes_it() {
        let first = values(&[("36047", 10, Some(1)), ("36UNK", 3, None)]);
        let stored = StoredCountyDay::first(day("2021-07-01"), first.clone(), day("2021-07-01"));
        // Kings revised, Unknown withdrawn, Queens added.
        let second = values(&[("36047", 12, Some(1)), ("36081", 7, Some(0))]);
        let revised = stored.revised(second.clone(), day("2021-07-03"));
        assert_eq!(revised.rev, 2);
        assert_eq!(revised.vintage(), day("2021-07-03"));
        assert_eq!(
            revised.revisions[0].before,
            BTreeMap::from([
                ("36047".to_string(), Some(first["36047"])),
                ("36081".to_string(), None),
                ("36UNK".to_string(), Some(first["36UNK"])),
            ])
        );
        assert_eq!(revised.as_of(day("2021-06-30")), None);
        assert_eq!(revised.as_of(day("2021-07-01")), Some(first.clone()));
        assert_eq!(revised.as_of(day("2021-07-02")), Some(first.clone()));
        assert_eq!(revised.as_of(day("2021-07-03")), Some(second.clone()));
        // The same values again change nothing but the revision count.
        let again = revised.revised(second.clone(), day("2021-07-04"));
        assert!(again.revisions[1].before.is_empty());
        assert_eq!(again.as_of(day("2021-07-03")), Some(second.clone()));
        // Unknown comes back; each county's versions agree with `as_of` on every date.
        let back = again.revised(values(&[("36UNK", 4, None)]), day("2021-07-06"));
        let versions = back.county_versions();
        assert_eq!(
            versions["36UNK"],
            [
                (day("2021-07-01"), Some(first["36UNK"])),
                (day("2021-07-03"), None),
                (
                    day("2021-07-06"),
                    Some(values(&[("36UNK", 4, None)])["36UNK"])
                ),
            ]
        );
        assert_eq!(
            versions["36081"][0].0,
            day("2021-07-03"),
            "added by a revision"
        );
        for on in [
            "2021-07-01",
            "2021-07-02",
            "2021-07-03",
            "2021-07-05",
            "2021-07-06",
        ] {
            let as_of = back.as_of(day(on)).unwrap();
            for (id, history) in &versions {
                let then = history.iter().rev().find(|(v, _)| *v <= day(on));
                assert_eq!(
                    then.and_then(|(_, value)| *value),
                    as_of.get(*id).copied(),
                    "{id} on {on}"
                );
            }
        }
    }
}
