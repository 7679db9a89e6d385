//! The floor of `make bench`'s daily county run: the items a run of the county file `NEXT`
//! writes on a table holding `PREV` (every state's days that differ, encoded as the store
//! encodes them), put with plain, unconditional `BatchWriteItem` requests of 25 (no reads, no
//! conditions, no change records, no listings), retrying what DynamoDB leaves unprocessed.
//!
//! `county_floor PREV NEXT [IN_FLIGHT]`, with `TABLE_NAME` and the AWS environment of `etl`.
//! Prints `{"items","requests","ms","wru","bytes","in_flight"}`: `wru` is one per KB begun of
//! each item (`covid_store::item_size`), what these puts cost; the ETL's transactions cost
//! twice that.

#[path = "common/batch_put.rs"]
mod batch_put;

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use covid_store::{StoredCountyDay, county_day_item, item_size};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "county_floor PREV NEXT [IN_FLIGHT]";
    let parse = |i: usize| {
        let path = std::path::Path::new(args.get(i).expect(usage));
        let series = etl::transform::parse_nyt_counties(&testkit::file_bytes(path)).unwrap();
        etl::transform::by_state_day(&series)
    };
    let (prev, next) = (parse(1), parse(2));
    let in_flight: usize = args.get(3).map_or(16, |v| v.parse().unwrap());
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME");
    let vintage = next
        .values()
        .filter_map(|days| days.keys().next_back())
        .max()
        .copied()
        .expect("a county file with rows");
    let (mut writes, mut wru, mut bytes) = (Vec::new(), 0, 0);
    for (state, days) in &next {
        for (date, counties) in days {
            if prev.get(state).and_then(|d| d.get(date)) == Some(counties) {
                continue;
            }
            let day = StoredCountyDay::first(*date, counties.clone(), vintage);
            let item = county_day_item(*state, &day);
            let size = item_size(&item);
            bytes += size;
            wru += size.div_ceil(1024);
            let put = PutRequest::builder().set_item(Some(item)).build().unwrap();
            writes.push(WriteRequest::builder().put_request(put).build());
        }
    }
    let items = writes.len();
    let (requests, took) = batch_put::put_all(&table, &writes, in_flight).await;
    println!(
        "{}",
        serde_json::json!({
            "items": items,
            "requests": requests,
            "ms": took.as_millis() as u64,
            "wru": wru,
            "bytes": bytes,
            "in_flight": in_flight,
        })
    );
}
