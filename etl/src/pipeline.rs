//! One ETL pass, in the order the data travels: extract -> transform -> load.

use std::time::Instant;

use chrono::Utc;
use covid_model::RunSummary;
use covid_store::{DynamoStore, ReadMeta};

use crate::config::{Config, MAX_BODY_BYTES};
use crate::error::{Error, Source};
use crate::extract::Fetcher;
use crate::load::{self, Change};
use crate::transform;

/// The ETL with its clients, built once per process.
#[derive(Debug, Clone)]
pub struct Etl {
    config: Config,
    fetcher: Fetcher,
    store: DynamoStore,
}

/// What a successful pass did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub summary: RunSummary,
    /// New and revised days, in date order.
    pub changes: Vec<Change>,
    /// DynamoDB requests this pass sent.
    pub dynamodb_requests: u64,
    pub duration_ms: u64,
}

impl Etl {
    /// Reads the configuration and builds the HTTP and DynamoDB clients.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env()?;
        let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let fetcher = Fetcher::new(config.http_timeout, MAX_BODY_BYTES)?;
        let store = DynamoStore::new(&sdk_config, &config.table_name);
        Ok(Self {
            config,
            fetcher,
            store,
        })
    }

    pub fn store(&self) -> &DynamoStore {
        &self.store
    }

    /// Creates the table if it is missing (idempotent). Returns whether it created it.
    pub async fn init(&self) -> Result<bool, Error> {
        let created = self.store.create_table_if_missing().await?;
        tracing::info!(table = self.store.table(), created, "table ready");
        Ok(created)
    }

    /// One pass. Nothing is written unless both sources are valid as a whole.
    pub async fn run(&self) -> Result<RunReport, Error> {
        let started = Utc::now();
        let clock = Instant::now();
        let requests_before = self.store.requests();

        let (nyt, jhu) = tokio::try_join!(
            self.fetcher.fetch(Source::Nyt, &self.config.nyt_url),
            self.fetcher.fetch(Source::Jhu, &self.config.jhu_url),
        )?;
        let fetch_ms = clock.elapsed().as_millis();

        let series = transform::build_series(&nyt, &jhu)?;
        let meta = self.store.read_meta().await?;
        if let Some(meta) = &meta {
            transform::check_regression(&series, meta.last_date, meta.count)?;
        }
        let transform_ms = clock.elapsed().as_millis() - fetch_ms;

        let outcome = load::load(&self.store, &series, meta.as_ref(), started).await?;
        let duration_ms = clock.elapsed().as_millis() as u64;
        let dynamodb_requests = self.store.requests() - requests_before;
        let (first, last) = (series[0].date, series[series.len() - 1].date);
        tracing::info!(
            days = series.len(),
            first_date = %first,
            last_date = %last,
            inserted = outcome.inserted,
            updated = outcome.updated,
            unchanged = outcome.unchanged,
            dynamodb_requests,
            nyt_bytes = nyt.len(),
            jhu_bytes = jhu.len(),
            fetch_ms,
            transform_ms,
            load_ms = duration_ms as u128 - fetch_ms - transform_ms,
            duration_ms,
            "etl run ok"
        );
        Ok(RunReport {
            summary: RunSummary {
                status: "ok".to_string(),
                inserted: outcome.inserted,
                updated: outcome.updated,
                unchanged: outcome.unchanged,
                first_date: first,
                last_date: last,
            },
            changes: outcome.changes,
            dynamodb_requests,
            duration_ms,
        })
    }
}
