//! The benches' floor: plain, unconditional `BatchWriteItem` requests of 25 puts, `in_flight`
//! at once, retrying what DynamoDB leaves unprocessed, with the ETL's AWS configuration and
//! HTTP client. Shared by `naive_load` and `county_floor`.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::WriteRequest;
use futures::StreamExt;

/// Puts `writes` into `table`; returns the requests sent and the time they took.
pub async fn put_all(table: &str, writes: &[WriteRequest], in_flight: usize) -> (u64, Duration) {
    let config = covid_store::sdk_config().expect("AWS configuration");
    let client = aws_sdk_dynamodb::Client::new(&config);
    let started = Instant::now();
    let batches: Vec<Vec<WriteRequest>> = writes.chunks(25).map(<[_]>::to_vec).collect();
    let requests: Vec<u64> = futures::stream::iter(batches)
        .map(|mut batch| {
            let client = &client;
            async move {
                let mut requests = 0;
                while !batch.is_empty() {
                    requests += 1;
                    let out = client
                        .batch_write_item()
                        .request_items(table, batch)
                        .send()
                        .await
                        .expect("BatchWriteItem");
                    batch = out
                        .unprocessed_items
                        .and_then(|mut u| u.remove(table))
                        .unwrap_or_default();
                }
                requests
            }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    (requests.iter().sum(), started.elapsed())
}
