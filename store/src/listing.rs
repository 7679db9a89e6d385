//! The listing item on DynamoDB: one read for `/v1/regions`, written with the national meta's
//! mark in one transaction. The item itself is encoded and decoded in `item.rs`.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use crate::attr::n;
use crate::expr::request_error;
use crate::item::{listing_item, parse_listing};
use crate::keys::{SERIES_PK, listing_key, meta_key};
use crate::{DynamoStore, Listing, StoreError, StoredListing};

impl Listing for DynamoStore {
    async fn read_listing(&self) -> Result<Option<StoredListing>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(listing_key()))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "GetItem", err))?;
        out.item
            .as_ref()
            .map(|item| parse_listing(&self.table, item))
            .transpose()
    }

    async fn write_listing(&self, listing: &StoredListing) -> Result<bool, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(listing_item(listing)))
            .build()
            .expect("a put has its table and item");
        let mark = Update::builder()
            .table_name(&self.table)
            .set_key(Some(meta_key(SERIES_PK)))
            .update_expression("SET #listing = :version")
            .condition_expression("#version = :version")
            .expression_attribute_names("#listing", "listing_version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", n(listing.version))
            .build()
            .expect("an update has its table, key and expression");
        self.transact(
            "TransactWriteItems",
            vec![
                TransactWriteItem::builder().put(put).build(),
                TransactWriteItem::builder().update(mark).build(),
            ],
        )
        .await
    }
}
