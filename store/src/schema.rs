//! The table's schema: created if missing, with the key schema and TTL `template.yaml` declares.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

use crate::expr::request_error;
use crate::keys::{PK, SK, TTL_ATTRIBUTE};
use crate::{DynamoStore, StoreError};

impl DynamoStore {
    /// Creates the table (and its TTL setting) if it is missing. Returns whether it created it.
    /// The key schema is the one `template.yaml` declares.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(_) => return Ok(false),
            Err(err) if is_not_found(&err) => {}
            Err(err) => return Err(request_error(&self.table, "DescribeTable", err)),
        }
        let key = |name: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .expect("key schema element has its required fields")
        };
        let string_attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition has its required fields")
        };
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(PK, KeyType::Hash))
            .key_schema(key(SK, KeyType::Range))
            .attribute_definitions(string_attr(PK))
            .attribute_definitions(string_attr(SK))
            .send()
            .await;
        match created {
            Ok(_) => {}
            // Another process created it between our describe and create.
            Err(err) if is_in_use(&err) => return Ok(false),
            Err(err) => return Err(request_error(&self.table, "CreateTable", err)),
        }
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(TTL_ATTRIBUTE)
                    .enabled(true)
                    .build()
                    .expect("TTL specification has its required fields"),
            )
            .send()
            .await
            .map_err(|err| request_error(&self.table, "UpdateTimeToLive", err))?;
        Ok(true)
    }
}

fn is_not_found<R>(
    err: &SdkError<aws_sdk_dynamodb::operation::describe_table::DescribeTableError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_resource_not_found_exception())
}

fn is_in_use<R>(
    err: &SdkError<aws_sdk_dynamodb::operation::create_table::CreateTableError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_resource_in_use_exception())
}
