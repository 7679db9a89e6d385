//! What IAM authorizes for one request to DynamoDB or SNS, read from the request as sent: the
//! action, the resource's ARN and the condition keys, as AWS documents them per operation.
//!
//! - A transaction asks for each of its items' actions (`PutItem`, `UpdateItem`, `DeleteItem`,
//!   `ConditionCheckItem`, `GetItem`) with `dynamodb:EnclosingOperation`.
//! - `BatchWriteItem` and `BatchGetItem` ask for themselves, once per table, with every
//!   partition key of that table's requests as `dynamodb:LeadingKeys`.
//! - Item operations ask with their item's partition key; `Query` with the one in its key
//!   condition; `Scan` and the table operations with none.
//!
//! An operation not listed here is an error, never a pass.

use std::collections::BTreeMap;

use serde_json::Value;

use super::policy::Ask;

/// The account and region of every ARN the gate builds (DynamoDB Local and moto ignore them).
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The ARN of DynamoDB table `name`.
pub fn table_arn(name: &str) -> String {
    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}")
}

/// What a DynamoDB request (`X-Amz-Target` operation and JSON body) asks IAM for. `hash_key` is
/// the table's partition key attribute.
pub fn dynamodb(operation: &str, body: &str, hash_key: &str) -> Result<Vec<Ask>, String> {
    let body: Value = serde_json::from_str(body)
        .map_err(|e| format!("{operation}: a body that is not JSON: {e}"))?;
    let action = |name: &str| format!("dynamodb:{name}");
    let table = |v: &Value| -> Result<String, String> {
        v["TableName"]
            .as_str()
            .map(table_arn)
            .ok_or_else(|| format!("{operation}: no TableName"))
    };
    let key_of = |item: &Value| -> Result<String, String> {
        partition_key(item, hash_key)
            .ok_or_else(|| format!("{operation}: no string partition key `{hash_key}` in {item}"))
    };
    let leading = |keys: Vec<String>| ("dynamodb:LeadingKeys", keys);
    let one = |ask: Ask| Ok(vec![ask]);
    match operation {
        "GetItem" | "UpdateItem" | "DeleteItem" | "PutItem" => {
            let item = if operation == "PutItem" {
                &body["Item"]
            } else {
                &body["Key"]
            };
            let key = key_of(item)?;
            one(with_item_keys(
                Ask::new(action(operation), table(&body)?),
                &body,
                leading(vec![key]),
            ))
        }
        "Query" => {
            let mut resource = table(&body)?;
            if let Some(index) = body["IndexName"].as_str() {
                resource = format!("{resource}/index/{index}");
            }
            let key = query_partition_key(&body, hash_key)
                .ok_or_else(|| format!("Query: no `{hash_key} = :value` in its key condition"))?;
            let (name, keys) = leading(vec![key]);
            one(Ask::new(action(operation), resource).with(name, keys))
        }
        "Scan" | "DescribeTable" | "CreateTable" | "DeleteTable" | "UpdateTable"
        | "UpdateTimeToLive" | "DescribeTimeToLive" => {
            one(Ask::new(action(operation), table(&body)?))
        }
        "ListTables" => one(Ask::new(action(operation), "*")),
        "BatchWriteItem" | "BatchGetItem" => {
            let tables = body["RequestItems"]
                .as_object()
                .ok_or_else(|| format!("{operation}: no RequestItems"))?;
            let mut asks = Vec::new();
            for (name, requests) in tables {
                let mut keys = Vec::new();
                if operation == "BatchWriteItem" {
                    for request in requests.as_array().into_iter().flatten() {
                        let item = if request["PutRequest"].is_object() {
                            &request["PutRequest"]["Item"]
                        } else {
                            &request["DeleteRequest"]["Key"]
                        };
                        keys.push(key_of(item)?);
                    }
                } else {
                    for key in requests["Keys"].as_array().into_iter().flatten() {
                        keys.push(key_of(key)?);
                    }
                }
                let (key_name, values) = leading(dedup(keys));
                asks.push(Ask::new(action(operation), table_arn(name)).with(key_name, values));
            }
            Ok(asks)
        }
        "TransactWriteItems" | "TransactGetItems" => {
            let items = body["TransactItems"]
                .as_array()
                .ok_or_else(|| format!("{operation}: no TransactItems"))?;
            let mut asks = Vec::new();
            for entry in items {
                let (kind, part) = entry
                    .as_object()
                    .and_then(|o| o.iter().next())
                    .ok_or_else(|| format!("{operation}: an empty item"))?;
                let (item_action, key) = match kind.as_str() {
                    "Put" => ("PutItem", key_of(&part["Item"])?),
                    "Update" => ("UpdateItem", key_of(&part["Key"])?),
                    "Delete" => ("DeleteItem", key_of(&part["Key"])?),
                    "ConditionCheck" => ("ConditionCheckItem", key_of(&part["Key"])?),
                    "Get" => ("GetItem", key_of(&part["Key"])?),
                    other => return Err(format!("{operation}: an item of kind {other}")),
                };
                let (key_name, values) = leading(vec![key]);
                asks.push(
                    Ask::new(action(item_action), table(part)?)
                        .with(key_name, values)
                        .with("dynamodb:EnclosingOperation", vec![operation.to_string()]),
                );
            }
            Ok(asks)
        }
        other => Err(format!(
            "DynamoDB {other}: the gate does not know what IAM asks for it"
        )),
    }
}

/// The per-item condition keys of a single-item operation: `dynamodb:ReturnValues`.
fn with_item_keys(ask: Ask, body: &Value, leading: (&str, Vec<String>)) -> Ask {
    let ask = ask.with(leading.0, leading.1);
    match body["ReturnValues"].as_str() {
        Some(rv) => ask.with("dynamodb:ReturnValues", vec![rv.to_string()]),
        None => ask,
    }
}

fn dedup(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys.dedup();
    keys
}

/// The string value of attribute `name` in a DynamoDB item or key (`{"pk": {"S": "…"}}`).
fn partition_key(item: &Value, name: &str) -> Option<String> {
    item[name]["S"].as_str().map(str::to_string)
}

/// The partition key a `Query` reads: its key condition's `<hash key> = :value` clause, with
/// the request's attribute names and values substituted.
fn query_partition_key(body: &Value, hash_key: &str) -> Option<String> {
    let condition = body["KeyConditionExpression"].as_str()?;
    let names = &body["ExpressionAttributeNames"];
    for clause in condition.split(" AND ").chain(condition.split(" and ")) {
        let Some((left, right)) = clause.split_once('=') else {
            continue;
        };
        let (left, right) = (left.trim(), right.trim());
        let left = names[left].as_str().unwrap_or(left);
        if left == hash_key {
            return body["ExpressionAttributeValues"][right]["S"]
                .as_str()
                .map(str::to_string);
        }
    }
    None
}

/// What an SNS request (query protocol: a form body) asks IAM for.
pub fn sns(body: &str) -> Result<Vec<Ask>, String> {
    let form: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let operation = form
        .get("Action")
        .ok_or("SNS: a request without an Action")?
        .as_str();
    let field = |name: &str| {
        form.get(name)
            .cloned()
            .ok_or_else(|| format!("SNS {operation}: no {name}"))
    };
    let action = format!("sns:{operation}");
    match operation {
        "Publish" => {
            let target = form
                .get("TopicArn")
                .or_else(|| form.get("TargetArn"))
                .cloned()
                .ok_or("SNS Publish: no TopicArn or TargetArn")?;
            Ok(vec![Ask::new(action, target)])
        }
        // Subscribe's condition keys: the protocol and the endpoint asked for.
        "Subscribe" => {
            let mut ask = Ask::new(action, field("TopicArn")?);
            for (key, name) in [("sns:Protocol", "Protocol"), ("sns:Endpoint", "Endpoint")] {
                if let Some(value) = form.get(name) {
                    ask = ask.with(key, vec![value.clone()]);
                }
            }
            Ok(vec![ask])
        }
        "ListSubscriptionsByTopic"
        | "GetTopicAttributes"
        | "SetTopicAttributes"
        | "DeleteTopic" => Ok(vec![Ask::new(action, field("TopicArn")?)]),
        "CreateTopic" => Ok(vec![Ask::new(
            action,
            format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}", field("Name")?),
        )]),
        "Unsubscribe" | "GetSubscriptionAttributes" | "SetSubscriptionAttributes" => {
            let subscription = field("SubscriptionArn")?;
            // A subscription's ARN is its topic's ARN and an id; IAM asks on the topic.
            let topic = subscription
                .rsplit_once(':')
                .map_or(subscription.as_str(), |(topic, _)| topic)
                .to_string();
            Ok(vec![Ask::new(action, topic)])
        }
        "ListTopics" | "ListSubscriptions" => Ok(vec![Ask::new(action, "*")]),
        other => Err(format!(
            "SNS {other}: the gate does not know what IAM asks for it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leading(ask: &Ask) -> &[String] {
        &ask.context["dynamodb:LeadingKeys"]
    }

    #[test]
    fn a_transaction_asks_for_each_item() {
        let body = r##"{"TransactItems":[
            {"Put":{"TableName":"t","Item":{"pk":{"S":"series#NY"},"sk":{"S":"day#2020-03-01"}}}},
            {"Update":{"TableName":"t","Key":{"pk":{"S":"series#US"},"sk":{"S":"meta"}}}},
            {"Delete":{"TableName":"t","Key":{"pk":{"S":"series#US"},"sk":{"S":"pending#1"}}}},
            {"ConditionCheck":{"TableName":"t","Key":{"pk":{"S":"series#US"},"sk":{"S":"pending#2"}}}}
        ]}"##;
        let asks = dynamodb("TransactWriteItems", body, "pk").unwrap();
        let actions: Vec<&str> = asks.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem"
            ]
        );
        assert_eq!(leading(&asks[0]), ["series#NY"]);
        assert!(asks.iter().all(|a| a.resource == table_arn("t")
            && a.context["dynamodb:EnclosingOperation"] == ["TransactWriteItems"]));
    }

    #[test]
    fn a_batch_asks_once_per_table_with_every_key() {
        let body = r#"{"RequestItems":{"t":[
            {"PutRequest":{"Item":{"pk":{"S":"series#NY"}}}},
            {"PutRequest":{"Item":{"pk":{"S":"series#NY"}}}},
            {"DeleteRequest":{"Key":{"pk":{"S":"series#CA"}}}}
        ]}}"#;
        let asks = dynamodb("BatchWriteItem", body, "pk").unwrap();
        assert_eq!(asks.len(), 1);
        assert_eq!(asks[0].action, "dynamodb:BatchWriteItem");
        assert_eq!(leading(&asks[0]), ["series#CA", "series#NY"]);
    }

    #[test]
    fn a_query_asks_with_its_partition_key() {
        let body = r##"{"TableName":"t","KeyConditionExpression":"#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames":{"#pk":"pk","#sk":"sk"},
            "ExpressionAttributeValues":{":pk":{"S":"series#US"},":low":{"S":"a"},":high":{"S":"b"}}}"##;
        let asks = dynamodb("Query", body, "pk").unwrap();
        assert_eq!(leading(&asks[0]), ["series#US"]);
        assert_eq!(asks[0].resource, table_arn("t"));
    }

    #[test]
    fn sns_asks_on_the_topic() {
        let asks = sns("Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3Atopic&Message=x")
            .unwrap();
        assert_eq!(
            asks,
            [Ask::new("sns:Publish", "arn:aws:sns:us-east-1:1:topic")]
        );
    }

    #[test]
    fn an_unknown_operation_is_an_error() {
        assert!(dynamodb("ExecuteStatement", "{}", "pk").is_err());
        assert!(sns("Action=CreatePlatformEndpoint").is_err());
    }
}
