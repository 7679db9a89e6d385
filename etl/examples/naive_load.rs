//! The baseline of `make bench`'s initial-load comparison: a naive bulk loader that puts the
//! same days (the national series and every state's, parsed by the ETL's transform) into the
//! same table with plain, unconditional `BatchWriteItem` requests of 25 puts, retrying what
//! DynamoDB leaves unprocessed. No reads, no conditions, no change records, no meta.
//!
//! `naive_load NYT JHU NYT_STATES [IN_FLIGHT]`, with `TABLE_NAME` and the AWS environment of
//! `etl`. Prints `{"days","requests","ms","in_flight"}`.

#[path = "common/batch_put.rs"]
mod batch_put;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

fn item(pk: &str, day: &covid_model::Day) -> WriteRequest {
    let s = |v: String| AttributeValue::S(v);
    let n = |v: u64| AttributeValue::N(v.to_string());
    let mut item = HashMap::from([
        ("pk".to_string(), s(pk.to_string())),
        ("sk".to_string(), s(format!("day#{}", day.date))),
        ("date".to_string(), s(day.date.to_string())),
        ("cases".to_string(), n(day.cases)),
        ("rev".to_string(), n(1)),
    ]);
    if let Some(d) = day.deaths {
        item.insert("deaths".to_string(), n(d));
    }
    if let Some(r) = day.recovered {
        item.insert("recovered".to_string(), n(r));
    }
    let put = PutRequest::builder().set_item(Some(item)).build().unwrap();
    WriteRequest::builder().put_request(put).build()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let read = |i: usize| {
        let path = args
            .get(i)
            .expect("naive_load NYT JHU NYT_STATES [IN_FLIGHT]");
        testkit::file_bytes(std::path::Path::new(path))
    };
    let in_flight: usize = args.get(4).map_or(1, |v| v.parse().unwrap());
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME");
    let national = etl::transform::build_series(&read(1), &read(2)).unwrap();
    let states = etl::transform::parse_nyt_states(&read(3)).unwrap();
    let mut writes: Vec<WriteRequest> = national.iter().map(|d| item("series#US", d)).collect();
    for (region, days) in &states {
        let pk = format!("series#{}", region.id);
        writes.extend(days.iter().map(|d| item(&pk, d)));
    }
    let (requests, took) = batch_put::put_all(&table, &writes, in_flight).await;
    println!(
        "{{\"days\":{},\"requests\":{},\"ms\":{},\"in_flight\":{in_flight}}}",
        writes.len(),
        requests,
        took.as_millis()
    );
}
