//! Each state's county listing (`/v1/regions/{state}/counties`), written once a county file's
//! days are in: every county's entry from the state's whole stored county series (so a
//! county's `first_date` and `count` are of everything stored, not of the file), its name as
//! NYT gives it and its population. One item a state: the largest, Texas's 255 entries, stays
//! far below DynamoDB's item limit whatever the number of states.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use covid_model::{CountyCounts, CountySummary, Region};
use covid_store::{CountyDays, CountyListing};

use crate::error::Error;
use crate::load::settle;

/// State partitions read whole at once (Texas's, with a whole history, about 4 MB).
const STATES_IN_FLIGHT: usize = 4;

/// What a listing is made of beside the stored days: each county's name and population, by id.
pub struct Names<'a> {
    pub names: &'a BTreeMap<String, String>,
    pub populations: &'a BTreeMap<String, u64>,
}

/// `state`'s entries, from its county days as stored (in date order).
fn entries(
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
        let (days, stored) = store.read_county_series(state).await?;
        let listing = CountyListing {
            vintage: stored.as_ref().map_or(vintage, |s| s.vintage.max(vintage)),
            counties: entries(state, days, names),
        };
        if stored.is_some_and(|s| s.counties == listing.counties) {
            return Ok(false);
        }
        Ok::<_, Error>(store.write_county_listing(state, &listing).await?)
    })
    .await?;
    Ok(written.into_iter().filter(|w| *w).count() as u64)
}
