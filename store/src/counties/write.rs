//! A conditional write of a state's county day (`CountyDayWrite`): the day it stores, the
//! changes it makes (each, for its change batch, and counted, for its change record), and the
//! records both stores write with a batch of them.

use chrono::NaiveDate;
use covid_model::{CountyCounts, Region};

use super::{
    CountyChange, CountyChangeBatch, CountyValues, MAX_COUNTY_WRITES_PER_BATCH, StoredCountyDay,
};

/// The change record and the change batch of a batch of `state`'s county writes (1 to
/// [`MAX_COUNTY_WRITES_PER_BATCH`]) by the run of `vintage`, as both stores write them with the
/// days.
pub(crate) fn batch_records(
    state: Region,
    writes: &[CountyDayWrite],
    vintage: NaiveDate,
) -> (crate::ChangeRecord, CountyChangeBatch) {
    assert!(
        (1..=MAX_COUNTY_WRITES_PER_BATCH).contains(&writes.len()),
        "write_county_days takes 1 to {MAX_COUNTY_WRITES_PER_BATCH} writes"
    );
    let changes: Vec<CountyChange<'_>> = writes.iter().flat_map(|w| w.county_changes()).collect();
    let record = crate::ChangeRecord::of_counties(state, changes.len() as u64, chrono::Utc::now());
    (record, CountyChangeBatch::of(vintage, state, &changes))
}

/// The county days one write changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountyChanges {
    /// Counties that were absent.
    pub new: u64,
    /// Counties whose values changed.
    pub revised: u64,
    /// Counties withdrawn (present before, absent after), by id.
    pub withdrawn: Vec<String>,
}

impl CountyChanges {
    pub fn total(&self) -> u64 {
        self.new + self.revised + self.withdrawn.len() as u64
    }
}

/// A conditional write of one state's county day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountyDayWrite {
    /// The day must be absent.
    Insert {
        date: NaiveDate,
        counties: CountyValues,
    },
    /// The day must still be at the stored revision.
    Update {
        stored: StoredCountyDay,
        counties: CountyValues,
    },
}

impl CountyDayWrite {
    /// The day as this write, by the run of `vintage`, stores it.
    pub fn stored(&self, vintage: NaiveDate) -> StoredCountyDay {
        match self {
            CountyDayWrite::Insert { date, counties } => {
                StoredCountyDay::first(*date, counties.clone(), vintage)
            }
            CountyDayWrite::Update { stored, counties } => {
                stored.revised(counties.clone(), vintage)
            }
        }
    }

    /// Each county day it changes, with its value before and after: what its change batch
    /// holds.
    pub fn county_changes(&self) -> Vec<CountyChange<'_>> {
        let date = self.date();
        fn change(
            id: &str,
            date: NaiveDate,
            before: Option<CountyCounts>,
            after: Option<CountyCounts>,
        ) -> CountyChange<'_> {
            CountyChange {
                id,
                date,
                before,
                after,
            }
        }
        match self {
            CountyDayWrite::Insert { counties, .. } => counties
                .iter()
                .map(|(id, value)| change(id, date, None, Some(*value)))
                .collect(),
            CountyDayWrite::Update { stored, counties } => {
                let mut changes: Vec<CountyChange<'_>> = counties
                    .iter()
                    .filter(|(id, value)| stored.counties.get(*id) != Some(*value))
                    .map(|(id, value)| {
                        change(id, date, stored.counties.get(id).copied(), Some(*value))
                    })
                    .collect();
                changes.extend(
                    stored
                        .counties
                        .iter()
                        .filter(|(id, _)| !counties.contains_key(*id))
                        .map(|(id, value)| change(id, date, Some(*value), None)),
                );
                changes
            }
        }
    }

    /// The county days it changes, counted (the one count of them: the change record's, the
    /// run's).
    pub fn changes(&self) -> CountyChanges {
        let mut counted = CountyChanges::default();
        for change in self.county_changes() {
            match (change.before, change.after) {
                (None, _) => counted.new += 1,
                (Some(_), Some(_)) => counted.revised += 1,
                (Some(_), None) => counted.withdrawn.push(change.id.to_string()),
            }
        }
        counted
    }

    pub fn date(&self) -> NaiveDate {
        match self {
            CountyDayWrite::Insert { date, .. } => *date,
            CountyDayWrite::Update { stored, .. } => stored.date,
        }
    }
}
