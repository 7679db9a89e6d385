//! Each state's county listing (`/v1/regions/{state}/counties`), written once a county file's
//! days are in: every county's entry of everything stored (its `first_date` and `count` are of
//! every stored day, not of the file), its name as NYT gives it and its population. One item a
//! state: the largest, Texas's 255 entries, stays far below DynamoDB's item limit whatever the
//! number of states.
//!
//! Made one of two ways, with the same entries:
//!
//! - [`updated`]: from the listing the run's plan read, when it was current (its `rev` is the
//!   state's write counter: no county transaction since it was made), and the run's own
//!   committed writes: each county's count and first and last days moved by the days they
//!   added and withdrew, its newest week from the days the plan read. No partition is read.
//!   Exact whatever else runs, since the run's writes were conditioned on what it read, and a
//!   listing made while another run also wrote is stamped with a counter the state has passed,
//!   so the next run makes it again.
//! - [`write`]: from the state's whole stored county series, its counter read first.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use covid_model::{CountyCounts, CountySummary, Region};
use covid_store::{CountyDays, CountyListing, CountyPlanRead};

use crate::error::Error;
use crate::load::counties::Written;
use crate::load::settle;

/// State partitions read whole at once (Texas's, with a whole history, about 4 MB).
const STATES_IN_FLIGHT: usize = 4;
/// Times a state's listing is made from its partition while other runs keep writing its days.
const ATTEMPTS: usize = 3;

/// What a listing is made of beside the stored days: each county's name and population, by id.
pub struct Names<'a> {
    pub names: &'a BTreeMap<String, String>,
    pub populations: &'a BTreeMap<String, u64>,
}

/// `state`'s entries, from its county days as stored (in date order).
pub(crate) fn entries(
    state: Region,
    days: Vec<covid_store::StoredCountyDay>,
    names: &Names<'_>,
) -> Vec<CountySummary> {
    let mut by_county: BTreeMap<String, Vec<(NaiveDate, CountyCounts)>> = BTreeMap::new();
    for day in days {
        for (id, counts) in day.counties {
            by_county.entry(id).or_default().push((day.date, counts));
        }
    }
    by_county
        .iter()
        .map(|(id, days)| {
            // A county of the table's history that the file no longer names: its id.
            let name = names.names.get(id).map_or(id.as_str(), String::as_str);
            CountySummary::of(id, name, state.id, days, names.populations.get(id).copied())
        })
        .collect()
}

/// `state`'s listing after a run that committed `written`, from the listing its plan `read` and
/// its own writes; `None` when it cannot be made so: no current listing, the state planned
/// again, a county's first or last day withdrawn, a county's newest week reaching before the
/// days read, or a population changed for a county the run did not write.
pub fn updated(
    state: Region,
    read: &CountyPlanRead,
    written: &Written,
    names: &Names<'_>,
    vintage: NaiveDate,
) -> Option<CountyListing> {
    if !read.listing_is_current() || written.replanned {
        return None;
    }
    let old = read.listing.as_ref()?;
    // The days from the plan's first date on, as they stand after the run's writes.
    let mut days: BTreeMap<NaiveDate, covid_store::CountyValues> = read
        .days
        .iter()
        .map(|day| (day.date, day.counties.clone()))
        .collect();
    // Each county's days added and withdrawn by the run.
    let mut added: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    let mut withdrawn: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    for write in &written.writes {
        for change in write.county_changes() {
            match (change.before, change.after) {
                (None, Some(_)) => added.entry(change.id).or_default().push(change.date),
                (Some(_), None) => withdrawn.entry(change.id).or_default().push(change.date),
                _ => {}
            }
        }
        days.insert(write.date(), write.stored(vintage).counties);
    }
    let mut recent: BTreeMap<&str, Vec<(NaiveDate, CountyCounts)>> = BTreeMap::new();
    for (date, counties) in &days {
        for (id, counts) in counties {
            recent.entry(id).or_default().push((*date, *counts));
        }
    }
    let mut ids: Vec<&str> = old.counties.iter().map(|c| c.id.as_str()).collect();
    ids.extend(recent.keys().copied());
    ids.sort_unstable();
    ids.dedup();
    let before: BTreeMap<&str, &CountySummary> =
        old.counties.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut counties = Vec::with_capacity(ids.len());
    for id in ids {
        let (count, first, last) = before
            .get(id)
            .map_or((0, None, None), |c| (c.count, c.first_date, c.last_date));
        let gone = withdrawn.get(id).map_or(&[][..], Vec::as_slice);
        if gone.iter().any(|d| Some(*d) == first || Some(*d) == last) {
            return None;
        }
        let new = added.get(id).map_or(&[][..], Vec::as_slice);
        let count = (count + new.len()).checked_sub(gone.len())?;
        if count == 0 {
            continue;
        }
        let first = first.into_iter().chain(new.iter().copied()).min();
        let last = last.into_iter().chain(new.iter().copied()).max();
        let name = names.names.get(id).map_or(id, String::as_str);
        let population = names.populations.get(id).copied();
        let own = recent.get(id).map_or(&[][..], Vec::as_slice);
        if own.len() < 8 && own.len() < count {
            // Its newest week reaches before the days read (or it has none among them): kept
            // as it was, unless what it shows per 100k changed.
            let kept = before.get(id)?;
            if kept.population != population || !own.is_empty() {
                return None;
            }
            let mut entry = (*kept).clone();
            entry.name = name.to_string();
            counties.push(entry);
            continue;
        }
        let mut entry = CountySummary::of(id, name, state.id, own, population);
        if entry.last_date != last {
            return None;
        }
        entry.count = count;
        entry.first_date = first;
        counties.push(entry);
    }
    Some(CountyListing {
        vintage: old.vintage.max(vintage),
        counties,
        rev: read.counter + written.transactions,
    })
}

/// Writes each of `listings`, each only if the state's write counter is still its `rev`.
/// Returns how many were written, and the states whose counter had moved on (another run wrote
/// their days meanwhile): their listings are to be made from the whole partition.
pub async fn put<S: CountyDays + Sync>(
    store: &S,
    listings: Vec<(Region, CountyListing)>,
) -> Result<(u64, Vec<Region>), Error> {
    let written = settle(listings, STATES_IN_FLIGHT, |(state, listing)| async move {
        Ok::<_, Error>((state, store.write_county_listing(state, &listing).await?))
    })
    .await?;
    let behind: Vec<Region> = written
        .iter()
        .filter(|(_, w)| !w)
        .map(|(s, _)| *s)
        .collect();
    Ok(((written.len() - behind.len()) as u64, behind))
}

/// Writes the listing of each of `states`, made with the county file of `vintage`, where it
/// differs from the stored one (rewriting an equal one costs its WRU, and a run that failed
/// part-way keeps the listings it wrote). Returns how many were written. A listing is made
/// from every stored day whichever file asked for it, so one made for an older file (the
/// county archive's, or a backfill's) keeps the stored listing's later vintage.
pub async fn write<S: CountyDays + Sync>(
    store: &S,
    states: Vec<Region>,
    names: &Names<'_>,
    vintage: NaiveDate,
) -> Result<u64, Error> {
    let written = settle(states, STATES_IN_FLIGHT, |state| async move {
        for _ in 0..ATTEMPTS {
            // The counter first: the listing is written only if no transaction came after it.
            let counter = store.read_county_counter(state).await?;
            let (days, stored) = store.read_county_series(state).await?;
            let listing = CountyListing {
                vintage: stored.as_ref().map_or(vintage, |s| s.vintage.max(vintage)),
                counties: entries(state, days, names),
                rev: counter,
            };
            if stored.is_some_and(|s| s.counties == listing.counties && s.rev == listing.rev) {
                return Ok(false);
            }
            if store.write_county_listing(state, &listing).await? {
                return Ok::<_, Error>(true);
            }
        }
        // Other runs kept writing the state's days (or a later file's listing is stored):
        // the next run that reads it finds it behind and makes it again.
        tracing::warn!(
            state = state.id,
            "county listing not written: its days kept changing"
        );
        Ok(false)
    })
    .await?;
    Ok(written.into_iter().filter(|w| *w).count() as u64)
}
