//! The county traits in memory, with DynamoDB's conditions (`MemoryStore`).

use chrono::NaiveDate;
use covid_model::Region;

use super::changes::{Taken, start_key};
use super::{
    CountyChangeBatch, CountyDayWrite, CountyDays, CountyListing, CountyPlanRead, CountyWindow,
    StoredCountyDay, batch_records,
};
use crate::{MemoryStore, StoreError};

impl CountyDays for MemoryStore {
    async fn read_county_days(
        &self,
        state: Region,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<StoredCountyDay>, StoreError> {
        let (from, to) = (from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MAX));
        self.request("read_county_days", false, |c| {
            c.counties
                .range((state, from)..=(state, to))
                .map(|(_, day)| day.clone())
                .collect()
        })
    }

    async fn read_county_plan(
        &self,
        state: Region,
        from: NaiveDate,
    ) -> Result<CountyPlanRead, StoreError> {
        self.request("read_county_plan", false, |c| CountyPlanRead {
            days: c
                .counties
                .range((state, from)..=(state, NaiveDate::MAX))
                .map(|(_, day)| day.clone())
                .collect(),
            listing: c.county_listings.get(&state).cloned(),
            counter: c.county_counters.get(&state).copied().unwrap_or(0),
        })
    }

    async fn read_county_counter(&self, state: Region) -> Result<u64, StoreError> {
        self.request("read_county_counter", false, |c| {
            c.county_counters.get(&state).copied().unwrap_or(0)
        })
    }

    async fn read_county_series(
        &self,
        state: Region,
    ) -> Result<(Vec<StoredCountyDay>, Option<CountyListing>), StoreError> {
        self.request("read_county_series", false, |c| {
            let days = c
                .counties
                .range((state, NaiveDate::MIN)..=(state, NaiveDate::MAX))
                .map(|(_, day)| day.clone())
                .collect();
            (days, c.county_listings.get(&state).cloned())
        })
    }

    async fn write_county_days(
        &self,
        state: Region,
        writes: &[CountyDayWrite],
        vintage: NaiveDate,
    ) -> Result<bool, StoreError> {
        let (record, batch) = batch_records(state, writes, vintage);
        self.request("write_county_days", true, |c| {
            let holds = writes.iter().all(|write| {
                let stored = c.counties.get(&(state, write.date()));
                match write {
                    CountyDayWrite::Insert { .. } => stored.is_none(),
                    CountyDayWrite::Update { stored: read, .. } => {
                        stored.is_some_and(|s| s.rev == read.rev)
                    }
                }
            });
            if holds {
                for write in writes {
                    c.counties
                        .insert((state, write.date()), write.stored(vintage));
                }
                c.changes.insert(record.id.clone(), record);
                c.county_changes.insert(batch.key.clone(), batch);
                *c.county_counters.entry(state).or_default() += 1;
            }
            holds
        })
    }

    async fn read_county_changes(
        &self,
        (from, from_state): (NaiveDate, Option<Region>),
        until: NaiveDate,
        enough: usize,
    ) -> Result<Vec<CountyChangeBatch>, StoreError> {
        self.request("read_county_changes", false, |c| {
            let mut taken = Taken::new(enough);
            // Keys begin with the vintage and the state: `~` sorts after every key of `until`'s.
            let low = start_key(from, from_state);
            for (_, batch) in c.county_changes.range(low..format!("{until}#~")) {
                if !taken.take(batch.clone()) {
                    break;
                }
            }
            taken.batches
        })
    }

    async fn read_county_listing(
        &self,
        state: Region,
    ) -> Result<Option<CountyListing>, StoreError> {
        self.request("read_county_listing", false, |c| {
            c.county_listings.get(&state).cloned()
        })
    }

    async fn write_county_listing(
        &self,
        state: Region,
        listing: &CountyListing,
    ) -> Result<bool, StoreError> {
        self.request("write_county_listing", true, |c| {
            let stored = c.county_listings.get(&state);
            let counter = c.county_counters.get(&state).copied().unwrap_or(0);
            let holds =
                counter == listing.rev && stored.is_none_or(|l| l.vintage <= listing.vintage);
            if holds {
                c.county_listings.insert(state, listing.clone());
            }
            holds
        })
    }

    async fn write_county_window(&self, window: &CountyWindow) -> Result<bool, StoreError> {
        self.request("write_county_window", true, |c| {
            let holds = c
                .county_window
                .as_ref()
                .is_none_or(|w| w.vintage <= window.vintage);
            if holds {
                c.county_window = Some(window.clone());
            }
            holds
        })
    }
}
