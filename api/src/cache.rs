//! The data as served, kept across warm Lambda invocations and read lazily: a region's series is
//! read when it is first asked, the regions' list from the one listing item the ETL writes, a
//! county's with every county of its state (one read of the state's county partition). So the
//! first answer after a cold start costs the national meta read and the one read it needs,
//! whatever the number of regions and counties.
//!
//! Memory is bounded: the 56 regions' series are kept, but only the
//! [`COUNTY_STATES_HELD`] states whose counties were asked most recently (`state_counties.rs`).
//!
//! Which data is current is revalidated at most once per TTL with one small read of the national
//! meta item (version and fingerprint), which every run that changes any region rewrites. While
//! the version holds, what was read is kept; when it moves, each region is read again when next
//! asked. Requests never queue behind a revalidation while data is held, and concurrent first
//! asks of a region share one read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use covid_model::{
    CountyId, DailyPoint, Day, DayHistory, Place, Region, RegionSummary, daily_per_100k,
    fingerprint,
};
use covid_store::{CountyChangeBatch, CountyListing, CountyWindow, StoreError, StoredMeta};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

use crate::recent::Recent;
pub use crate::source::{National, RegionRead, SeriesSource};
use crate::state_counties::StateCounties;

/// The states whose counties a data version keeps (the least recently asked let go first): a
/// scan of every county reads each state's once, and holds at most this many. Texas's, the
/// largest, whole history is 9.5 MB held (`tests/county_memory.rs`, on a synthetic history).
pub const COUNTY_STATES_HELD: usize = 4;

/// Region series read at once where every region's is read: the list made without a current
/// listing item, and every region's revisions (`revisions.rs`).
pub(crate) const REGIONS_IN_FLIGHT: usize = 8;

/// One region's or county's series as served.
#[derive(Debug)]
pub struct RegionSeries {
    pub place: Place,
    /// How answers name it: `New York`, a county with its state `Kings, New York`.
    pub name: String,
    /// The days as they stand (a day the source withdrew is not one).
    pub days: Arc<[Day]>,
    /// Derived once per data version, with the shared model's math (per 100k with the
    /// population).
    pub daily: Arc<[DailyPoint]>,
    pub population: Option<u64>,
    /// Every value each day held (`days` are the current ones), for the series as of a date
    /// and the revisions; withdrawn days too.
    pub history: Arc<[DayHistory]>,
    /// How many times each of `days` was revised.
    pub revisions: Arc<[u32]>,
    /// The newest vintage that wrote any day; `None`: none recorded one.
    pub vintage: Option<chrono::NaiveDate>,
    /// The fingerprint of `days` (and population) themselves. Not the meta's: a run that
    /// failed half-way leaves new days under the old meta, and one tag must never name two
    /// different answers.
    tag: Arc<str>,
}

impl RegionSeries {
    /// A region's series.
    fn of_region(region: Region, history: Vec<DayHistory>, population: Option<u64>) -> Self {
        Self::new(region.into(), region.name.to_string(), history, population)
    }

    pub(crate) fn new(
        place: Place,
        name: String,
        history: Vec<DayHistory>,
        population: Option<u64>,
    ) -> Self {
        let standing = || history.iter().filter(|h| !h.withdrawn());
        let days: Vec<Day> = standing().map(|h| h.current().day).collect();
        // A history only grows: its size names it with the values (a value revised back to
        // an earlier one leaves the days as they were, not the history).
        let versions: usize = history.iter().map(|h| h.versions().len()).sum();
        let tag = match population {
            None => format!("{}-{versions}", fingerprint(&days)),
            Some(people) => format!("{}-{versions}-{people}", fingerprint(&days)),
        };
        Self {
            place,
            name,
            daily: daily_per_100k(&days, population).into(),
            days: days.into(),
            population,
            revisions: standing().map(DayHistory::revisions).collect(),
            vintage: covid_model::last_vintage(&history),
            history: history.into(),
            tag: tag.into(),
        }
    }

    /// Identifies the data served (for entity tags).
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

/// The regions' list as served: every region with data, `US` first, then by name.
#[derive(Debug)]
pub struct RegionList {
    pub regions: Vec<RegionSummary>,
    /// The fingerprint of the list itself (for its entity tag).
    tag: String,
}

impl RegionList {
    fn new(regions: Vec<RegionSummary>) -> Self {
        let text = serde_json::to_string(&regions).expect("wire types serialise");
        Self {
            regions,
            tag: covid_model::fingerprint_text(&text),
        }
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }
}

/// A region's entry: `None` while nothing of it may be served.
type Entry = Option<Arc<RegionSeries>>;

/// What has been read of one version of the data so far.
struct Generation {
    source: Arc<dyn SeriesSource>,
    /// The national meta's version (`None`: nothing stored yet).
    version: Option<u64>,
    /// Whether the national meta marks the listing item as written for `version` (the ETL
    /// writes it just after the meta: a revalidation may find it marked later).
    listed: AtomicBool,
    regions: Mutex<HashMap<Region, Arc<OnceCell<Entry>>>>,
    /// The states whose counties were asked most recently, each read once.
    counties: Mutex<Recent<Region, Arc<OnceCell<Arc<StateCounties>>>>>,
    list: OnceCell<Arc<RegionList>>,
    /// The generation this one replaced (one back at most, let go when this one is replaced):
    /// what a failed read falls back on.
    previous: Mutex<Option<Arc<Generation>>>,
}

impl Generation {
    fn new(source: Arc<dyn SeriesSource>, meta: Option<&StoredMeta>) -> Self {
        Self {
            source,
            version: meta.map(|m| m.version),
            listed: AtomicBool::new(listed(meta)),
            regions: Mutex::default(),
            counties: Mutex::new(Recent::new(COUNTY_STATES_HELD)),
            list: OnceCell::new(),
            previous: Mutex::default(),
        }
    }

    fn cell(&self, region: Region) -> Arc<OnceCell<Entry>> {
        let mut regions = self.regions.lock().expect("cache lock");
        regions.entry(region).or_default().clone()
    }

    /// What this generation holds of `region` already.
    fn held(&self, region: Region) -> Option<Entry> {
        let regions = self.regions.lock().expect("cache lock");
        regions.get(&region).and_then(|cell| cell.get().cloned())
    }

    fn previous(&self) -> Option<Arc<Generation>> {
        self.previous.lock().expect("cache lock").clone()
    }

    async fn read(&self, region: Region) -> Result<Entry, StoreError> {
        if self.version.is_none() {
            // Nothing stored: the nation without days, no state.
            return Ok(region
                .is_us()
                .then(|| Arc::new(RegionSeries::of_region(region, Vec::new(), None))));
        }
        let (days, meta) = self.source.region(region).await?;
        tracing::debug!(region = %region, days = days.len(), "series read");
        // A state is served once loaded: not while its first load holds a placeholder.
        let served = region.is_us() || meta.as_ref().is_some_and(|m| m.version > 0);
        let population = meta.and_then(|m| m.population);
        Ok(served.then(|| Arc::new(RegionSeries::of_region(region, days, population))))
    }

    /// `place`'s series: a region's, or a county's.
    async fn series(&self, place: Place) -> Result<Entry, StoreError> {
        match place {
            Place::Region(region) => self.region(region).await,
            Place::County(county) => self.county(county).await,
        }
    }

    /// `county`'s series, made from its state's counties, read on the first ask of any of them
    /// (and again once let go). A failed read serves the previous version's, if it holds them.
    async fn county(&self, county: CountyId) -> Result<Entry, StoreError> {
        if self.version.is_none() {
            return Ok(None);
        }
        let state = county.state();
        let cell = self
            .counties
            .lock()
            .expect("cache lock")
            .get_or_insert_with(state, Default::default);
        let read = cell
            .get_or_try_init(|| async {
                let started = Instant::now();
                let counties = self.source.state_counties(state).await?;
                tracing::info!(
                    state = %state,
                    values = counties.values(),
                    ms = started.elapsed().as_millis() as u64,
                    "counties read"
                );
                Ok::<_, StoreError>(Arc::new(counties))
            })
            .await;
        let counties = match read {
            Ok(counties) => counties.clone(),
            Err(error) => {
                let held = self.previous().and_then(|p| {
                    let held = p.counties.lock().expect("cache lock");
                    held.peek(&state).and_then(|cell| cell.get().cloned())
                });
                match held {
                    Some(counties) => {
                        tracing::warn!(%error, state = %state, "read failed; serving the counties held");
                        counties
                    }
                    None => return Err(error),
                }
            }
        };
        Ok(counties.series(county).map(Arc::new))
    }

    /// `region`'s series, read on its first ask. A failed read serves the previous version's,
    /// if it was read.
    async fn region(&self, region: Region) -> Result<Entry, StoreError> {
        let cell = self.cell(region);
        match cell.get_or_try_init(|| self.read(region)).await {
            Ok(entry) => Ok(entry.clone()),
            Err(error) => match self.previous().and_then(|p| p.held(region)) {
                Some(entry) => {
                    tracing::warn!(%error, region = %region, "read failed; serving the data held");
                    Ok(entry)
                }
                None => Err(error),
            },
        }
    }

    async fn read_list(&self) -> Result<RegionList, StoreError> {
        if self.listed.load(Ordering::Relaxed)
            && let Some(listing) = self.source.listing().await?
            && Some(listing.version) == self.version
        {
            return Ok(RegionList::new(listing.regions));
        }
        // No current listing (written by the run that changed the data, moments later; or an
        // older ETL): every region's series.
        let entries: Vec<Entry> = futures::stream::iter(Region::all())
            .map(|region| self.region(region))
            .buffered(REGIONS_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(RegionList::new(
            Region::all()
                .into_iter()
                .zip(entries)
                .filter_map(|(region, s)| {
                    s.map(|s| RegionSummary::of(region, &s.days, s.population))
                })
                .collect(),
        ))
    }

    /// The regions' list, read on its first ask.
    async fn list(&self) -> Result<Arc<RegionList>, StoreError> {
        let made = self
            .list
            .get_or_try_init(|| async { self.read_list().await.map(Arc::new) })
            .await;
        match made {
            Ok(list) => Ok(list.clone()),
            Err(error) => match self.previous().and_then(|p| p.list.get().cloned()) {
                Some(list) => {
                    tracing::warn!(%error, "read failed; serving the list held");
                    Ok(list)
                }
                None => Err(error),
            },
        }
    }
}

/// One consistent view of the data: the national meta as last revalidated, and the version's
/// series, read as they are asked.
pub struct Snapshot {
    /// The national meta item (last change, last run).
    pub meta: Option<StoredMeta>,
    /// Alerts the ETL moved aside.
    pub parked_alerts: u64,
    /// The county file last loaded (`None`: no county is stored).
    pub county_window: Option<CountyWindow>,
    data: Arc<Generation>,
}

impl Snapshot {
    /// The county change batches from `from` to `until`, as
    /// [`SeriesSource::county_changes`] reads them: read for each ask (each page of
    /// `/v1/revisions`), which the edge caches.
    pub async fn county_changes(
        &self,
        from: (NaiveDate, Option<Region>),
        until: NaiveDate,
        enough: usize,
    ) -> Result<Vec<CountyChangeBatch>, StoreError> {
        self.data.source.county_changes(from, until, enough).await
    }

    /// A region's or county's series; `None` for one without stored data.
    pub async fn series(
        &self,
        place: impl Into<Place>,
    ) -> Result<Option<Arc<RegionSeries>>, StoreError> {
        self.data.series(place.into()).await
    }

    /// Every region with data, with its newest values.
    pub async fn list(&self) -> Result<Arc<RegionList>, StoreError> {
        self.data.list().await
    }
}

pub struct SeriesCache {
    source: Arc<dyn SeriesSource>,
    ttl: Duration,
    current: RwLock<Option<(Arc<Snapshot>, Instant)>>,
    refresh: tokio::sync::Mutex<()>,
}

impl SeriesCache {
    pub fn new(source: impl SeriesSource, ttl: Duration) -> Self {
        Self {
            source: Arc::new(source),
            ttl,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self) -> Option<Arc<Snapshot>> {
        let current = self.current.read().expect("cache lock");
        current
            .as_ref()
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(s, _)| s.clone())
    }

    /// A state's county listing, read from the store on each ask (one `GetItem`): it changes
    /// apart from the national data, and the edge caches each state's answer.
    pub async fn county_listing(&self, state: Region) -> Result<Option<CountyListing>, StoreError> {
        self.source.county_listing(state).await
    }

    /// The current view, revalidated if older than the TTL. One request revalidates at a time;
    /// while it does, the others are served the view held (only a cold cache makes them wait).
    /// If the store fails and a view is held, that is served.
    pub async fn get(&self) -> Result<Arc<Snapshot>, StoreError> {
        if let Some(snapshot) = self.fresh() {
            return Ok(snapshot);
        }
        let held = self
            .current
            .read()
            .expect("cache lock")
            .as_ref()
            .map(|(s, _)| s.clone());
        let _refreshing = match (self.refresh.try_lock(), &held) {
            (Ok(guard), _) => guard,
            (Err(_), Some(held)) => return Ok(held.clone()),
            (Err(_), None) => self.refresh.lock().await,
        };
        if let Some(snapshot) = self.fresh() {
            return Ok(snapshot);
        }
        let snapshot = match self.revalidate(held.as_deref()).await {
            Ok(snapshot) => Arc::new(snapshot),
            Err(error) => match held {
                Some(held) => {
                    tracing::warn!(%error, "revalidation failed; serving the data held");
                    held
                }
                None => return Err(error),
            },
        };
        *self.current.write().expect("cache lock") = Some((snapshot.clone(), Instant::now()));
        Ok(snapshot)
    }

    async fn revalidate(&self, held: Option<&Snapshot>) -> Result<Snapshot, StoreError> {
        let National {
            meta,
            parked_alerts,
            county_window,
        } = self.source.national().await?;
        let version = |m: Option<&StoredMeta>| m.map(|m| (m.version, m.fingerprint.clone()));
        let same = held.filter(|h| version(h.meta.as_ref()) == version(meta.as_ref()));
        let data = match same {
            // Same data; the meta may still carry a newer run record, or the listing's mark.
            Some(held) => {
                if listed(meta.as_ref()) {
                    held.data.listed.store(true, Ordering::Relaxed);
                }
                held.data.clone()
            }
            None => {
                let data = Generation::new(self.source.clone(), meta.as_ref());
                if let Some(held) = held {
                    // One generation back at most: the one before is let go.
                    held.data.previous.lock().expect("cache lock").take();
                    *data.previous.lock().expect("cache lock") = Some(held.data.clone());
                }
                tracing::info!(version = ?data.version, "data version");
                Arc::new(data)
            }
        };
        Ok(Snapshot {
            meta,
            parked_alerts,
            county_window,
            data,
        })
    }
}

/// Whether `meta` marks the listing item as written for its version.
fn listed(meta: Option<&StoredMeta>) -> bool {
    meta.is_some_and(|m| m.listing_version == Some(m.version))
}
