//! An in-memory store with the same contracts as [`DynamoStore`](crate::DynamoStore): every
//! conditional write holds or fails as DynamoDB's would, a transaction is all or nothing, and a
//! meta write deletes the change records it announces only if they all still exist. It can be
//! told to fail: every request after the next `n` writes, or with a hook that runs before each
//! write (another writer getting there first). For unit tests of the domain logic without a
//! database.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{Day, Region};

use crate::{
    BulkLoad, ChangeRecord, DayWrite, IdempotencyClaim, IdempotencyRecords, Lease, Listing,
    MAX_CHANGES_PER_META_WRITE, MAX_WRITES_PER_BATCH, OutboxMessage, RateLimits, ReadSeries,
    ReadState, RunRecord, SeriesState, StoreError, StoredDay, StoredListing, StoredMeta,
    WriteAlerts, WriteDay, WriteMeta,
};

/// What the table holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contents {
    /// The national series.
    pub days: BTreeMap<NaiveDate, StoredDay>,
    pub meta: Option<StoredMeta>,
    /// Every other region's series.
    pub regions: BTreeMap<Region, Series>,
    /// Alerts in the outbox by id, with the time until which one is claimed.
    pub outbox: BTreeMap<String, (OutboxMessage, Option<DateTime<Utc>>)>,
    /// Alerts moved aside, by id.
    pub parked: BTreeMap<String, OutboxMessage>,
    pub changes: BTreeMap<String, ChangeRecord>,
    /// The listing item.
    pub listing: Option<StoredListing>,
    /// Lambda idempotency records by event id.
    pub events: BTreeMap<String, EventRecord>,
    /// Rate counters by `counter#window end`.
    pub limits: BTreeMap<String, u64>,
    /// The audiences with subscribers.
    pub audiences: std::collections::BTreeSet<String>,
    /// Each state's county days (`counties/`).
    pub counties: BTreeMap<(Region, NaiveDate), crate::StoredCountyDay>,
    /// The county file last loaded.
    pub county_window: Option<crate::CountyWindow>,
    /// Each state's county listing.
    pub county_listings: BTreeMap<Region, crate::CountyListing>,
    /// Each state's county write counter (transactions of its county days committed).
    pub county_counters: BTreeMap<Region, u64>,
    /// The county change batches, by key (vintage first).
    pub county_changes: BTreeMap<String, crate::CountyChangeBatch>,
}

/// One region's days and meta.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Series {
    pub days: BTreeMap<NaiveDate, StoredDay>,
    pub meta: Option<StoredMeta>,
}

impl Contents {
    /// `region`'s days and meta.
    pub fn series(&self, region: Region) -> Series {
        if region.is_us() {
            Series {
                days: self.days.clone(),
                meta: self.meta.clone(),
            }
        } else {
            self.regions.get(&region).cloned().unwrap_or_default()
        }
    }

    fn series_mut(
        &mut self,
        region: Region,
    ) -> (&mut BTreeMap<NaiveDate, StoredDay>, &mut Option<StoredMeta>) {
        if region.is_us() {
            (&mut self.days, &mut self.meta)
        } else {
            let series = self.regions.entry(region).or_default();
            (&mut series.days, &mut series.meta)
        }
    }
}

/// A Lambda idempotency record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// `None` while in progress; the stored result once completed.
    pub result: Option<String>,
    pub lock_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

type Hook = Box<dyn FnMut(&mut Contents) + Send>;

#[derive(Default)]
struct Inner {
    contents: Contents,
    /// Requests served per method (`read_state`, `write_days`, …).
    calls: BTreeMap<&'static str, u64>,
    /// Writes that may still succeed before every request fails (`None`: no limit).
    writes_left: Option<u64>,
    before_write: Option<Hook>,
}

/// The in-memory table, seen from one region's series (the nation unless [`MemoryStore::partition`]
/// says otherwise). Clones share it.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    region: Region,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            inner: Arc::default(),
            region: covid_model::US,
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same table, seen from `region`'s series, as [`DynamoStore::partition`](crate::DynamoStore::partition).
    pub fn partition(&self, region: Region) -> Self {
        Self {
            inner: self.inner.clone(),
            region,
        }
    }

    /// A copy of what the table holds now.
    pub fn contents(&self) -> Contents {
        self.lock().contents.clone()
    }

    /// Requests served so far (reads and writes, failed ones included).
    pub fn requests(&self) -> u64 {
        self.lock().calls.values().sum()
    }

    /// Requests served so far by one method of the store's traits, e.g. `read_series`.
    pub fn calls(&self, method: &str) -> u64 {
        self.lock().calls.get(method).copied().unwrap_or(0)
    }

    /// Changes the contents directly, as a test's setup or another process would.
    pub fn edit(&self, change: impl FnOnce(&mut Contents)) {
        change(&mut self.lock().contents);
    }

    /// After `writes` more successful writes, every request fails (an outage).
    pub fn fail_after_writes(&self, writes: u64) {
        self.lock().writes_left = Some(writes);
    }

    /// Ends an outage.
    pub fn heal(&self) {
        let mut inner = self.lock();
        inner.writes_left = None;
        inner.before_write = None;
    }

    /// Runs `hook` on the contents before each write: another writer, between a read and a write.
    pub fn before_each_write(&self, hook: impl FnMut(&mut Contents) + Send + 'static) {
        self.lock().before_write = Some(Box::new(hook));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("memory store lock")
    }

    /// One request to `operation` (a trait method's name): fails during an outage; for a write,
    /// runs the hook, then `apply`.
    pub(crate) fn request<T>(
        &self,
        operation: &'static str,
        write: bool,
        apply: impl FnOnce(&mut Contents) -> T,
    ) -> Result<T, StoreError> {
        let mut inner = self.lock();
        *inner.calls.entry(operation).or_default() += 1;
        if inner.writes_left == Some(0) {
            return Err(StoreError::Request {
                operation,
                table: "memory".to_string(),
                detail: "injected outage".to_string(),
            });
        }
        if write {
            if let Some(left) = inner.writes_left.as_mut() {
                *left -= 1;
            }
            let Inner {
                contents,
                before_write,
                ..
            } = &mut *inner;
            if let Some(hook) = before_write {
                hook(contents);
            }
        }
        Ok(apply(&mut inner.contents))
    }
}

fn holds(days: &BTreeMap<NaiveDate, StoredDay>, write: &DayWrite) -> bool {
    match write {
        DayWrite::Insert(day) => !days.contains_key(&day.date),
        DayWrite::Update { stored, .. } => days
            .get(&stored.day.date)
            .is_some_and(|s| s.rev == stored.rev),
    }
}

fn apply(days: &mut BTreeMap<NaiveDate, StoredDay>, write: &DayWrite, vintage: NaiveDate) {
    let stored = write.stored(vintage);
    days.insert(stored.day.date, stored);
}

impl ReadState for MemoryStore {
    async fn read_state(&self) -> Result<SeriesState, StoreError> {
        let region = self.region;
        self.request("read_state", false, |c| {
            if !region.is_us() {
                // Alerts and change records live in the national partition.
                return SeriesState {
                    meta: c.series_mut(region).1.clone(),
                    ..SeriesState::default()
                };
            }
            SeriesState {
                meta: c.meta.clone(),
                outbox: c.outbox.values().map(|(m, _)| m.clone()).collect(),
                parked: c.parked.values().cloned().collect(),
                changes: c.changes.values().cloned().collect(),
                county_window: c.county_window.clone(),
            }
        })
    }
}

impl ReadSeries for MemoryStore {
    async fn read_series(&self) -> Result<Vec<StoredDay>, StoreError> {
        let region = self.region;
        self.request("read_series", false, |c| {
            c.series_mut(region).0.values().cloned().collect()
        })
    }

    async fn read_series_and_meta(
        &self,
    ) -> Result<(Vec<StoredDay>, Option<StoredMeta>), StoreError> {
        let region = self.region;
        self.request("read_series_and_meta", false, |c| {
            let (days, meta) = c.series_mut(region);
            (days.values().cloned().collect(), meta.clone())
        })
    }

    async fn read_day(&self, date: NaiveDate) -> Result<Option<StoredDay>, StoreError> {
        let region = self.region;
        self.request("read_day", false, |c| {
            c.series_mut(region).0.get(&date).cloned()
        })
    }
}

impl WriteDay for MemoryStore {
    async fn write_days(
        &self,
        writes: &[DayWrite],
        vintage: NaiveDate,
    ) -> Result<Option<ChangeRecord>, StoreError> {
        assert!((1..=MAX_WRITES_PER_BATCH).contains(&writes.len()));
        let region = self.region;
        self.request("write_days", true, |c| {
            let days = c.series_mut(region).0;
            if !writes.iter().all(|w| holds(days, w)) {
                return None;
            }
            writes.iter().for_each(|w| apply(days, w, vintage));
            let record = ChangeRecord::of(region, writes, Utc::now());
            c.changes.insert(record.id.clone(), record.clone());
            Some(record)
        })
    }
}

impl WriteMeta for MemoryStore {
    async fn write_meta(
        &self,
        meta: &StoredMeta,
        expected: Option<u64>,
        alert: Option<&OutboxMessage>,
        announced: &[String],
    ) -> Result<bool, StoreError> {
        assert!(announced.len() <= MAX_CHANGES_PER_META_WRITE);
        let region = self.region;
        self.request("write_meta", true, |c| {
            let stored = c.series_mut(region).1.clone();
            let version_holds = stored.as_ref().map(|m| m.version) == expected;
            if !version_holds || !announced.iter().all(|id| c.changes.contains_key(id)) {
                return false;
            }
            *c.series_mut(region).1 = Some(meta.written_over(stored.as_ref()));
            if let Some(alert) = alert {
                c.outbox.insert(alert.id.clone(), (alert.clone(), None));
            }
            announced.iter().for_each(|id| {
                c.changes.remove(id);
            });
            true
        })
    }

    async fn merge_changes(
        &self,
        merged: &ChangeRecord,
        ids: &[String],
    ) -> Result<bool, StoreError> {
        self.request("merge_changes", true, |c| {
            if !ids.iter().all(|id| c.changes.contains_key(id)) {
                return false;
            }
            ids.iter().for_each(|id| {
                c.changes.remove(id);
            });
            c.changes.insert(merged.id.clone(), merged.clone());
            true
        })
    }

    async fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.request("record_run", true, |c| {
            if let Some(meta) = c.meta.as_mut() {
                meta.last_run = Some(run.clone());
            }
        })
    }
}

impl Listing for MemoryStore {
    async fn read_listing(&self) -> Result<Option<StoredListing>, StoreError> {
        self.request("read_listing", false, |c| c.listing.clone())
    }

    async fn write_listing(&self, listing: &StoredListing) -> Result<bool, StoreError> {
        self.request("write_listing", true, |c| {
            match c.meta.as_mut().filter(|m| m.version == listing.version) {
                Some(meta) => meta.listing_version = Some(listing.version),
                None => return false,
            }
            c.listing = Some(listing.clone());
            true
        })
    }
}

impl WriteAlerts for MemoryStore {
    async fn mark_stale(
        &self,
        newest: NaiveDate,
        alert: &OutboxMessage,
    ) -> Result<bool, StoreError> {
        self.request("mark_stale", true, |c| match c.meta.as_mut() {
            Some(meta) if meta.stale_alert_for != Some(newest) => {
                meta.stale_alert_for = Some(newest);
                c.outbox.insert(alert.id.clone(), (alert.clone(), None));
                true
            }
            _ => false,
        })
    }

    async fn put_alert(&self, alert: &OutboxMessage) -> Result<(), StoreError> {
        self.request("put_alert", true, |c| {
            c.outbox.insert(alert.id.clone(), (alert.clone(), None));
        })
    }

    async fn claim_alert(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        self.request("claim_alert", true, |c| match c.outbox.get_mut(id) {
            Some((message, claim)) if claim.is_none_or(|t| t < now) => {
                *claim = Some(until);
                message.attempts += 1;
                Some(message.attempts)
            }
            _ => None,
        })
    }

    async fn park_alert(
        &self,
        alert: &OutboxMessage,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.request("park_alert", true, |c| {
            if let Some((message, _)) = c.outbox.remove(&alert.id) {
                c.parked.insert(message.id.clone(), message);
            }
        })
    }

    async fn release_alert(&self, id: &str, sent: &[String]) -> Result<(), StoreError> {
        self.request("release_alert", true, |c| {
            if let Some((message, claim)) = c.outbox.get_mut(id) {
                *claim = None;
                if !sent.is_empty() {
                    message.sent = sent.to_vec();
                }
            }
        })
    }

    async fn delete_alert(&self, id: &str) -> Result<(), StoreError> {
        self.request("delete_alert", true, |c| {
            c.outbox.remove(id);
        })
    }
}

impl crate::Audiences for MemoryStore {
    async fn add_audiences(&self, names: &[String]) -> Result<(), StoreError> {
        self.request("add_audiences", true, |c| {
            c.audiences.extend(names.iter().cloned())
        })
    }

    async fn read_audiences(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        self.request("read_audiences", false, |c| c.audiences.clone())
    }
}

impl IdempotencyRecords for MemoryStore {
    async fn claim_event(
        &self,
        id: &str,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StoreError> {
        self.request("claim_event", true, |c| {
            match c.events.get(id) {
                Some(record) if record.expires_at >= now => match &record.result {
                    Some(result) => return IdempotencyClaim::Completed(result.clone()),
                    None if record.lock_until >= now => {
                        return IdempotencyClaim::InProgress {
                            until: record.lock_until,
                        };
                    }
                    // A crashed invocation's lock has lapsed: taken over.
                    None => {}
                },
                _ => {}
            }
            c.events.insert(
                id.to_string(),
                EventRecord {
                    result: None,
                    lock_until,
                    expires_at,
                },
            );
            IdempotencyClaim::Acquired
        })
    }

    async fn complete_event(
        &self,
        id: &str,
        result: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.request("complete_event", true, |c| {
            if let Some(record) = c.events.get_mut(id) {
                record.result = Some(result.to_string());
                record.expires_at = expires_at;
            }
        })
    }

    async fn release_event(&self, id: &str) -> Result<(), StoreError> {
        self.request("release_event", true, |c| {
            c.events.remove(id);
        })
    }
}

impl RateLimits for MemoryStore {
    async fn take(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
        uses: u64,
        max: u64,
    ) -> Result<bool, StoreError> {
        let key = crate::keys::limit_key(counter, window_end);
        self.request("take", true, |c| {
            let count = c.limits.entry(key).or_default();
            if *count + uses > max {
                return false;
            }
            *count += uses;
            true
        })
    }

    async fn give_back(&self, counter: &str, window_end: DateTime<Utc>) -> Result<(), StoreError> {
        let key = crate::keys::limit_key(counter, window_end);
        self.request("give_back", true, |c| {
            if let Some(count) = c.limits.get_mut(&key) {
                *count = count.saturating_sub(1);
            }
        })
    }
}

impl BulkLoad for MemoryStore {
    async fn lease_series(
        &self,
        seen: Option<&StoredMeta>,
        first: NaiveDate,
        last: NaiveDate,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        let region = self.region;
        let seen = seen.cloned();
        self.request("lease_series", true, |c| {
            let stored = c.series_mut(region).1.clone();
            match (&seen, &stored) {
                (None, None) => {
                    *c.series_mut(region).1 = Some(crate::placeholder(first, last, now, until));
                    Lease::Acquired
                }
                (Some(seen), Some(stored))
                    if seen.version == 0
                        && stored.version == 0
                        && stored.lease_until == seen.lease_until
                        && seen.lease_until.is_none_or(|t| t < now) =>
                {
                    if let Some(meta) = c.series_mut(region).1.as_mut() {
                        meta.lease_until = Some(until);
                    }
                    Lease::Acquired
                }
                _ => Lease::Busy,
            }
        })
    }

    async fn put_days(&self, days: &[Day], vintage: NaiveDate) -> Result<(), StoreError> {
        assert!(days.len() <= crate::MAX_PUTS_PER_BATCH);
        let region = self.region;
        self.request("put_days", true, |c| {
            let stored = c.series_mut(region).0;
            for day in days {
                stored.insert(day.date, StoredDay::first(*day, vintage));
            }
        })
    }

    async fn finish_bulk(
        &self,
        meta: &StoredMeta,
        until: DateTime<Utc>,
        days: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let region = self.region;
        let meta = meta.clone();
        self.request("finish_bulk", true, |c| {
            let slot = c.series_mut(region).1;
            let held = slot
                .as_ref()
                .is_some_and(|m| m.version == 0 && m.lease_until == Some(until));
            if !held {
                return false;
            }
            *slot = Some(StoredMeta {
                lease_until: None,
                ..meta
            });
            let record = ChangeRecord::counted(region, days, now);
            c.changes.insert(record.id.clone(), record);
            true
        })
    }
}
