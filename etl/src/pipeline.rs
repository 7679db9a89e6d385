//! One ETL run, in the order the data travels: fetch -> transform -> load, then the alerts.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Utc;
use covid_model::{AlertKind, Day, RunSummary};
use covid_store::{DynamoStore, OutboxMessage, ReadState, WriteAlerts};

use crate::alerts;
use crate::alerts::notify::{self, Publish, Publisher};
use crate::config::{Config, MAX_BODY_BYTES};
use crate::error::Error;
use crate::fetch::Fetcher;
use crate::load::run;
use crate::load::{Change, Progress};
use crate::source::Source;
use crate::transform;

/// The ETL with its clients, built once per process.
#[derive(Debug, Clone)]
pub struct Etl {
    config: Config,
    fetcher: Fetcher,
    store: DynamoStore,
    publisher: Option<Publisher>,
    /// Whether every region must be written by a run: one that another run is bulk loading
    /// fails it instead of being left to a later run (a backfill's, whose vintages must each
    /// reach every region).
    complete: bool,
    /// The time the bulk loaders' leases are judged by.
    clock: fn() -> chrono::DateTime<Utc>,
}

/// What a successful run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub summary: RunSummary,
    /// New and revised days, in date order.
    pub changes: Vec<Change>,
    /// DynamoDB requests this run sent.
    pub dynamodb_requests: u64,
    /// Alerts published by this run.
    pub alerts_sent: usize,
    pub duration_ms: u64,
}

/// A failed run: its error, and how many days it had changed in the table before it failed
/// (their change records wait for the next run to announce them).
#[derive(Debug)]
pub struct RunFailure {
    pub error: Error,
    pub written: u64,
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} days written)", self.error, self.written)
    }
}

impl From<Error> for RunFailure {
    fn from(error: Error) -> Self {
        Self { error, written: 0 }
    }
}

impl From<RunFailure> for lambda_runtime::Diagnostic {
    fn from(failure: RunFailure) -> Self {
        Self {
            error_type: failure.error.kind().to_string(),
            error_message: failure.to_string(),
        }
    }
}

/// A run's validated sources, and what their fetch cost.
pub(crate) struct Inputs {
    pub(crate) series: Vec<Day>,
    /// NYT's newest day.
    pub(crate) vintage: chrono::NaiveDate,
    states: Option<transform::StateSeries>,
    populations: BTreeMap<covid_model::Region, u64>,
    counties: Option<transform::CountySeries>,
    county_populations: BTreeMap<String, u64>,
    /// NYT, JHU, NYT states, populations, NYT counties.
    bytes: [usize; 5],
    started: chrono::DateTime<Utc>,
    stopwatch: Instant,
    requests_before: u64,
    fetch_ms: u128,
    transform_ms: u128,
}

/// What the data part of a run leaves for the alert part.
pub(crate) struct Pass {
    pub(crate) report: RunReport,
    newest: Day,
    stale_alert_for: Option<chrono::NaiveDate>,
    outbox: Vec<OutboxMessage>,
}

impl Etl {
    /// Reads the configuration and builds the HTTP, DynamoDB and SNS clients.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env()?;
        let sdk_config = covid_store::sdk_config().map_err(Error::Config)?;
        Self::new(config, &sdk_config)
    }

    pub fn new(config: Config, sdk_config: &covid_store::SdkConfig) -> Result<Self, Error> {
        let fetcher = Fetcher::new(config.http_timeout, MAX_BODY_BYTES)?;
        let store = DynamoStore::new(sdk_config, &config.table_name);
        let publisher = config
            .topic_arn
            .as_ref()
            .map(|arn| Publisher::new(sdk_config, arn, config.topic_prefix.as_deref()));
        Ok(Self {
            config,
            fetcher,
            store,
            publisher,
            complete: false,
            clock: Utc::now,
        })
    }

    /// This ETL on a past publication of the NYT files (`us.csv` at `nyt`, `us-states.csv` at
    /// `states` if the states are loaded, the county file at `counties` if counties are),
    /// without alerts (`backfill.rs`).
    pub(crate) fn replaying(
        &self,
        nyt: &str,
        states: Option<&str>,
        counties: Option<&str>,
    ) -> Self {
        let mut config = self.config.clone();
        config.nyt_url = nyt.to_string();
        config.nyt_states_url = states.map(str::to_string);
        config.nyt_counties_url = counties.map(str::to_string);
        Self {
            config,
            publisher: None,
            complete: true,
            ..self.clone()
        }
    }

    /// This ETL with the bulk loaders' leases judged by `clock` (a test's jumps past a lease).
    pub fn with_clock(self, clock: fn() -> chrono::DateTime<Utc>) -> Self {
        Self { clock, ..self }
    }

    pub fn store(&self) -> &DynamoStore {
        &self.store
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The HTTP client of files read as they arrive (`history`).
    pub(crate) fn stream_client(&self) -> &reqwest::Client {
        self.fetcher.stream_client()
    }

    /// Creates the table if it is missing (idempotent). Returns whether it created it.
    pub async fn init(&self) -> Result<bool, Error> {
        let created = self.store.create_table_if_missing().await?;
        tracing::info!(table = self.store.table(), created, "table ready");
        Ok(created)
    }

    /// One run: the data, then the alerts. A failed run sends one `failed` alert (when a topic
    /// is set) that says how many days it wrote. If publishing fails, the run reports that
    /// error; the alert stays stored for the next run.
    pub async fn run(&self) -> Result<RunReport, RunFailure> {
        let stopwatch = Instant::now();
        let requests_before = self.store.requests();
        let progress = Progress::default();
        let pass = match self.pass(&progress).await {
            Ok(pass) => pass,
            Err(error) => {
                let written = progress.written();
                tracing::error!(kind = error.kind(), %error, written, "etl run failed");
                self.alert_failure(&error, written).await;
                return Err(RunFailure { error, written });
            }
        };
        let Pass {
            mut report,
            newest,
            stale_alert_for,
            outbox,
        } = pass;
        report.alerts_sent = self
            .alert_success(&report.summary, newest, stale_alert_for, outbox)
            .await
            .map_err(|error| {
                // The data is in, the alerts wait in the table; the run still reports the days
                // it wrote.
                let written = progress.written();
                tracing::error!(kind = error.kind(), %error, written, "etl run failed after its data was written");
                RunFailure { error, written }
            })?;
        report.dynamodb_requests = self.store.requests() - requests_before;
        report.duration_ms = stopwatch.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Extract, transform, load. Nothing is written unless every source is valid as a whole
    /// (and no region's series regressed).
    async fn pass(&self, progress: &Progress) -> Result<Pass, Error> {
        let inputs = self.inputs().await?;
        self.load_sources(inputs, progress).await
    }

    /// Extract and transform: every source fetched and validated as a whole.
    pub(crate) async fn inputs(&self) -> Result<Inputs, Error> {
        let started = Utc::now();
        let stopwatch = Instant::now();
        let requests_before = self.store.requests();

        let [nyt, jhu, states_csv, population_csv, counties_csv] = self
            .fetcher
            .fetch_all(
                [
                    (Source::Nyt, Some(self.config.nyt_url.as_str())),
                    (Source::Jhu, Some(self.config.jhu_url.as_str())),
                    (Source::NytStates, self.config.nyt_states_url.as_deref()),
                    (Source::Population, self.config.population_url.as_deref()),
                    (Source::NytCounties, self.config.nyt_counties_url.as_deref()),
                ],
                self.config.fetch_deadline,
            )
            .await?;
        let (nyt, jhu) = (
            nyt.expect("NYT is always fetched"),
            jhu.expect("JHU is always fetched"),
        );
        let fetch_ms = stopwatch.elapsed().as_millis();

        let (series, vintage) = transform::build_national(&nyt, &jhu)?;
        let states = states_csv
            .as_deref()
            .map(transform::parse_nyt_states)
            .transpose()?;
        let populations = match &population_csv {
            Some(bytes) => {
                transform::parse_populations(bytes, states.iter().flat_map(|s| s.keys().copied()))?
            }
            None => BTreeMap::new(),
        };
        let counties = counties_csv
            .as_deref()
            .map(transform::parse_nyt_counties)
            .transpose()?;
        let county_populations = match (&population_csv, &counties) {
            (Some(bytes), Some(series)) => transform::parse_county_populations(bytes, series)?,
            _ => BTreeMap::new(),
        };
        let transform_ms = stopwatch.elapsed().as_millis() - fetch_ms;
        Ok(Inputs {
            series,
            vintage,
            states,
            populations,
            counties,
            county_populations,
            bytes: [
                nyt.len(),
                jhu.len(),
                states_csv.as_ref().map_or(0, Vec::len),
                population_csv.as_ref().map_or(0, Vec::len),
                counties_csv.as_ref().map_or(0, Vec::len),
            ],
            started,
            stopwatch,
            requests_before,
            fetch_ms,
            transform_ms,
        })
    }

    /// Load the validated sources.
    pub(crate) async fn load_sources(
        &self,
        inputs: Inputs,
        progress: &Progress,
    ) -> Result<Pass, Error> {
        let Inputs {
            series,
            vintage,
            states,
            populations,
            counties,
            county_populations,
            bytes:
                [
                    nyt_bytes,
                    jhu_bytes,
                    states_bytes,
                    population_bytes,
                    counties_bytes,
                ],
            started,
            stopwatch,
            requests_before,
            fetch_ms,
            transform_ms,
        } = inputs;
        let topic = self.publisher.is_some();
        let announce = |announced: &_, series: &[Day], unchanged| {
            topic.then(|| alerts::updated(announced, series, unchanged).into_message(Utc::now()))
        };
        let sources = run::Sources {
            series: &series,
            vintage,
            complete: self.complete,
            states: states.as_ref(),
            populations: &populations,
            counties: counties.as_ref(),
            county_populations: &county_populations,
        };
        let run::Loaded {
            national: outcome,
            states: state_counts,
            busy_regions,
            state,
            listed,
            counties: county_counts,
        } = run::write_sources(
            &self.store,
            sources,
            &announce,
            started,
            progress,
            &self.clock,
        )
        .await?;
        let duration_ms = stopwatch.elapsed().as_millis() as u64;
        let dynamodb_requests = self.store.requests() - requests_before;
        let (first, newest) = (series[0], series[series.len() - 1]);
        tracing::info!(
            days = series.len(),
            first_date = %first.date,
            last_date = %newest.date,
            %vintage,
            inserted = outcome.inserted,
            updated = outcome.updated,
            unchanged = outcome.unchanged,
            announced_new = outcome.announced.new_days(),
            announced_revised = outcome.announced.revised_days(),
            dynamodb_requests,
            nyt_bytes,
            jhu_bytes,
            states_bytes,
            population_bytes,
            regions = states.as_ref().map_or(0, |s| s.len()),
            states_inserted = state_counts.map_or(0, |c| c.inserted),
            states_updated = state_counts.map_or(0, |c| c.updated),
            states_unchanged = state_counts.map_or(0, |c| c.unchanged),
            announced_regions = outcome.announced.regions.len(),
            busy_regions,
            listed,
            counties_bytes,
            county_rows = county_counts.as_ref().map_or(0, |c| c.rows),
            counties_new = county_counts.as_ref().map_or(0, |c| c.new),
            counties_revised = county_counts.as_ref().map_or(0, |c| c.revised),
            counties_withdrawn = county_counts.as_ref().map_or(0, |c| c.withdrawn),
            county_items = county_counts.as_ref().map_or(0, |c| c.items),
            county_listings = county_counts.as_ref().map_or(0, |c| c.listings),
            counties_skipped = county_counts.as_ref().is_some_and(|c| c.skipped),
            fetch_ms,
            transform_ms,
            load_ms = duration_ms as u128 - fetch_ms - transform_ms,
            duration_ms,
            "etl run ok"
        );
        let mut outbox = state.outbox;
        outbox.extend(outcome.alert);
        Ok(Pass {
            report: RunReport {
                summary: RunSummary {
                    status: covid_model::RunStatus::Ok,
                    inserted: outcome.inserted,
                    updated: outcome.updated,
                    unchanged: outcome.unchanged,
                    first_date: first.date,
                    last_date: newest.date,
                    states: state_counts,
                    counties: county_counts,
                },
                changes: outcome.changes,
                dynamodb_requests,
                alerts_sent: 0,
                duration_ms,
            },
            newest,
            stale_alert_for: state.meta.and_then(|m| m.stale_alert_for),
            outbox,
        })
    }

    /// After a successful pass: the stale alert (once per newest day), the stored alerts,
    /// and the optional "nothing new" alert. Returns how many were sent.
    async fn alert_success(
        &self,
        summary: &RunSummary,
        newest: Day,
        stale_alert_for: Option<chrono::NaiveDate>,
        mut outbox: Vec<OutboxMessage>,
    ) -> Result<usize, Error> {
        let Some(publisher) = &self.publisher else {
            return Ok(0);
        };
        let today = Utc::now().date_naive();
        if covid_model::is_stale(newest.date, today, self.config.stale_after_days)
            && stale_alert_for != Some(newest.date)
        {
            let alert = alerts::stale(&newest, today, self.config.stale_after_days)
                .into_message(Utc::now());
            if self.store.mark_stale(newest.date, &alert).await? {
                outbox.push(alert);
            }
        }
        let nothing_to_announce = !outbox.iter().any(|m| m.event == AlertKind::Updated);
        if self.config.notify_unchanged
            && summary.inserted + summary.updated == 0
            && nothing_to_announce
        {
            let alert = alerts::unchanged(summary.unchanged, &newest).into_message(Utc::now());
            self.store.put_alert(&alert).await?;
            outbox.push(alert);
        }
        notify::flush(
            &self.store,
            publisher,
            outbox,
            self.config.site_url.as_deref(),
        )
        .await
    }

    /// After a failed run: one `failed` alert that is safe to publish, and its
    /// `failed_detail` for the operator, unless publishing itself is what failed. They are
    /// stored before they are published, with the other alerts in the outbox, so that if SNS fails
    /// the next run sends them; only when DynamoDB refuses them too are they published directly.
    async fn alert_failure(&self, error: &Error, written: u64) {
        let Some(publisher) = &self.publisher else {
            return;
        };
        if matches!(error, Error::Publish { .. }) {
            return;
        }
        let now = Utc::now();
        let mut direct = Vec::new();
        for message in [
            alerts::failed(error, written).into_message(now),
            alerts::failed_detail(error, written).into_message(now),
        ] {
            if let Err(e) = self.store.put_alert(&message).await {
                tracing::warn!(error = %e, event = %message.event, "could not store a failure alert; publishing it directly");
                direct.push(message);
            }
        }
        let mut sent = match self.store.read_state().await {
            Ok(state) => {
                let site = self.config.site_url.as_deref();
                notify::flush(&self.store, publisher, state.outbox, site).await
            }
            Err(e) => Err(e.into()),
        };
        // Whatever became of the stored ones, the ones DynamoDB refused go out now, to every
        // topic they concern: without the table, which of them have subscribers is unknown, so
        // a subscribers' topic that refuses (it may not exist) is only logged.
        let site = self.config.site_url.as_deref();
        for message in &direct {
            let letters = notify::every_letter(message, site).into_iter();
            let reached =
                letters.filter(|l| l.audience == notify::OPERATOR || publisher.reaches_audiences());
            for letter in reached {
                match publisher.publish(message, &letter).await {
                    Ok(()) if letter.audience == notify::OPERATOR => sent = sent.map(|n| n + 1),
                    Ok(()) => {}
                    Err(e) if letter.audience == notify::OPERATOR => sent = Err(e),
                    Err(e) => {
                        tracing::warn!(error = %e, audience = %letter.audience, "a failure alert did not reach a subscribers' topic")
                    }
                }
            }
        }
        if let Err(e) = sent {
            tracing::error!(error = %e, "could not send the failure alert; it waits in the table when DynamoDB took it");
        }
    }
}
