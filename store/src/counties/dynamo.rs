//! The county traits on DynamoDB.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
use chrono::NaiveDate;
use covid_model::Region;

use super::changes::{Taken, batch_item, month_pk, next_month, parse_batch, start_key};
use super::item::{
    COUNTER_SK, LISTING_SK, counties_pk, county_counter_bump, county_counter_key, county_day_item,
    county_listing_item, county_listing_key, county_window_item, parse_county_counter,
    parse_county_day, parse_county_listing,
};
use super::{
    CountyChangeBatch, CountyDayWrite, CountyDays, CountyListing, CountyPlanRead, CountyWindow,
    StoredCountyDay, batch_records,
};
use crate::attr::{n, s};
use crate::expr::condition_held;
use crate::expr::request_error;
use crate::keys::{DAY_PREFIX, PK, SK, day_sk};
use crate::{DynamoStore, StoreError};

impl CountyDays for DynamoStore {
    async fn read_county_days(
        &self,
        state: Region,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<StoredCountyDay>, StoreError> {
        let low = from.map_or_else(|| DAY_PREFIX.to_string(), day_sk);
        // `day$` sorts after every `day#…` key.
        let high = to.map_or_else(|| "day$".to_string(), day_sk);
        self.query_partition(&counties_pk(state), &low, &high)
            .await?
            .iter()
            .map(|item| parse_county_day(&self.table, item))
            .collect()
    }

    async fn read_county_plan(
        &self,
        state: Region,
        from: NaiveDate,
    ) -> Result<CountyPlanRead, StoreError> {
        let mut read = CountyPlanRead::default();
        for item in self
            .query_partition(&counties_pk(state), &day_sk(from), COUNTER_SK)
            .await?
        {
            match item.get(SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(LISTING_SK) => read.listing = Some(parse_county_listing(&self.table, &item)?),
                Some(COUNTER_SK) => read.counter = parse_county_counter(&self.table, &item)?,
                _ => read.days.push(parse_county_day(&self.table, &item)?),
            }
        }
        Ok(read)
    }

    async fn read_county_counter(&self, state: Region) -> Result<u64, StoreError> {
        let items = self
            .query_partition(&counties_pk(state), COUNTER_SK, COUNTER_SK)
            .await?;
        items
            .first()
            .map_or(Ok(0), |item| parse_county_counter(&self.table, item))
    }

    async fn read_county_series(
        &self,
        state: Region,
    ) -> Result<(Vec<StoredCountyDay>, Option<CountyListing>), StoreError> {
        let (mut days, mut listing) = (Vec::new(), None);
        for item in self
            .query_partition(&counties_pk(state), DAY_PREFIX, LISTING_SK)
            .await?
        {
            match item.get(SK).and_then(|v| v.as_s().ok()) {
                Some(sk) if sk == LISTING_SK => {
                    listing = Some(parse_county_listing(&self.table, &item)?)
                }
                _ => days.push(parse_county_day(&self.table, &item)?),
            }
        }
        Ok((days, listing))
    }

    async fn write_county_days(
        &self,
        state: Region,
        writes: &[CountyDayWrite],
        vintage: NaiveDate,
    ) -> Result<bool, StoreError> {
        let (record, batch) = batch_records(state, writes, vintage);
        let mut items: Vec<TransactWriteItem> = writes
            .iter()
            .map(|write| {
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(county_day_item(state, &write.stored(vintage))));
                let put = match write {
                    CountyDayWrite::Insert { .. } => put
                        .condition_expression("attribute_not_exists(#pk)")
                        .expression_attribute_names("#pk", PK),
                    CountyDayWrite::Update { stored, .. } => put
                        .condition_expression("#rev = :rev")
                        .expression_attribute_names("#rev", "rev")
                        .expression_attribute_values(":rev", n(stored.rev)),
                };
                let put = put.build().expect("a put has its table and item");
                TransactWriteItem::builder().put(put).build()
            })
            .collect();
        items.push(crate::changes::change_put(&self.table, &record));
        items.push(crate::expr::new_item_put(&self.table, batch_item(&batch)));
        items.push(county_counter_bump(&self.table, state));
        self.transact("TransactWriteItems", items).await
    }

    async fn read_county_changes(
        &self,
        (from, from_state): (NaiveDate, Option<Region>),
        until: NaiveDate,
        enough: usize,
    ) -> Result<Vec<CountyChangeBatch>, StoreError> {
        let mut taken = Taken::new(enough);
        // `~` sorts after every key of `until`'s batches.
        let high = format!("{until}#~");
        let mut low = start_key(from, from_state);
        let mut month = from;
        while month <= until {
            let read_on = self
                .query_partition_while(&month_pk(month), &low, &high, |item| {
                    Ok(taken.take(parse_batch(&self.table, &item)?))
                })
                .await?;
            if !read_on {
                break;
            }
            month = next_month(month);
            low = month.to_string();
        }
        Ok(taken.batches)
    }

    async fn read_county_listing(
        &self,
        state: Region,
    ) -> Result<Option<CountyListing>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(county_listing_key(state)))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "GetItem", err))?;
        out.item
            .as_ref()
            .map(|item| parse_county_listing(&self.table, item))
            .transpose()
    }

    async fn write_county_listing(
        &self,
        state: Region,
        listing: &CountyListing,
    ) -> Result<bool, StoreError> {
        // The state's write counter still the listing's: no county transaction since it was
        // made.
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(county_counter_key(state)));
        let check = if listing.rev == 0 {
            check
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
        } else {
            check
                .condition_expression("#n = :rev")
                .expression_attribute_names("#n", "n")
                .expression_attribute_values(":rev", n(listing.rev))
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(county_listing_item(state, listing)))
            .condition_expression("attribute_not_exists(#pk) OR #vintage <= :vintage")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#vintage", "vintage")
            .expression_attribute_values(":vintage", s(listing.vintage.to_string()))
            .build()
            .expect("a put has its table and item");
        let items = vec![
            TransactWriteItem::builder()
                .condition_check(check.build().expect("a check has its table and key"))
                .build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        self.transact("TransactWriteItems", items).await
    }

    async fn write_county_window(&self, window: &CountyWindow) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(county_window_item(window)))
            .condition_expression("attribute_not_exists(#pk) OR #vintage <= :vintage")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#vintage", "vintage")
            .expression_attribute_values(":vintage", s(window.vintage.to_string()))
            .send()
            .await;
        condition_held(&self.table, "PutItem", result, |e| {
            e.is_conditional_check_failed_exception()
        })
    }
}
