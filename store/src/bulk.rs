//! The initial load of a series never loaded: plain `BatchWriteItem` puts, as fast as a bulk
//! loader, made safe by a lease. A run first takes the series: it creates the meta item as a
//! placeholder (`version` 0, `lease_until`), only if there is none. Then it puts the days, and
//! finishes in one transaction: the real meta (version 1, only while its lease is the one in
//! the placeholder) with the change record that counts the days, so a series is announced once,
//! and only once its days and meta are written. Another run finds the placeholder and leaves
//! the series alone while the lease lasts; after it (the loader died), one run takes the lease
//! over and puts every day again (the same values: puts are idempotent). A loader stops before
//! a batch that could land after its lease (`etl`'s bulk load checks its clock), so no bulk put
//! can replace a revision written once the series is loaded.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::{PutRequest, TransactWriteItem, Update, WriteRequest};
use chrono::{DateTime, NaiveDate, Utc};
use covid_model::Day;

use crate::attr::{epoch_millis, n};
use crate::changes::change_put;
use crate::expr::{SetUpdate, condition_held, request_error};
use crate::item::{day_item, meta_attributes};
use crate::keys::{PK, meta_key};
use crate::{ChangeRecord, DynamoStore, StoreError, StoredDay, StoredMeta};

/// DynamoDB's limit of puts per `BatchWriteItem`.
pub const MAX_PUTS_PER_BATCH: usize = 25;

/// The answer to a request for a series' lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// This run loads the series.
    Acquired,
    /// Another run does, or just did: leave the series to it (and to the next run).
    Busy,
}

/// Bulk loading of a series that was never loaded.
pub trait BulkLoad {
    /// Takes the loading of this series until `until`. `seen` is its meta as read: `None`
    /// creates the placeholder; a placeholder whose lease has lapsed is taken over; anything
    /// else is `Busy`.
    fn lease_series(
        &self,
        seen: Option<&StoredMeta>,
        first: NaiveDate,
        last: NaiveDate,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Lease, StoreError>> + Send;
    /// Puts up to [`MAX_PUTS_PER_BATCH`] days, unconditionally, at revision 1, first written
    /// by the run of `vintage` (one `BatchWriteItem`, and again for what DynamoDB leaves
    /// unprocessed).
    fn put_days(
        &self,
        days: &[Day],
        vintage: NaiveDate,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Ends a bulk load, in one transaction: `meta` (version 1) replaces the placeholder if it
    /// still holds the lease `until` this loader took, and the change record counting `days`
    /// is stored. `Ok(false)`: another run took the series over; nothing was written.
    fn finish_bulk(
        &self,
        meta: &StoredMeta,
        until: DateTime<Utc>,
        days: u64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// The placeholder meta: version 0, nothing loaded yet, held until `until`.
pub fn placeholder(
    first: NaiveDate,
    last: NaiveDate,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoredMeta {
    StoredMeta {
        version: 0,
        fingerprint: String::new(),
        count: 0,
        first_date: first,
        last_date: last,
        changed_at: now,
        last_run: None,
        stale_alert_for: None,
        population: None,
        regions_fingerprint: None,
        listing_version: None,
        lease_until: Some(until),
        levels: None,
    }
}

impl BulkLoad for DynamoStore {
    async fn lease_series(
        &self,
        seen: Option<&StoredMeta>,
        first: NaiveDate,
        last: NaiveDate,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        match seen {
            None => {
                let mut item = meta_key(&self.pk);
                let meta = placeholder(first, last, now, until);
                item.extend(
                    meta_attributes(&meta)
                        .into_iter()
                        .map(|(name, value)| (name.to_string(), value)),
                );
                let result = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", PK)
                    .send()
                    .await;
                let taken = condition_held(&self.table, "PutItem", result, |e| {
                    e.is_conditional_check_failed_exception()
                })?;
                Ok(if taken { Lease::Acquired } else { Lease::Busy })
            }
            Some(meta) if meta.version == 0 && meta.lease_until.is_none_or(|t| t < now) => {
                let seen_until = meta
                    .lease_until
                    .map_or(0, |t| t.timestamp_millis().max(0) as u64);
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(meta_key(&self.pk)))
                    .update_expression("SET #lease = :until")
                    .condition_expression("#version = :zero AND #lease = :seen")
                    .expression_attribute_names("#lease", "lease_until")
                    .expression_attribute_names("#version", "version")
                    .expression_attribute_values(":until", epoch_millis(until))
                    .expression_attribute_values(":zero", n(0))
                    .expression_attribute_values(":seen", n(seen_until))
                    .send()
                    .await;
                let taken = condition_held(&self.table, "UpdateItem", result, |e| {
                    e.is_conditional_check_failed_exception()
                })?;
                Ok(if taken { Lease::Acquired } else { Lease::Busy })
            }
            Some(_) => Ok(Lease::Busy),
        }
    }

    async fn put_days(&self, days: &[Day], vintage: NaiveDate) -> Result<(), StoreError> {
        assert!(days.len() <= MAX_PUTS_PER_BATCH);
        let mut requests: Vec<WriteRequest> = days
            .iter()
            .map(|day| {
                let put = PutRequest::builder()
                    .set_item(Some(day_item(&self.pk, &StoredDay::first(*day, vintage))))
                    .build()
                    .expect("a put has its item");
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        let mut pause = Duration::from_millis(25);
        while !requests.is_empty() {
            let out = self
                .client
                .batch_write_item()
                .request_items(self.table.clone(), requests)
                .send()
                .await
                .map_err(|err| request_error(&self.table, "BatchWriteItem", err))?;
            requests = out
                .unprocessed_items
                .and_then(|mut left: HashMap<String, Vec<WriteRequest>>| left.remove(&self.table))
                .unwrap_or_default();
            if !requests.is_empty() {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
        Ok(())
    }

    async fn finish_bulk(
        &self,
        meta: &StoredMeta,
        until: DateTime<Utc>,
        days: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut update = SetUpdate::new(meta_attributes(meta));
        update.expression.push_str(" REMOVE #lease");
        update.name("#version", "version");
        update.name("#lease", "lease_until");
        update.value(":zero", n(0));
        update.value(":mine", epoch_millis(until));
        let meta_update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(meta_key(&self.pk)))
            .update_expression(update.expression)
            .condition_expression("#version = :zero AND #lease = :mine")
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .build()
            .expect("an update has its table, key and expression");
        let record = ChangeRecord::counted(self.region, days, now);
        let items = vec![
            TransactWriteItem::builder().update(meta_update).build(),
            change_put(&self.table, &record),
        ];
        self.transact("TransactWriteItems", items).await
    }
}
