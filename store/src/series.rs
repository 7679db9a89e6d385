//! The series traits (`lib.rs`) on DynamoDB: reads of a region's partition, conditional day
//! transactions with their change record, and the meta write that announces.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{NaiveDate, Utc};

use crate::attr::{n, s};
use crate::changes::{change_delete, change_put, parse_change};
use crate::counties::{COUNTY_WINDOW_SK, parse_county_window};
use crate::expr::{ConditionalPut, SetUpdate, condition_held};
use crate::expr::{new_item_put, request_error};
use crate::item::{
    meta_attributes, outbox_item, parse_day, parse_meta, parse_outbox, run_attributes,
};
use crate::keys::{
    CHANGE_PREFIX, DAY_PREFIX, META_SK, OUTBOX_PREFIX, PARKED_PREFIX, PK, SK, STATE_END, day_sk,
    meta_key,
};
use crate::{
    ChangeRecord, DayWrite, DynamoStore, MAX_CHANGES_PER_META_WRITE, MAX_WRITES_PER_BATCH,
    OutboxMessage, ReadSeries, ReadState, RunRecord, SeriesState, StoreError, StoredDay,
    StoredMeta, WriteDay, WriteMeta,
};

impl ReadState for DynamoStore {
    async fn read_state(&self) -> Result<SeriesState, StoreError> {
        // `meta` < `outbox#…` < `parked#…` < `pending#…` < `pending$`: the meta item, every
        // pending and parked alert and every change record, in key (so creation) order.
        let mut state = SeriesState::default();
        for item in self.query_between(META_SK, STATE_END).await? {
            match item.get(SK).and_then(|v| v.as_s().ok()) {
                Some(sk) if sk == META_SK => state.meta = Some(parse_meta(&self.table, &item)?),
                Some(sk) if sk.starts_with(OUTBOX_PREFIX) => {
                    state.outbox.push(parse_outbox(&self.table, &item)?)
                }
                Some(sk) if sk.starts_with(PARKED_PREFIX) => {
                    state.parked.push(parse_outbox(&self.table, &item)?)
                }
                Some(sk) if sk.starts_with(CHANGE_PREFIX) => {
                    state.changes.push(parse_change(&self.table, &item)?)
                }
                Some(sk) if sk == COUNTY_WINDOW_SK => {
                    state.county_window = Some(parse_county_window(&self.table, &item)?)
                }
                _ => {}
            }
        }
        Ok(state)
    }
}

impl ReadSeries for DynamoStore {
    async fn read_series(&self) -> Result<Vec<StoredDay>, StoreError> {
        self.read_range(None, None).await
    }

    async fn read_series_and_meta(
        &self,
    ) -> Result<(Vec<StoredDay>, Option<StoredMeta>), StoreError> {
        let mut days = Vec::new();
        let mut meta = None;
        for item in self.query_between(DAY_PREFIX, META_SK).await? {
            match item.get(SK).and_then(|v| v.as_s().ok()) {
                Some(sk) if sk == META_SK => meta = Some(parse_meta(&self.table, &item)?),
                _ => days.push(parse_day(&self.table, &item)?),
            }
        }
        Ok((days, meta))
    }

    async fn read_day(&self, date: NaiveDate) -> Result<Option<StoredDay>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .consistent_read(true)
            .key(PK, s(&self.pk))
            .key(SK, s(day_sk(date)))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "GetItem", err))?;
        out.item
            .as_ref()
            .map(|item| parse_day(&self.table, item))
            .transpose()
    }
}

impl WriteDay for DynamoStore {
    async fn write_days(
        &self,
        writes: &[DayWrite],
        vintage: NaiveDate,
    ) -> Result<Option<ChangeRecord>, StoreError> {
        assert!(
            (1..=MAX_WRITES_PER_BATCH).contains(&writes.len()),
            "write_days takes 1 to {MAX_WRITES_PER_BATCH} writes"
        );
        let record = ChangeRecord::of(self.region, writes, Utc::now());
        let mut items: Vec<TransactWriteItem> = writes
            .iter()
            .map(|write| {
                let put = ConditionalPut::of(&self.pk, write, vintage);
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(put.item))
                    .condition_expression(put.condition)
                    .set_expression_attribute_names(Some(put.names))
                    .set_expression_attribute_values(put.values)
                    .build()
                    .expect("a put has its table and item");
                TransactWriteItem::builder().put(put).build()
            })
            .collect();
        items.push(change_put(&self.table, &record));
        // Not applied: the caller then resolves the days one by one.
        let applied = self.transact("TransactWriteItems", items).await?;
        Ok(applied.then_some(record))
    }
}

impl WriteMeta for DynamoStore {
    async fn write_meta(
        &self,
        meta: &StoredMeta,
        expected: Option<u64>,
        alert: Option<&OutboxMessage>,
        announced: &[String],
    ) -> Result<bool, StoreError> {
        assert!(
            announced.len() <= MAX_CHANGES_PER_META_WRITE,
            "write_meta announces at most {MAX_CHANGES_PER_META_WRITE} change records"
        );
        let mut update = SetUpdate::new(meta_attributes(meta));
        let condition = match expected {
            None => {
                update.name("#pk", PK);
                "attribute_not_exists(#pk)"
            }
            Some(version) => {
                update.name("#version", "version");
                update.value(":version", n(version));
                "#version = :version"
            }
        };
        if alert.is_none() && announced.is_empty() {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(meta_key(&self.pk)))
                .update_expression(&update.expression)
                .condition_expression(condition)
                .set_expression_attribute_names(Some(update.names))
                .set_expression_attribute_values(Some(update.values))
                .send()
                .await;
            return condition_held(&self.table, "UpdateItem", result, |e| {
                e.is_conditional_check_failed_exception()
            });
        }
        let meta_update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(meta_key(&self.pk)))
            .update_expression(&update.expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .build()
            .expect("an update has its table, key and expression");
        let mut items = vec![TransactWriteItem::builder().update(meta_update).build()];
        items.extend(alert.map(|a| new_item_put(&self.table, outbox_item(a))));
        items.extend(announced.iter().map(|id| change_delete(&self.table, id)));
        self.transact("TransactWriteItems", items).await
    }

    async fn merge_changes(
        &self,
        merged: &ChangeRecord,
        ids: &[String],
    ) -> Result<bool, StoreError> {
        assert!(ids.len() <= MAX_CHANGES_PER_META_WRITE);
        let mut items = vec![change_put(&self.table, merged)];
        items.extend(ids.iter().map(|id| change_delete(&self.table, id)));
        self.transact("TransactWriteItems", items).await
    }

    async fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let mut update = SetUpdate::new(run_attributes(run));
        update.name("#pk", PK);
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(meta_key(&self.pk)))
            .update_expression(&update.expression)
            .condition_expression("attribute_exists(#pk)")
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .send()
            .await
            .map_err(|err| request_error(&self.table, "UpdateItem", err))?;
        Ok(())
    }
}
