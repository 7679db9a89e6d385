//! The audiences with subscribers: the names (after the stack's prefix) of the alert topics
//! that someone subscribed to (`covid_model::Audience`), in one item. The API adds a topic's
//! name when it subscribes an address to it; a run reads the item once, when it has alerts
//! to send, and publishes to those topics alone. At every county (about 3,300 regions, two
//! regional kinds) the names take about 105 KB, under DynamoDB's 400 KB item limit (the test
//! below).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::attr::s;
use crate::expr::request_error;
use crate::keys::{AUDIENCES, PK, SK};
use crate::{DynamoStore, StoreError};

/// The registry of audiences with subscribers.
pub trait Audiences {
    /// Records that `names` have subscribers (idempotent: a set).
    fn add_audiences(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every audience that has had a subscriber.
    fn read_audiences(&self) -> impl Future<Output = Result<BTreeSet<String>, StoreError>> + Send;
}

fn key() -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(AUDIENCES)),
        (SK.to_string(), s(AUDIENCES)),
    ])
}

impl Audiences for DynamoStore {
    async fn add_audiences(&self, names: &[String]) -> Result<(), StoreError> {
        if names.is_empty() {
            return Ok(());
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key()))
            .update_expression("ADD #names :names")
            .expression_attribute_names("#names", "names")
            .expression_attribute_values(":names", AttributeValue::Ss(names.to_vec()))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "UpdateItem", err))?;
        Ok(())
    }

    async fn read_audiences(&self) -> Result<BTreeSet<String>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key()))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "GetItem", err))?;
        Ok(item
            .item
            .and_then(|mut item| item.remove("names"))
            .and_then(|names| names.as_ss().ok().cloned())
            .unwrap_or_default()
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use covid_model::{AlertKind, audience};

    /// Every audience at county scale: the nation, 55 states and territories and about 3,250
    /// counties (5-digit FIPS and NYT's own ids, taken as 8 characters), each with its
    /// `updated` and `level` topics, and the three national ones.
    #[test]
    fn every_audience_at_county_scale_fits_in_one_item() {
        let mut bytes = "names".len() + 2 * (super::AUDIENCES.len() + 2);
        let regions = 56 + 3_250;
        for kind in [AlertKind::Updated, AlertKind::Level] {
            let name = audience(kind, Some(&"x".repeat(8)));
            bytes += regions * (name.len() + 1);
        }
        for kind in [AlertKind::Updated, AlertKind::Failed, AlertKind::Stale] {
            bytes += audience(kind, None).len() + 1;
        }
        assert!(
            (100_000..110_000).contains(&bytes),
            "{bytes} B: the module's comment says about 105 KB"
        );
        assert!(
            bytes * 3 < 400 * 1024,
            "{bytes} B: a third of the item limit at most"
        );
    }
}
