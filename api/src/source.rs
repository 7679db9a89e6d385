//! Where the cache reads from (`SeriesSource`): the store's reads it needs, one method each, so
//! that a test can put a fake or a failing store behind the cache.

use chrono::NaiveDate;
use covid_model::{DayHistory, Region};
use covid_store::{
    CountyChangeBatch, CountyDays, CountyListing, CountyWindow, Listing, ReadSeries, ReadState,
    RegionScope, StoreError, StoredDay, StoredListing, StoredMeta,
};
use futures::future::BoxFuture;

use crate::state_counties::StateCounties;

/// A region's stored days, each with its history, and its meta item (`None`: nothing stored
/// for it).
pub type RegionRead = (Vec<DayHistory>, Option<StoredMeta>);

/// What the revalidation read tells: the national meta item, how many alerts are parked, and
/// the county file last loaded.
#[derive(Debug, Clone, Default)]
pub struct National {
    pub meta: Option<StoredMeta>,
    pub parked_alerts: u64,
    pub county_window: Option<CountyWindow>,
}

/// Where the cache reads from: the store, or a fake in tests.
pub trait SeriesSource: Send + Sync + 'static {
    /// The national meta item and the parked alerts: the revalidation read (one request).
    fn national(&self) -> BoxFuture<'_, Result<National, StoreError>>;
    /// A region's days and meta (`None`: nothing stored for it).
    fn region(&self, region: Region) -> BoxFuture<'_, Result<RegionRead, StoreError>>;
    /// The listing item (`None`: none written yet).
    fn listing(&self) -> BoxFuture<'_, Result<Option<StoredListing>, StoreError>>;
    /// A state's county listing (`None`: none written yet).
    fn county_listing(
        &self,
        state: Region,
    ) -> BoxFuture<'_, Result<Option<CountyListing>, StoreError>>;
    /// Every county of a state: its county days and listing, packed (one read).
    fn state_counties(&self, state: Region) -> BoxFuture<'_, Result<StateCounties, StoreError>>;
    /// The county change batches from `from` (a vintage, and its states from one) to `until`,
    /// stopping at the end of the vintage's state in which `enough` changes were read
    /// (`CountyDays::read_county_changes`).
    fn county_changes(
        &self,
        from: (NaiveDate, Option<Region>),
        until: NaiveDate,
        enough: usize,
    ) -> BoxFuture<'_, Result<Vec<CountyChangeBatch>, StoreError>>;
}

impl<S> SeriesSource for S
where
    S: ReadState + ReadSeries + RegionScope + Listing + CountyDays + Send + Sync + 'static,
{
    fn national(&self) -> BoxFuture<'_, Result<National, StoreError>> {
        Box::pin(async move {
            let state = self.read_state().await?;
            Ok(National {
                meta: state.meta,
                parked_alerts: state.parked.len() as u64,
                county_window: state.county_window,
            })
        })
    }

    fn region(&self, region: Region) -> BoxFuture<'_, Result<RegionRead, StoreError>> {
        Box::pin(async move {
            let (days, meta) = RegionScope::partition(self, region)
                .read_series_and_meta()
                .await?;
            Ok((days.iter().map(StoredDay::history).collect(), meta))
        })
    }

    fn listing(&self) -> BoxFuture<'_, Result<Option<StoredListing>, StoreError>> {
        Box::pin(self.read_listing())
    }

    fn county_listing(
        &self,
        state: Region,
    ) -> BoxFuture<'_, Result<Option<CountyListing>, StoreError>> {
        Box::pin(self.read_county_listing(state))
    }

    fn state_counties(&self, state: Region) -> BoxFuture<'_, Result<StateCounties, StoreError>> {
        Box::pin(async move {
            let (days, listing) = self.read_county_series(state).await?;
            Ok(StateCounties::new(state, &days, listing))
        })
    }

    fn county_changes(
        &self,
        from: (NaiveDate, Option<Region>),
        until: NaiveDate,
        enough: usize,
    ) -> BoxFuture<'_, Result<Vec<CountyChangeBatch>, StoreError>> {
        Box::pin(self.read_county_changes(from, until, enough))
    }
}
