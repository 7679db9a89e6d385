//! The county archive (issue 36): NYT's county files of every day since January 2020
//! (the yearly `us-counties-2020.csv` … `us-counties-2023.csv`, 36–51 MB each, or a
//! `us-counties.csv` of a past commit) loaded as they are read, never a whole file in memory,
//! in blocks of whole dates ([`blocks`]) with the daily run's rules and writes.
//!
//! Three steps, each idempotent, each within a Lambda invocation:
//!
//! 1. [`Step::Validate`]: a file read through, every block validated (the daily window's
//!    rules, plus date order and no day after the archive's vintage); nothing written. Every
//!    file is validated before any is loaded, so a bad row anywhere writes nothing.
//! 2. [`Step::Load`]: a file's blocks in order, each planned against the stored county days
//!    of its dates and written by the daily run's conditional transactions
//!    (`load::counties::plan_dates`, `write_states`), with the archive's vintage. It stops
//!    between blocks when the invocation's time runs short and returns where to resume. A
//!    block loaded again finds nothing to write, so a load that failed is run again as it
//!    was. Its change records are told by the next `updated` alert, counted per state; its
//!    changes are listed by `/v1/revisions` at the archive's vintage.
//! 3. [`Step::Listings`]: every state's county listing made from its stored days, named as the
//!    files name the counties.
//!
//! On AWS the state machine `CountyArchiveStateMachine` (`template.yaml`) runs them: a `Map`
//! validating the files, a `Map` loading each (a loop of invocations, each given the last
//! one's resume), the listings, then one run of the daily ETL, whose `updated` alert announces
//! the archive and whose meta write moves the data version the API revalidates on. Locally,
//! `etl archive` runs the three steps in one process (then `etl run` announces it).

pub mod blocks;
pub mod stream;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use covid_model::{CountiesRun, Region};
use covid_store::CountyDays;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::error::Error;
use crate::load::{Progress, counties, county_listing};
use crate::pipeline::Etl;
use crate::source::Source;
use crate::transform::{self, County, CountySeries};
pub use blocks::{BLOCK_DATES, Block, Blocks, Resume};

/// The least time left in an invocation to start another block: a block takes about a
/// second on DynamoDB Local (a daily window's load).
const MIN_TIME_FOR_A_BLOCK: Duration = Duration::from_secs(60);

/// One step of an archive load, as the state machine sends it (`{"county_archive": {…}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Validate {
        source: String,
        vintage: NaiveDate,
    },
    Load {
        source: String,
        vintage: NaiveDate,
        /// `None`: from the file's start.
        #[serde(default)]
        resume: Option<Resume>,
    },
    Listings {
        sources: Vec<String>,
        vintage: NaiveDate,
    },
}

/// What validating a file found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validated {
    pub source: String,
    pub rows: u64,
    pub blocks: u64,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub counties: u64,
}

/// What a load step did, and where the next takes up: the next step's input as it is
/// (`step`, `source`, `vintage`, `resume`), with `done` and the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loaded {
    pub step: &'static str,
    pub source: String,
    pub vintage: NaiveDate,
    /// The first block not loaded; `None` when `done`.
    pub resume: Option<Resume>,
    pub done: bool,
    pub rows: u64,
    pub blocks: u64,
    /// County days first written, revised and withdrawn; items written.
    pub new: u64,
    pub revised: u64,
    pub withdrawn: u64,
    pub items: u64,
    pub dynamodb_requests: u64,
    pub duration_ms: u64,
}

/// What the listings step wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub counties: u64,
    pub listings: u64,
    pub dynamodb_requests: u64,
    pub duration_ms: u64,
}

/// What `etl archive` did: each step's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveReport {
    pub validated: Vec<Validated>,
    pub loaded: Vec<Loaded>,
    pub listed: Listed,
}

/// Reads every block of `blocks`, validating it; writes nothing.
async fn validate(source: &str, mut blocks: Blocks) -> Result<(Validated, Blocks), Error> {
    let mut validated = Validated {
        source: source.to_string(),
        rows: 0,
        blocks: 0,
        first_date: None,
        last_date: None,
        counties: 0,
    };
    while let Some(block) = blocks.next().await? {
        validated.rows += block.rows;
        validated.blocks += 1;
        validated.first_date.get_or_insert(block.first);
        validated.last_date = Some(block.last);
    }
    validated.counties = blocks.known().len() as u64;
    Ok((validated, blocks))
}

/// Loads the blocks of `blocks` with the archive's `vintage`, each planned against the stored
/// days of its dates and written, until the file ends or `deadline` is too near to start
/// another block.
pub async fn load<S: CountyDays + Sync>(
    store: &S,
    mut blocks: Blocks,
    vintage: NaiveDate,
    deadline: Option<Instant>,
) -> Result<(CountiesRun, u64, u64, Option<Resume>), Error> {
    let progress = Progress::default();
    let (mut run, mut rows, mut loaded) = (CountiesRun::default(), 0, 0);
    let mut slowest = Duration::ZERO;
    let mut next: Option<Resume> = None;
    loop {
        let margin = MIN_TIME_FOR_A_BLOCK.max(slowest * 2);
        if let (Some(deadline), Some(resume)) = (deadline, &next)
            && deadline.saturating_duration_since(Instant::now()) < margin
        {
            tracing::info!(line = resume.line, blocks = loaded, "time short; to resume");
            return Ok((run, rows, loaded, next));
        }
        let started = Instant::now();
        let Some(block) = blocks.next().await? else {
            return Ok((run, rows, loaded, None));
        };
        let wanted = transform::by_state_day(&block.series);
        let dates = (block.first, block.last);
        let (planned, _) = counties::plan_dates(store, &wanted, dates, vintage, false).await?;
        let (done, _) =
            counties::write_states(store, planned, &wanted, dates, vintage, &progress).await?;
        run.new += done.new;
        run.revised += done.revised;
        run.withdrawn += done.withdrawn;
        run.items += done.items;
        rows += block.rows;
        loaded += 1;
        next = block.next;
        slowest = slowest.max(started.elapsed());
        tracing::debug!(first = %dates.0, last = %dates.1, items = done.items, "block loaded");
        if next.is_none() {
            return Ok((run, rows, loaded, None));
        }
    }
}

impl Etl {
    /// Runs one step of an archive load (the Lambda function's `county_archive` event):
    /// `deadline` is when the invocation ends.
    pub async fn archive_step(
        &self,
        step: Step,
        deadline: Option<Instant>,
    ) -> Result<serde_json::Value, Error> {
        let value = match step {
            Step::Validate { source, vintage } => {
                serde_json::to_value(self.validate_archive_file(&source, vintage).await?.0)
            }
            Step::Load {
                source,
                vintage,
                resume,
            } => serde_json::to_value(
                self.load_archive_file(&source, vintage, resume, deadline)
                    .await?,
            ),
            Step::Listings { sources, vintage } => {
                let mut known = BTreeMap::new();
                for source in &sources {
                    known.extend(self.validate_archive_file(source, vintage).await?.1);
                }
                serde_json::to_value(self.archive_listings(&known, vintage).await?)
            }
        };
        Ok(value.expect("a step's report serialises"))
    }

    /// `etl archive`: every step in one process (validate every file, load each, write the
    /// listings).
    pub async fn archive(
        &self,
        sources: &[String],
        vintage: NaiveDate,
    ) -> Result<ArchiveReport, Error> {
        let mut validated = Vec::new();
        let mut known = BTreeMap::new();
        for source in sources {
            let (report, counties) = self.validate_archive_file(source, vintage).await?;
            tracing::info!(
                source,
                rows = report.rows,
                blocks = report.blocks,
                "archive file valid"
            );
            validated.push(report);
            known.extend(counties);
        }
        let mut loaded = Vec::new();
        for source in sources {
            let report = self.load_archive_file(source, vintage, None, None).await?;
            tracing::info!(
                source,
                rows = report.rows,
                new = report.new,
                revised = report.revised,
                items = report.items,
                dynamodb_requests = report.dynamodb_requests,
                duration_ms = report.duration_ms,
                "archive file loaded"
            );
            loaded.push(report);
        }
        let listed = self.archive_listings(&known, vintage).await?;
        Ok(ArchiveReport {
            validated,
            loaded,
            listed,
        })
    }

    /// Step 1 on one file: its report, and its counties.
    async fn validate_archive_file(
        &self,
        source: &str,
        vintage: NaiveDate,
    ) -> Result<(Validated, BTreeMap<String, County>), Error> {
        let blocks = Blocks::open(self.stream_client(), source, vintage, None).await?;
        let (validated, blocks) = validate(source, blocks).await?;
        if validated.rows == 0 {
            return Err(transform::empty_county_file().into());
        }
        Ok((validated, blocks.known().clone()))
    }

    /// Step 2 on one file, from `resume`, until it ends or `deadline` nears.
    async fn load_archive_file(
        &self,
        source: &str,
        vintage: NaiveDate,
        resume: Option<Resume>,
        deadline: Option<Instant>,
    ) -> Result<Loaded, Error> {
        let stopwatch = Instant::now();
        let requests = self.store().requests();
        let blocks = Blocks::open(self.stream_client(), source, vintage, resume.as_ref()).await?;
        let (counties, rows, blocks, resume) =
            load(self.store(), blocks, vintage, deadline).await?;
        Ok(Loaded {
            step: "load",
            source: source.to_string(),
            vintage,
            done: resume.is_none(),
            resume,
            rows,
            blocks,
            new: counties.new,
            revised: counties.revised,
            withdrawn: counties.withdrawn,
            items: counties.items,
            dynamodb_requests: self.store().requests() - requests,
            duration_ms: stopwatch.elapsed().as_millis() as u64,
        })
    }

    /// Step 3: the listing of every state with a county in `known`, made from its stored days,
    /// with JHU's populations.
    async fn archive_listings(
        &self,
        known: &BTreeMap<String, County>,
        vintage: NaiveDate,
    ) -> Result<Listed, Error> {
        let stopwatch = Instant::now();
        let requests = self.store().requests();
        let counties: CountySeries = known
            .iter()
            .map(|(id, county)| (id.clone(), (county.clone(), Vec::new())))
            .collect();
        let populations = match &self.config().population_url {
            Some(url) => {
                let bytes = self.fetcher().fetch(Source::Population, url).await?;
                transform::parse_county_populations(&bytes, &counties)?
            }
            None => BTreeMap::new(),
        };
        let names: BTreeMap<String, String> = known
            .iter()
            .map(|(id, county)| (id.clone(), county.name.clone()))
            .collect();
        let mut states: Vec<Region> = known.values().map(|c| c.state).collect();
        states.sort();
        states.dedup();
        let names = county_listing::Names {
            names: &names,
            populations: &populations,
        };
        let listings = county_listing::write(self.store(), states, &names, vintage).await?;
        Ok(Listed {
            counties: known.len() as u64,
            listings,
            dynamodb_requests: self.store().requests() - requests,
            duration_ms: stopwatch.elapsed().as_millis() as u64,
        })
    }
}

#[cfg(test)]
mod tests;
