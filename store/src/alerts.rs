//! Writes of alerts waiting to be published (the outbox) and of the stale-alert marker. The
//! outbox item itself is encoded and decoded in `item.rs`.

use std::future::Future;

use aws_sdk_dynamodb::types::{Delete, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, NaiveDate, Utc};

use crate::attr::{epoch_millis, n, s};
use crate::expr::{condition_held, new_item_put, request_error};
use crate::item::{outbox_item, parked_item};
use crate::keys::{PK, SERIES_PK, meta_key, outbox_key};
use crate::{DynamoStore, OutboxMessage, StoreError};

/// Writes of alerts and their markers.
pub trait WriteAlerts {
    /// Records that `newest` is stale and stores `alert`, in one transaction, unless a stale
    /// alert was already recorded for that day. `Ok(false)`: it was (or there is no meta yet).
    fn mark_stale(
        &self,
        newest: NaiveDate,
        alert: &OutboxMessage,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Stores an alert to be published (one that no data change carries, e.g. `failed`).
    fn put_alert(
        &self,
        alert: &OutboxMessage,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes the alert for publishing until `until`, unless another run holds it, and counts
    /// the attempt. `Ok(Some(n))`: taken, the `n`th attempt. `Ok(None)`: it is gone or held.
    fn claim_alert(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<u32>, StoreError>> + Send;
    /// Moves a claimed alert aside (SNS refused it too often), in one transaction: out of the
    /// outbox, kept as a parked alert. Later alerts are then sent without it.
    fn park_alert(
        &self,
        alert: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Gives a claimed alert back (its publishing failed), for the next run, with the audiences
    /// it reached so far (`OutboxMessage::sent`), which the next run skips.
    fn release_alert(
        &self,
        id: &str,
        sent: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes a published alert.
    fn delete_alert(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl WriteAlerts for DynamoStore {
    async fn mark_stale(
        &self,
        newest: NaiveDate,
        alert: &OutboxMessage,
    ) -> Result<bool, StoreError> {
        let marker = Update::builder()
            .table_name(&self.table)
            .set_key(Some(meta_key(SERIES_PK)))
            .update_expression("SET #stale = :day")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#stale) OR #stale <> :day)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#stale", "stale_alert_for")
            .expression_attribute_values(":day", s(newest.to_string()))
            .build()
            .expect("an update has its table, key and expression");
        let items = vec![
            TransactWriteItem::builder().update(marker).build(),
            new_item_put(&self.table, outbox_item(alert)),
        ];
        self.transact("TransactWriteItems", items).await
    }

    async fn put_alert(&self, alert: &OutboxMessage) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(outbox_item(alert)))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "PutItem", err))?;
        Ok(())
    }

    async fn claim_alert(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(outbox_key(id)))
            .update_expression("SET #claim = :until ADD #attempts :one")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#claim) OR #claim < :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#claim", "claimed_until")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_values(":until", epoch_millis(until))
            .expression_attribute_values(":now", epoch_millis(now))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        let attempts = result.as_ref().ok().and_then(|out| {
            out.attributes
                .as_ref()?
                .get("attempts")?
                .as_n()
                .ok()?
                .parse()
                .ok()
        });
        let claimed = condition_held(&self.table, "UpdateItem", result, |e| {
            e.is_conditional_check_failed_exception()
        })?;
        Ok(claimed.then(|| attempts.unwrap_or(1)))
    }

    async fn park_alert(
        &self,
        alert: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(outbox_key(&alert.id)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("a delete has its table and key");
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            new_item_put(&self.table, parked_item(alert, now)),
        ];
        // Not applied: another run parked or sent it meanwhile.
        self.transact("TransactWriteItems", items).await.map(|_| ())
    }

    async fn release_alert(&self, id: &str, sent: &[String]) -> Result<(), StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(outbox_key(id)))
            .update_expression("REMOVE #claim")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#claim", "claimed_until");
        if !sent.is_empty() {
            request = request
                .update_expression("SET #sent = :sent REMOVE #claim")
                .expression_attribute_names("#sent", "sent")
                .expression_attribute_values(":sent", s(sent.join(",")));
        }
        let result = request.send().await;
        condition_held(&self.table, "UpdateItem", result, |e| {
            e.is_conditional_check_failed_exception()
        })
        .map(|_| ())
    }

    async fn delete_alert(&self, id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(outbox_key(id)))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "DeleteItem", err))?;
        Ok(())
    }
}
