//! Idempotency records for Lambda invocations, keyed by the triggering event's id, with the
//! protocol of Powertools' idempotency utility: a conditional put takes an in-progress lock with
//! an expiry; a completed record keeps the result; a failed run deletes its record; an expired
//! lock (a crashed run) can be taken over. Records expire through the TTL attribute.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};

use crate::attr::{epoch_millis, epoch_seconds, s};
use crate::expr::request_error;
use crate::item::Item;
use crate::keys::{EVENT_PREFIX, PK, TTL_ATTRIBUTE, event_key};
use crate::{DynamoStore, StoreError};

const IN_PROGRESS: &str = "INPROGRESS";
const COMPLETED: &str = "COMPLETED";

/// The answer to a claim of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// This invocation runs the event.
    Acquired,
    /// The event already ran to completion; its stored result.
    Completed(String),
    /// Another invocation holds the event until this time.
    InProgress { until: DateTime<Utc> },
}

/// Idempotency records.
pub trait IdempotencyRecords {
    /// Takes event `id` until `lock_until`; the record expires at `expires_at`.
    fn claim_event(
        &self,
        id: &str,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<IdempotencyClaim, StoreError>> + Send;
    /// Marks event `id` completed with its result.
    fn complete_event(
        &self,
        id: &str,
        result: &str,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deletes the record of event `id`, so that a retry really runs.
    fn release_event(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl IdempotencyRecords for DynamoStore {
    async fn claim_event(
        &self,
        id: &str,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StoreError> {
        let mut item = event_key(id);
        item.extend([
            ("status".to_string(), s(IN_PROGRESS)),
            ("lock_until".to_string(), epoch_millis(lock_until)),
            (TTL_ATTRIBUTE.to_string(), epoch_seconds(expires_at)),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(#pk) OR #expires < :now_s \
                 OR (#status = :in_progress AND #lock < :now_ms)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#lock", "lock_until")
            .expression_attribute_values(":now_s", epoch_seconds(now))
            .expression_attribute_values(":now_ms", epoch_millis(now))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(IdempotencyClaim::Acquired),
            Err(err) => err,
        };
        let Some(old) = err
            .as_service_error()
            .filter(|e| e.is_conditional_check_failed_exception())
            .map(|e| match e {
                aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => {
                    c.item.clone().unwrap_or_default()
                }
                _ => HashMap::new(),
            })
        else {
            return Err(request_error(&self.table, "PutItem", err));
        };
        let key = format!("{EVENT_PREFIX}{id}");
        let view = Item {
            table: &self.table,
            key: &key,
            item: &old,
        };
        if view.string("status")? == COMPLETED {
            return Ok(IdempotencyClaim::Completed(
                view.string("summary")?.to_string(),
            ));
        }
        let until = view.number("lock_until")?;
        Ok(IdempotencyClaim::InProgress {
            until: DateTime::from_timestamp_millis(until as i64).unwrap_or(now),
        })
    }

    async fn complete_event(
        &self,
        id: &str,
        result: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(event_key(id)))
            .update_expression(
                "SET #status = :completed, #summary = :summary, #expires = :expires REMOVE #lock",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#summary", "summary")
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .expression_attribute_names("#lock", "lock_until")
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":summary", s(result))
            .expression_attribute_values(":expires", epoch_seconds(expires_at))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "UpdateItem", err))?;
        Ok(())
    }

    async fn release_event(&self, id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(event_key(id)))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "DeleteItem", err))?;
        Ok(())
    }
}
