//! The DynamoDB table layout of the US series. No other code knows keys or attribute names.
//!
//! # Layout (one table, composite key `pk` S / `sk` S)
//!
//! | item            | `pk`        | `sk`               | attributes |
//! |-----------------|-------------|--------------------|------------|
//! | a day           | `series#<R>`| `day#YYYY-MM-DD`   | `date` S, `cases` N, `deaths` N and `recovered` N (absent = not reported), `rev` N, `vintage` S (the run that wrote the value; absent: before history was kept), `history` S (the earlier values with their vintages, oldest first; absent: none) |
//! | a region's meta | `series#<R>`| `meta`             | `version` N (0: a placeholder while the series is bulk loaded, `lease_until` N ms), `fingerprint` S, `count` N, `first_date` S, `last_date` S, `changed_at` S, `population` N; on `US` only: `run_*` (last successful run), `stale_alert_for` S, `regions_fingerprint` S, `listing_version` N, `levels` S (JSON: each region's level on its newest day, as last told) |
//! | an alert in the outbox | `series#US` | `outbox#<id>`      | `event` S, `subject` S, `body` S, `created_at` S, `counts` M (numeric message attributes), `regions` S (`NY,US`: the changed regions), `levels` S (JSON: the level changes it carries), `sent` S (audiences reached by a failed attempt), `claimed_until` N (ms), `attempts` N (claims so far) |
//! | a parked alert  | `series#US` | `parked#<id>`      | an outbox alert's attributes, moved aside after too many refused publishes; `parked_at` S |
//! | the listing     | `series#US` | `~listing` (after every other key) | `version` N (the national meta version it describes), `regions` S (JSON: every region's `/v1/regions` entry) |
//! | a change record | `series#US` | `pending#<id>` (the stored prefix; "pending" names nothing else) | `new` S (dates), `revised` S (days with their old values) of the national series, `regions` S (`NY:12,CA:3`: state days written), `counties` S (`NY:62`: county days changed, per state): what one committed write changed, not yet announced |
//! | a Lambda event  | `event#<id>`| `event`            | `status` S (`INPROGRESS`/`COMPLETED`), `lock_until` N (ms), `summary` S, `expires_at` N (TTL, s) |
//! | a rate counter  | `limit#<counter>#<window end>` | `limit` | `count` N, `expires_at` N (TTL, s): subscription limits |
//! | the audiences   | `audiences` | `audiences`        | `names` SS: the subscribers' topics someone subscribed to (`level-NY`, …) |
//! | a state's county day | `counties#<SS>` | `day#YYYY-MM-DD` | every county of the state on that day, with its history (`counties/`) |
//! | a state's county listing | `counties#<SS>` | `listing` | every county's `/v1/regions/{state}/counties` entry (`counties/`) |
//! | the county window | `series#US` | `meta#counties` | the county file last loaded: `fingerprint` S, `vintage` S, … (`counties/`) |
//!
//! `<R>` is a region id (`US`, `NY`, …; `covid_model::Region`). Each region's series is one
//! partition with a date-ordered sort key: one `Query` reads it in date order, and a date range
//! is a `BETWEEN` on `sk`. At ~1,100 days of ~90 bytes a partition is far below every DynamoDB
//! limit. The national partition also holds what concerns every region: the alerts, the change
//! records (a state's day writes put theirs there, in the same transaction) and the run record;
//! its meta's `regions_fingerprint` covers every state series and population, so a run with
//! nothing new reads one partition whatever the number of regions. A day's item keeps its own
//! history (`vintage`, `history`): a write that changes the value keeps the value it replaces,
//! in the same conditional write, so no run can change a value without its history, and the
//! history grows with the number of changes, not of runs. `rev` counts the revisions of a day; writes are conditioned on
//! it, so concurrent runs never clobber each other. The meta item's `fingerprint` lets a run
//! that changes nothing stop after one read: a `Query` of `sk BETWEEN meta AND pending$` returns
//! the meta item, every alert in the outbox and every change record together.
//!
//! An alert is stored (in the same transaction as the data change it reports, or as the stale
//! marker) before it is published, and deleted after: it is never lost. A run claims it before
//! publishing, so concurrent runs never send it twice. A change record is written in the same
//! transaction as the days it names and deleted in the same transaction as the alert that
//! announces it: every change is announced once, even when the run that made it failed.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{AlertKind, Day, DayHistory, Level, LevelChange, Region, RegionSummary, Version};

mod alerts;
mod attr;
mod audiences;
mod bulk;
mod changes;
mod counter;
mod counties;
mod expr;
mod idempotency;
mod item;
mod keys;
mod limits;
mod listing;
pub mod memory;
mod schema;
mod sdk;
mod series;

pub use alerts::WriteAlerts;
pub use audiences::Audiences;
pub use aws_types::SdkConfig;
pub use bulk::{BulkLoad, Lease, MAX_PUTS_PER_BATCH, placeholder};
pub use changes::ChangeRecord;
pub use counties::{
    CountyChange, CountyChangeBatch, CountyChanges, CountyDayWrite, CountyDays, CountyListing,
    CountyPlanRead, CountyRevision, CountyValues, CountyWindow, MAX_COUNTY_WRITES_PER_BATCH,
    StoredCountyDay, county_day_item, item_size,
};
pub use idempotency::{IdempotencyClaim, IdempotencyRecords};
pub use keys::{PK, SK, TTL_ATTRIBUTE};
pub use limits::RateLimits;
pub use memory::MemoryStore;
pub use sdk::sdk_config;

use attr::s;
use counter::RequestCounter;
use expr::{
    IN_PROGRESS_ASKS, IN_PROGRESS_FIRST_PAUSE, condition_held, request_error,
    transaction_not_applied, transaction_token,
};
use item::parse_day;
use keys::{DAY_PREFIX, day_sk, series_pk};

/// The `TABLE_NAME` setting (`None`: unset), validated once for every binary: 3 to 255 of
/// A-Z a-z 0-9 _ - . (DynamoDB's rule).
pub fn table_name(raw: Option<&str>) -> Result<String, String> {
    let name = raw
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| "TABLE_NAME is not set".to_string())?;
    let valid = (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid {
        return Err(format!(
            "TABLE_NAME {name:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .)"
        ));
    }
    Ok(name.to_string())
}

/// Errors of the store: a failed request, or an item that does not have the layout above.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB {operation} on table {table}: {detail}")]
    Request {
        operation: &'static str,
        table: String,
        detail: String,
    },
    #[error("DynamoDB item {key} in table {table}: attribute `{attribute}` {detail}")]
    Corrupt {
        table: String,
        key: String,
        attribute: &'static str,
        detail: String,
    },
}

/// The longest any one request may take, the SDK's retries included: after it the request is
/// abandoned as failed (a bulk loader's lease margin is longer, `etl`'s `bulk.rs`).
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// A stored day with its revision counter and its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDay {
    pub day: Day,
    pub rev: u64,
    /// The vintage of the run that wrote `day`; `None`: written before history was kept.
    pub vintage: Option<NaiveDate>,
    /// The values the day held before `day`, oldest first, each with the vintage that wrote it.
    pub earlier: Vec<Version>,
}

impl StoredDay {
    /// A day first written by the run of `vintage`.
    pub fn first(day: Day, vintage: NaiveDate) -> Self {
        Self {
            day,
            rev: 1,
            vintage: Some(vintage),
            earlier: Vec::new(),
        }
    }

    /// This day once the run of `vintage` has replaced its value by `new`: the next revision,
    /// with the replaced value kept in its history (one rule for every store).
    pub fn revised(&self, new: Day, vintage: NaiveDate) -> Self {
        let mut earlier = self.earlier.clone();
        earlier.push(Version::of(self.vintage, self.day));
        Self {
            day: new,
            rev: self.rev + 1,
            vintage: Some(vintage),
            earlier,
        }
    }

    /// Every value the day held, the current one last.
    pub fn history(&self) -> DayHistory {
        DayHistory::new(self.earlier.clone(), Version::of(self.vintage, self.day))
    }
}

/// The last successful ETL run, kept on the meta item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub at: DateTime<Utc>,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duration_ms: u64,
    /// The run's vintage (the newest day of its national source); `None` before history was
    /// kept.
    pub vintage: Option<NaiveDate>,
}

/// What is known of the stored series as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMeta {
    /// Incremented by every run that changed data; writes of the meta are conditioned on it.
    pub version: u64,
    /// `covid_model::fingerprint` of the stored series.
    pub fingerprint: String,
    pub count: u64,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// When a run last changed the data.
    pub changed_at: DateTime<Utc>,
    pub last_run: Option<RunRecord>,
    /// The newest day for which a stale alert was sent (set only by [`WriteAlerts::mark_stale`]).
    pub stale_alert_for: Option<NaiveDate>,
    /// Residents (JHU's reference table); `None` when no population source is configured.
    pub population: Option<u64>,
    /// National meta only: the fingerprint of every state series and population as last
    /// loaded; `None` when states were never loaded.
    pub regions_fingerprint: Option<String>,
    /// National meta only: the `version` the listing item ([`StoredListing`]) was written for.
    /// The listing is current while this is the meta's `version`; a meta write that changes
    /// the data leaves it behind. `None` is kept by meta writes (the stored value stays).
    pub listing_version: Option<u64>,
    /// A placeholder (`version` 0) of a series being bulk loaded: held by its loader until then.
    pub lease_until: Option<DateTime<Utc>>,
    /// National meta only: each region's community transmission level on its newest day as
    /// of this version (`US`, `NY`, …), from which the next write tells the level changes.
    /// `None` is kept by meta writes (the stored value stays).
    pub levels: Option<BTreeMap<String, Level>>,
}

impl StoredMeta {
    /// What a meta write of `self` over `stored` (the meta it replaces) leaves in the table: the
    /// stale marker is the stale alert's to set, so the write keeps the stored one; the
    /// attributes the write leaves out (`None`: population, regions' fingerprint, listing
    /// version) keep their stored values. Both stores write by this rule, and the ETL reads
    /// what it wrote from it.
    pub fn written_over(&self, stored: Option<&StoredMeta>) -> StoredMeta {
        let mut meta = self.clone();
        meta.stale_alert_for = stored.and_then(|m| m.stale_alert_for);
        if let Some(stored) = stored {
            meta.population = meta.population.or(stored.population);
            meta.regions_fingerprint = meta
                .regions_fingerprint
                .or_else(|| stored.regions_fingerprint.clone());
            meta.listing_version = meta.listing_version.or(stored.listing_version);
            meta.levels = meta.levels.or_else(|| stored.levels.clone());
        }
        meta
    }
}

/// An alert waiting in the table to be published.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Unique, and in creation order.
    pub id: String,
    /// The `event` message attribute.
    pub event: AlertKind,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Numeric message attributes (e.g. `new_days`), for subscribers' filter policies.
    pub counts: BTreeMap<String, u64>,
    /// `updated` only: the regions whose series changed (`US`, `NY`, …), the String.Array
    /// message attribute `regions` that per-region subscriptions match.
    pub regions: Vec<String>,
    /// How many times a run has claimed it to publish it (each claim counts, as read).
    pub attempts: u32,
    /// `level` only: the regions whose level changed, each told to its own topic's
    /// subscribers.
    pub levels: Vec<LevelChange>,
    /// The audiences (topic names after the prefix, `covid_model::audience`) it was published
    /// to by an earlier attempt that failed part-way: not sent to again.
    pub sent: Vec<String>,
}

/// What one read tells of the series: its meta item, the alerts not yet published and the
/// changes not yet announced (in creation order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesState {
    pub meta: Option<StoredMeta>,
    pub outbox: Vec<OutboxMessage>,
    /// Alerts moved aside after SNS refused them too often ([`WriteAlerts::park_alert`]):
    /// kept, not sent, reported.
    pub parked: Vec<OutboxMessage>,
    pub changes: Vec<ChangeRecord>,
    /// National partition only: the county file last loaded (`counties/`).
    pub county_window: Option<CountyWindow>,
}

/// A store seen from one region's series: the same table, another partition.
pub trait RegionScope: Sized {
    /// The store of `region`'s days and meta; alerts, change records and run records stay
    /// national.
    fn partition(&self, region: Region) -> Self;
}

impl RegionScope for DynamoStore {
    fn partition(&self, region: Region) -> Self {
        DynamoStore::partition(self, region)
    }
}

impl RegionScope for MemoryStore {
    fn partition(&self, region: Region) -> Self {
        MemoryStore::partition(self, region)
    }
}

/// Reads the series meta item and the alerts in the outbox (one request).
pub trait ReadState {
    fn read_state(&self) -> impl Future<Output = Result<SeriesState, StoreError>> + Send;
}

/// Reads of stored days.
pub trait ReadSeries {
    /// Every stored day, in date order.
    fn read_series(&self) -> impl Future<Output = Result<Vec<StoredDay>, StoreError>> + Send;
    /// One day (strongly consistent), e.g. to resolve a lost condition.
    fn read_day(
        &self,
        date: NaiveDate,
    ) -> impl Future<Output = Result<Option<StoredDay>, StoreError>> + Send;
    /// Every stored day and the meta item, in one read (`day#…` < `meta`).
    fn read_series_and_meta(
        &self,
    ) -> impl Future<Output = Result<(Vec<StoredDay>, Option<StoredMeta>), StoreError>> + Send;
}

/// A conditional write of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayWrite {
    /// The day must be absent.
    Insert(Day),
    /// The day must still be at the stored revision.
    Update { stored: StoredDay, new: Day },
}

impl DayWrite {
    /// The values written.
    pub fn day(&self) -> Day {
        match self {
            DayWrite::Insert(day) | DayWrite::Update { new: day, .. } => *day,
        }
    }

    /// The day as this write, by the run of `vintage`, stores it.
    pub fn stored(&self, vintage: NaiveDate) -> StoredDay {
        match self {
            DayWrite::Insert(day) => StoredDay::first(*day, vintage),
            DayWrite::Update { stored, new } => stored.revised(*new, vintage),
        }
    }
}

/// The most day writes one [`WriteDay::write_days`] call takes: DynamoDB's transaction limit
/// of 100 items, less the change record written with them.
pub const MAX_WRITES_PER_BATCH: usize = 99;

/// The most change records one meta write consumes (100 items, less the meta and the alert).
pub const MAX_CHANGES_PER_META_WRITE: usize = 98;

/// Conditional writes of days.
pub trait WriteDay {
    /// Up to [`MAX_WRITES_PER_BATCH`] writes by the run of `vintage` and their change record,
    /// all or none (one transaction); each day keeps the value it replaces in its history, in
    /// the same write. `Ok(Some(record))`: written. `Ok(None)`: cancelled, e.g. a condition
    /// failed or a concurrent write conflicted; nothing was written.
    fn write_days(
        &self,
        writes: &[DayWrite],
        vintage: NaiveDate,
    ) -> impl Future<Output = Result<Option<ChangeRecord>, StoreError>> + Send;
}

/// Writes of the series meta item.
pub trait WriteMeta {
    /// Writes the meta if its stored version is still `expected` (`None`: it must not exist),
    /// and, in the same transaction, stores `alert` and deletes the change records `announced`
    /// (at most [`MAX_CHANGES_PER_META_WRITE`]), which must all still exist.
    /// `Ok(false)`: not applied (another run wrote the meta or announced a record since).
    fn write_meta(
        &self,
        meta: &StoredMeta,
        expected: Option<u64>,
        alert: Option<&OutboxMessage>,
        announced: &[String],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Replaces the change records `ids` (at most [`MAX_CHANGES_PER_META_WRITE`]) by `merged`,
    /// in one transaction. `Ok(false)`: one of them is gone (another run announced it).
    fn merge_changes(
        &self,
        merged: &ChangeRecord,
        ids: &[String],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Records a run that changed nothing: one write, data attributes untouched.
    fn record_run(&self, run: &RunRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Every region's entry of `/v1/regions`, as of one version of the national meta: one item, so
/// that the list is one read, whatever the number of regions.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredListing {
    /// The national meta `version` it describes.
    pub version: u64,
    /// `US` first, then the states by name, as served.
    pub regions: Vec<RegionSummary>,
}

/// The listing item.
pub trait Listing {
    /// The listing item (one read); `None` before the first is written.
    fn read_listing(
        &self,
    ) -> impl Future<Output = Result<Option<StoredListing>, StoreError>> + Send;
    /// Writes the listing item and sets the national meta's `listing_version` to its
    /// `version`, in one transaction, if the meta is still at that version. `Ok(false)`: it is
    /// not (another run changed the data since; its own listing follows).
    fn write_listing(
        &self,
        listing: &StoredListing,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// The series table in DynamoDB, seen from one region's series (the nation unless
/// [`DynamoStore::partition`] says otherwise). Build it once per process; it is cheap to clone.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    requests: Arc<AtomicU64>,
    region: Region,
    /// `series#<region>`.
    pk: String,
}

impl DynamoStore {
    /// A store on `table`, with a client from the shared AWS configuration
    /// ([`sdk_config`]: region, credentials and endpoints from the environment).
    pub fn new(sdk_config: &SdkConfig, table: impl Into<String>) -> Self {
        Self::with_config(aws_sdk_dynamodb::config::Builder::from(sdk_config), table)
    }

    /// A store from a DynamoDB client configuration (the request counter is added here).
    pub fn with_config(
        config: aws_sdk_dynamodb::config::Builder,
        table: impl Into<String>,
    ) -> Self {
        let requests = Arc::new(AtomicU64::new(0));
        let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
            .operation_timeout(REQUEST_DEADLINE)
            .build();
        let config = config
            .timeout_config(timeouts)
            .interceptor(RequestCounter(requests.clone()))
            .build();
        Self {
            client: Client::from_conf(config),
            table: table.into(),
            requests,
            region: covid_model::US,
            pk: series_pk(covid_model::US),
        }
    }

    /// The same table and client, seen from `region`'s series: its days and meta. Alerts,
    /// change records and run records stay national.
    pub fn partition(&self, region: Region) -> Self {
        Self {
            region,
            pk: series_pk(region),
            ..self.clone()
        }
    }

    /// The region whose series this store reads and writes.
    pub fn series_region(&self) -> Region {
        self.region
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// HTTP requests sent to DynamoDB by this store so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Every stored day with `from <= date <= to` (both optional), in date order.
    pub async fn read_range(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<StoredDay>, StoreError> {
        let low = from.map_or_else(|| DAY_PREFIX.to_string(), day_sk);
        // `day$` sorts after every `day#…` key.
        let high = to.map_or_else(|| "day$".to_string(), day_sk);
        let mut days = Vec::new();
        for item in self.query_between(&low, &high).await? {
            days.push(parse_day(&self.table, &item)?);
        }
        Ok(days)
    }

    /// Every item of the series partition with `low <= sk <= high`, in key order, all pages.
    async fn query_between(
        &self,
        low: &str,
        high: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        self.query_partition(&self.pk, low, high).await
    }

    /// Every item of partition `pk` with `low <= sk <= high`, in key order, all pages.
    pub(crate) async fn query_partition(
        &self,
        pk: &str,
        low: &str,
        high: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut items = Vec::new();
        self.query_partition_while(pk, low, high, |item| {
            items.push(item);
            Ok(true)
        })
        .await?;
        Ok(items)
    }

    /// The items of partition `pk` with `low <= sk <= high`, in key order, each given to `take`
    /// until it answers `false` (no page after that one is read). `Ok(false)`: `take` stopped.
    pub(crate) async fn query_partition_while(
        &self,
        pk: &str,
        low: &str,
        high: &str,
        mut take: impl FnMut(HashMap<String, AttributeValue>) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        let mut start_key = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":low", s(low))
                .expression_attribute_values(":high", s(high))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|err| request_error(&self.table, "Query", err))?;
            for item in page.items.unwrap_or_default() {
                if !take(item)? {
                    return Ok(false);
                }
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => return Ok(true),
            }
        }
    }

    /// One transaction of `items` with a fresh token. `Ok(false)`: not applied as a whole.
    ///
    /// When DynamoDB answers `TransactionInProgressException`, an earlier attempt with the same
    /// token (an SDK retry after a lost answer) is still being applied and may commit: the
    /// same transaction is sent again with the same token, which DynamoDB answers for the
    /// earlier attempt (success if it committed, cancelled if not) once it is done. Still in
    /// progress after a few seconds, the outcome is unknown: an error, never "not applied".
    pub(crate) async fn transact(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let token = transaction_token();
        let mut pause = IN_PROGRESS_FIRST_PAUSE;
        let mut asks = 1;
        loop {
            let result = self
                .client
                .transact_write_items()
                .client_request_token(&token)
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let in_progress = result.as_ref().is_err_and(|e| {
                e.as_service_error()
                    .is_some_and(|e| e.is_transaction_in_progress_exception())
            });
            if in_progress && asks < IN_PROGRESS_ASKS {
                tracing::warn!(
                    asks,
                    "transaction still in progress; asking again with its token"
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
                asks += 1;
                continue;
            }
            return condition_held(&self.table, operation, result, transaction_not_applied);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meta_write_keeps_the_stale_marker_and_what_it_leaves_out() {
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let stored = StoredMeta {
            stale_alert_for: Some(day("2023-03-23")),
            population: Some(329_466_283),
            regions_fingerprint: Some("cd946b9167dc1bfd".to_string()),
            listing_version: Some(3),
            ..placeholder(day("2020-01-22"), day("2023-03-23"), at(1), at(2))
        };
        let written = StoredMeta {
            version: 4,
            stale_alert_for: None,
            population: None,
            regions_fingerprint: Some("0000000000000000".to_string()),
            listing_version: None,
            ..stored.clone()
        };
        let kept = written.written_over(Some(&stored));
        assert_eq!(kept.version, 4);
        assert_eq!(
            kept.stale_alert_for, stored.stale_alert_for,
            "the stale alert's to set"
        );
        assert_eq!(kept.population, stored.population, "left out: kept");
        assert_eq!(
            kept.regions_fingerprint.as_deref(),
            Some("0000000000000000")
        );
        assert_eq!(kept.listing_version, Some(3));
        // Over nothing, it is the write, without a stale marker.
        let first = StoredMeta {
            stale_alert_for: Some(day("2023-03-23")),
            ..written.clone()
        };
        assert_eq!(first.written_over(None), written);
    }
}
