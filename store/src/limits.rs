//! Rate-limit counters: one item per counter and window, incremented only while under its
//! limit (a conditional `ADD`), and expired by the table's TTL after the window. The
//! subscription endpoint keeps its per-viewer and overall limits here.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use crate::attr::{n, s};
use crate::expr::condition_held;
use crate::keys::{LIMIT_SK, PK, SK, TTL_ATTRIBUTE, limit_key};
use crate::{DynamoStore, StoreError};

/// Counters with a ceiling.
pub trait RateLimits {
    /// Counts `uses` uses of `counter` in the window that ends at `window_end`, unless that
    /// would count more than `max` there. `Ok(false)`: the limit would be passed; nothing was
    /// counted.
    fn take(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
        uses: u64,
        max: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Takes back one use of `counter` in that window (what it counted did not happen), unless
    /// it is at zero.
    fn give_back(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl RateLimits for DynamoStore {
    async fn take(
        &self,
        counter: &str,
        window_end: DateTime<Utc>,
        uses: u64,
        max: u64,
    ) -> Result<bool, StoreError> {
        let Some(room) = max.checked_sub(uses) else {
            return Ok(false);
        };
        let key = HashMap::from([
            (PK.to_string(), s(limit_key(counter, window_end))),
            (SK.to_string(), s(LIMIT_SK)),
        ]);
        // Kept an hour past its window, then removed by TTL.
        let expires = window_end.timestamp().max(0) as u64 + 3600;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("ADD #count :uses SET #ttl = :ttl")
            .condition_expression("attribute_not_exists(#count) OR #count <= :room")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":uses", n(uses))
            .expression_attribute_values(":room", n(room))
            .expression_attribute_values(":ttl", AttributeValue::N(expires.to_string()))
            .send()
            .await;
        condition_held(&self.table, "UpdateItem", result, |e| {
            e.is_conditional_check_failed_exception()
        })
    }

    async fn give_back(&self, counter: &str, window_end: DateTime<Utc>) -> Result<(), StoreError> {
        let key = HashMap::from([
            (PK.to_string(), s(limit_key(counter, window_end))),
            (SK.to_string(), s(LIMIT_SK)),
        ]);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("ADD #count :minus")
            .condition_expression("#count > :zero")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":minus", AttributeValue::N("-1".to_string()))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        condition_held(&self.table, "UpdateItem", result, |e| {
            e.is_conditional_check_failed_exception()
        })
        .map(|_| ())
    }
}
