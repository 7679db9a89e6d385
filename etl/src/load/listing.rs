//! The listing: every region's `/v1/regions` entry, as stored once the run is done, in one item
//! marked with the national meta's version (`covid_store::Listing`). The API answers the list
//! with one read of it while it is current, and reads every region's series otherwise.

use std::collections::BTreeMap;

use covid_model::{Region, RegionSummary};
use covid_store::{Listing, StoredListing, StoredMeta};

use crate::error::Error;
use crate::load::LoadOutcome;
use crate::load::states::Stored;

/// Whether the national meta marks the listing as written for its version.
pub fn is_current(meta: Option<&StoredMeta>) -> bool {
    meta.is_some_and(|m| m.listing_version == Some(m.version))
}

/// The entries, in the API's order (`US` first, then by name): the nation always, each state
/// with stored days. The same function as the API's, on the same series.
pub fn entries(national: &LoadOutcome, states: &BTreeMap<Region, Stored>) -> Vec<RegionSummary> {
    let population = national.meta.as_ref().and_then(|m| m.population);
    Region::all()
        .into_iter()
        .filter_map(|region| {
            if region.is_us() {
                return Some(RegionSummary::of(region, &national.stored, population));
            }
            let state = states.get(&region).filter(|s| !s.days.is_empty())?;
            Some(RegionSummary::of(region, &state.days, state.population))
        })
        .collect()
}

/// Writes the listing for the national meta `national` left, unless it is current already.
/// `states`: every state as stored. `Ok(false)`: not written (current, or another run changed
/// the data since: that run writes its own).
pub async fn write<S: Listing>(
    store: &S,
    national: &LoadOutcome,
    states: &BTreeMap<Region, Stored>,
) -> Result<bool, Error> {
    let Some(meta) = national.meta.as_ref().filter(|m| !is_current(Some(m))) else {
        return Ok(false);
    };
    let listing = StoredListing {
        version: meta.version,
        regions: entries(national, states),
    };
    let written = store.write_listing(&listing).await?;
    if !written {
        tracing::info!(
            version = meta.version,
            "the data changed since this run's meta write; the listing is left to that run"
        );
    }
    Ok(written)
}
