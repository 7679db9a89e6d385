//! The series in memory, shared by every request and kept across warm Lambda invocations.
//! It is revalidated at most once per TTL with a cheap read of the meta item (version and
//! fingerprint); the series itself is re-read only when that changed. Requests never queue
//! behind a revalidation while data is held.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use covid_model::{DailyPoint, Day, daily, fingerprint};
use covid_store::{ReadSeries, ReadState, StoreError, StoredMeta};
use futures::future::BoxFuture;

/// Where the cache reads from: the store, or a fake in tests.
pub trait SeriesSource: Send + Sync + 'static {
    fn meta(&self) -> BoxFuture<'_, Result<Option<StoredMeta>, StoreError>>;
    fn days(&self) -> BoxFuture<'_, Result<Vec<Day>, StoreError>>;
}

impl<S: ReadState + ReadSeries + Send + Sync + 'static> SeriesSource for S {
    fn meta(&self) -> BoxFuture<'_, Result<Option<StoredMeta>, StoreError>> {
        Box::pin(async move { Ok(self.read_state().await?.meta) })
    }

    fn days(&self) -> BoxFuture<'_, Result<Vec<Day>, StoreError>> {
        Box::pin(async move {
            Ok(self
                .read_series()
                .await?
                .into_iter()
                .map(|s| s.day)
                .collect())
        })
    }
}

/// One consistent view of the data.
#[derive(Debug)]
pub struct Snapshot {
    pub days: Arc<[Day]>,
    /// Derived once per data version, with the shared model's math.
    pub daily: Arc<[DailyPoint]>,
    pub meta: Option<StoredMeta>,
    /// The fingerprint of `days` themselves. Not the meta's: a run that failed half-way leaves
    /// new days under the old meta, and one tag must never name two different answers.
    tag: Arc<str>,
}

impl Snapshot {
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
        let meta = self.source.meta().await?;
        let version = |m: Option<&StoredMeta>| m.map(|m| (m.version, m.fingerprint.clone()));
        if let Some(held) = held.filter(|h| version(h.meta.as_ref()) == version(meta.as_ref())) {
            // Same data; the meta may still carry a newer run record.
            return Ok(Snapshot {
                days: held.days.clone(),
                daily: held.daily.clone(),
                meta,
                tag: held.tag.clone(),
            });
        }
        let days = if meta.is_some() {
            self.source.days().await?
        } else {
            Vec::new()
        };
        tracing::info!(days = days.len(), version = ?meta.as_ref().map(|m| m.version), "series loaded");
        Ok(Snapshot {
            daily: daily(&days).into(),
            tag: fingerprint(&days).into(),
            days: days.into(),
            meta,
        })
    }
}
