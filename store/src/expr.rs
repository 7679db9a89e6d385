//! Condition and update expressions, and transactions: `SET` updates with their names and
//! values, the conditional put of a day, the put of a new item, and the rules for a refused
//! condition or transaction.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use crate::attr::n;
use crate::item::day_item;
use crate::keys::PK;
use crate::{DayWrite, StoreError};

/// A `ClientRequestToken` for one transaction, from OS-seeded randomness (`RandomState`).
///
/// The SDK's own generator is seeded from the clock and the thread id; a token that another
/// process repeats within DynamoDB's 10-minute window makes a different transaction fail with
/// `IdempotentParameterMismatchException`. Set on the input, the token is kept by the SDK's
/// retries of the same transaction, as it must be.
pub(crate) fn transaction_token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let (a, b) = (
        RandomState::new().hash_one(0u8),
        RandomState::new().hash_one(1u8),
    );
    format!("{a:016x}{b:016x}")
}

/// `SET #a0 = :a0, #a1 = :a1, …` with its names and values; conditions add their own.
pub(crate) struct SetUpdate {
    pub(crate) expression: String,
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: HashMap<String, AttributeValue>,
}

impl SetUpdate {
    pub(crate) fn new(attributes: Vec<(&'static str, AttributeValue)>) -> Self {
        let mut update = Self {
            expression: String::from("SET "),
            names: HashMap::new(),
            values: HashMap::new(),
        };
        for (i, (name, value)) in attributes.into_iter().enumerate() {
            if i > 0 {
                update.expression.push_str(", ");
            }
            update.expression.push_str(&format!("#a{i} = :a{i}"));
            update.name(&format!("#a{i}"), name);
            update.value(&format!(":a{i}"), value);
        }
        update
    }

    pub(crate) fn name(&mut self, placeholder: &str, name: &str) {
        self.names.insert(placeholder.to_string(), name.to_string());
    }

    pub(crate) fn value(&mut self, placeholder: &str, value: AttributeValue) {
        self.values.insert(placeholder.to_string(), value);
    }
}
/// A transaction that DynamoDB refused as a whole, so nothing of it was written: cancelled (a
/// condition failed, or a concurrent write conflicted), or refused for its token.
/// `TransactionInProgressException` is not one of them: it says a transaction with this token
/// is still being applied, perhaps the first attempt of this one, which may yet commit
/// ([`DynamoStore::transact`] asks again).
pub(crate) fn transaction_not_applied(
    e: &aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
) -> bool {
    e.is_transaction_canceled_exception() || e.is_idempotent_parameter_mismatch_exception()
}

/// How often, and how long, a transaction answered "in progress" is asked about again.
pub(crate) const IN_PROGRESS_ASKS: u32 = 6;
pub(crate) const IN_PROGRESS_FIRST_PAUSE: std::time::Duration =
    std::time::Duration::from_millis(100);

/// The transactional put of a new item (the transaction fails if its key exists).
pub(crate) fn new_item_put(
    table: &str,
    item: HashMap<String, AttributeValue>,
) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .build()
        .expect("a put has its table and item");
    TransactWriteItem::builder().put(put).build()
}

/// `Ok(false)` when the request failed on its condition, the error otherwise.
pub(crate) fn condition_held<T, E, R>(
    table: &str,
    operation: &'static str,
    result: Result<T, SdkError<E, R>>,
    is_condition_failure: impl Fn(&E) -> bool,
) -> Result<bool, StoreError>
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.as_service_error().is_some_and(&is_condition_failure) => Ok(false),
        Err(err) => Err(request_error(table, operation, err)),
    }
}

/// A request DynamoDB (or the way to it) failed, as the store's error.
pub(crate) fn request_error<E, R>(
    table: &str,
    operation: &'static str,
    err: SdkError<E, R>,
) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    StoreError::Request {
        operation,
        table: table.to_string(),
        detail: aws_sdk_dynamodb::error::DisplayErrorContext(err).to_string(),
    }
}
/// The item, condition and expression names/values of one conditional day write.
pub(crate) struct ConditionalPut {
    pub(crate) item: HashMap<String, AttributeValue>,
    pub(crate) condition: &'static str,
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: Option<HashMap<String, AttributeValue>>,
}

impl ConditionalPut {
    /// The write as the run of `vintage` makes it: the day with its history.
    pub(crate) fn of(pk: &str, write: &DayWrite, vintage: chrono::NaiveDate) -> Self {
        let item = day_item(pk, &write.stored(vintage));
        match write {
            DayWrite::Insert(_) => Self {
                item,
                condition: "attribute_not_exists(#pk)",
                names: HashMap::from([("#pk".to_string(), PK.to_string())]),
                values: None,
            },
            DayWrite::Update { stored, .. } => Self {
                item,
                condition: "#rev = :rev",
                names: HashMap::from([("#rev".to_string(), "rev".to_string())]),
                values: Some(HashMap::from([(":rev".to_string(), n(stored.rev))])),
            },
        }
    }
}
