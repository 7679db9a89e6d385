//! The OpenAPI document as a client generator reads it: one operation id per operation, every
//! error answer the one `Problem` schema by reference, tags named for readers, and every route
//! the router serves documented.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::memory::{get, json, router, seeded};
use serde_json::Value;

async fn document() -> Value {
    let r = router(&seeded(), Duration::from_secs(30));
    json(&get(&r, "/v1/openapi.json").await.2)
}

/// Every operation: (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(move |(method, op)| (path.clone(), method.clone(), op.clone()))
        })
        .collect()
}

#[tokio::test]
async fn each_operation_has_its_own_id_and_a_reader_s_tag() {
    let doc = document().await;
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        assert!(!id.is_empty(), "{method} {path}: no operationId");
        assert!(
            ids.insert(id.clone()),
            "{method} {path}: operationId {id} is used twice"
        );
        let tags: Vec<&str> = op["tags"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path}: no tag"))
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        for tag in &tags {
            assert!(
                [
                    "national",
                    "regions",
                    "revisions",
                    "charts",
                    "status",
                    "subscriptions"
                ]
                .contains(tag),
                "{method} {path}: tag {tag} (a module's name, not a reader's)"
            );
        }
    }
}

#[tokio::test]
async fn every_error_answer_is_the_problem_schema_by_reference() {
    let doc = document().await;
    for (path, method, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            if !(status.starts_with('4') || status.starts_with('5')) || status == "304" {
                continue;
            }
            let content = response["content"]["application/problem+json"]["schema"].clone();
            assert_eq!(
                content["$ref"], "#/components/schemas/Problem",
                "{method} {path} {status}: {content}"
            );
        }
    }
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_path_is_a_route() {
    let doc = document().await;
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let mut served: BTreeSet<String> = api::endpoints()
        .iter()
        .map(|e| e.path.to_string())
        .collect();
    served.insert(api::SUBSCRIPTIONS.to_string());
    assert_eq!(documented, served);
}

#[tokio::test]
async fn each_route_documents_exactly_the_query_names_it_reads() {
    let doc = document().await;
    for endpoint in api::endpoints() {
        let documented: BTreeSet<String> =
            doc["paths"][endpoint.path.as_str()]["get"]["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter(|p| p["in"] == "query")
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
        let read: BTreeSet<String> = endpoint.reads.names().map(str::to_string).collect();
        assert_eq!(documented, read, "{}", endpoint.path);
    }
}
