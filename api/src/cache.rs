//! Every region's series in memory, shared by every request and kept across warm Lambda
//! invocations. It is revalidated at most once per TTL with one cheap read of the national
//! meta item (version and fingerprint), which every run that changes any region rewrites; the
//! series are re-read only when it changed. Requests never queue behind a revalidation while
//! data is held.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use covid_model::{DailyPoint, Day, Region, daily_per_100k, fingerprint, fingerprint_text};
use covid_store::{ReadSeries, ReadState, RegionScope, StoreError, StoredMeta};
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt};

/// Region series read at once when the data changed.
const REGIONS_IN_FLIGHT: usize = 8;

/// A region's stored days and its meta item (`None`: nothing stored for it).
pub type RegionRead = (Vec<Day>, Option<StoredMeta>);

/// What the revalidation read tells: the national meta item, and how many alerts are parked.
#[derive(Debug, Clone, Default)]
pub struct National {
    pub meta: Option<StoredMeta>,
    pub parked_alerts: u64,
}

/// Where the cache reads from: the store, or a fake in tests.
pub trait SeriesSource: Send + Sync + 'static {
    /// The national meta item and the parked alerts: the revalidation read (one request).
    fn national(&self) -> BoxFuture<'_, Result<National, StoreError>>;
    /// A region's days and meta (`None`: nothing stored for it).
    fn region(&self, region: Region) -> BoxFuture<'_, Result<RegionRead, StoreError>>;
}

impl<S> SeriesSource for S
where
    S: ReadState + ReadSeries + RegionScope + Send + Sync + 'static,
{
    fn national(&self) -> BoxFuture<'_, Result<National, StoreError>> {
        Box::pin(async move {
            let state = self.read_state().await?;
            Ok(National {
                meta: state.meta,
                parked_alerts: state.parked.len() as u64,
            })
        })
    }

    fn region(&self, region: Region) -> BoxFuture<'_, Result<RegionRead, StoreError>> {
        Box::pin(async move {
            let (days, meta) = RegionScope::partition(self, region)
                .read_series_and_meta()
                .await?;
            Ok((days.into_iter().map(|s| s.day).collect(), meta))
        })
    }
}

/// One region's series as served.
#[derive(Debug)]
pub struct RegionSeries {
    pub region: Region,
    pub days: Arc<[Day]>,
    /// Derived once per data version, with the shared model's math (per 100k with the
    /// population).
    pub daily: Arc<[DailyPoint]>,
    pub population: Option<u64>,
    /// The fingerprint of `days` (and population) themselves. Not the meta's: a run that
    /// failed half-way leaves new days under the old meta, and one tag must never name two
    /// different answers.
    tag: Arc<str>,
}

impl RegionSeries {
    fn new(region: Region, days: Vec<Day>, population: Option<u64>) -> Self {
        let tag = match population {
            None => fingerprint(&days),
            Some(people) => format!("{}-{people}", fingerprint(&days)),
        };
        Self {
            region,
            daily: daily_per_100k(&days, population).into(),
            days: days.into(),
            population,
            tag: tag.into(),
        }
    }

    /// Identifies the data served (for entity tags).
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Index range of the days with `from <= date <= to`.
    pub fn range(
        &self,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> std::ops::Range<usize> {
        let start = from.map_or(0, |f| self.days.partition_point(|d| d.date < f));
        let end = to.map_or(self.days.len(), |t| {
            self.days.partition_point(|d| d.date <= t)
        });
        start..end.max(start)
    }
}

/// One consistent view of the data.
#[derive(Debug)]
pub struct Snapshot {
    /// The national meta item (last change, last run).
    pub meta: Option<StoredMeta>,
    /// Alerts the ETL moved aside.
    pub parked_alerts: u64,
    /// `US` (always, maybe without days) and every state with stored data.
    pub regions: Arc<BTreeMap<Region, Arc<RegionSeries>>>,
    /// Identifies all of it (for the regions list's entity tag).
    tag: Arc<str>,
}

impl Snapshot {
    /// The national series.
    pub fn us(&self) -> &RegionSeries {
        &self.regions[&covid_model::US]
    }

    /// A region's series; `None` for a region without stored data.
    pub fn series(&self, region: Region) -> Option<&RegionSeries> {
        self.regions.get(&region).map(|s| &**s)
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }
}

pub struct SeriesCache {
    source: Box<dyn SeriesSource>,
    ttl: Duration,
    current: RwLock<Option<(Arc<Snapshot>, Instant)>>,
    refresh: tokio::sync::Mutex<()>,
}

impl SeriesCache {
    pub fn new(source: impl SeriesSource, ttl: Duration) -> Self {
        Self {
            source: Box::new(source),
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

    /// The data, revalidated if older than the TTL. One request revalidates at a time; while it
    /// does, the others are served the data held (only a cold cache makes them wait). If the
    /// store fails and older data is held, that is served.
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
        } = self.source.national().await?;
        let version = |m: Option<&StoredMeta>| m.map(|m| (m.version, m.fingerprint.clone()));
        if let Some(held) = held.filter(|h| version(h.meta.as_ref()) == version(meta.as_ref())) {
            // Same data; the meta may still carry a newer run record.
            return Ok(Snapshot {
                meta,
                parked_alerts,
                regions: held.regions.clone(),
                tag: held.tag.clone(),
            });
        }
        let mut regions = BTreeMap::new();
        if meta.is_some() {
            let read: Vec<(Region, Vec<Day>, Option<StoredMeta>)> =
                futures::stream::iter(Region::all())
                    .map(|region| async move {
                        let (days, meta) = self.source.region(region).await?;
                        Ok::<_, StoreError>((region, days, meta))
                    })
                    .buffered(REGIONS_IN_FLIGHT)
                    .try_collect()
                    .await?;
            for (region, days, region_meta) in read {
                // A state is served once loaded: not while its first load holds a placeholder.
                if region.is_us() || region_meta.as_ref().is_some_and(|m| m.version > 0) {
                    let population = region_meta.and_then(|m| m.population);
                    regions.insert(
                        region,
                        Arc::new(RegionSeries::new(region, days, population)),
                    );
                }
            }
        }
        regions
            .entry(covid_model::US)
            .or_insert_with(|| Arc::new(RegionSeries::new(covid_model::US, Vec::new(), None)));
        let tags: Vec<&str> = regions.values().map(|s| s.tag()).collect();
        let tag = fingerprint_text(&tags.join(","));
        tracing::info!(
            regions = regions.len(),
            days = regions.values().map(|s| s.days.len()).sum::<usize>(),
            version = ?meta.as_ref().map(|m| m.version),
            "series loaded"
        );
        Ok(Snapshot {
            meta,
            parked_alerts,
            regions: Arc::new(regions),
            tag: tag.into(),
        })
    }
}
