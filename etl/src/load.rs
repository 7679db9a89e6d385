//! The validated series -> DynamoDB, writing only new or changed days.
//!
//! Every write is conditional: an insert requires the day to be absent, an update requires the
//! revision that was read. A write that loses its condition to a concurrent run re-reads the day
//! and either finds the wanted values already there (counted as unchanged) or tries again on the
//! new revision. So repeated, duplicated or concurrent runs never double-count or clobber.
//! The meta item (fingerprint, count, last day) is written last, conditioned on its version:
//! a run that fails half-way leaves a stale fingerprint, and the next run repairs from a full diff.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{Day, fingerprint};
use covid_store::{
    DayWrite, MAX_WRITES_PER_BATCH, OutboxMessage, ReadSeries, ReadState, RunRecord, SeriesMeta,
    StoredDay, WriteDay, WriteMeta,
};
use futures::{StreamExt, TryStreamExt};

use crate::alerts;
use crate::error::Error;

/// Single-day writes in flight at once (when resolving conflicts).
pub const CONCURRENCY: usize = 32;
/// Batches (transactions of up to 100 conditional writes) in flight at once.
pub const BATCHES_IN_FLIGHT: usize = 4;
/// Tries of one day's write against concurrent writers before the run gives up.
const MAX_TRIES: usize = 5;

/// A change a run made to the stored series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Inserted(Day),
    Revised { old: Day, new: Day },
}

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// The inserted and revised days, in date order.
    pub changes: Vec<Change>,
    /// The `updated` alert stored with the meta write, still to be published.
    pub alert: Option<OutboxMessage>,
}

/// A write the diff asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Insert(Day),
    Update { stored: StoredDay, new: Day },
}

/// Compares the source with the stored days: the writes needed, and how many days are equal.
pub fn diff(source: &[Day], stored: &BTreeMap<NaiveDate, StoredDay>) -> (Vec<Write>, u64) {
    let mut writes = Vec::new();
    let mut unchanged = 0;
    for day in source {
        match stored.get(&day.date) {
            None => writes.push(Write::Insert(*day)),
            Some(s) if s.day == *day => unchanged += 1,
            Some(s) => writes.push(Write::Update {
                stored: *s,
                new: *day,
            }),
        }
    }
    (writes, unchanged)
}

/// Whether the stored series is exactly `source`, as far as the meta item tells.
pub fn is_unchanged(meta: Option<&SeriesMeta>, source: &[Day]) -> bool {
    meta.is_some_and(|m| m.count == source.len() as u64 && m.fingerprint == fingerprint(source))
}

/// Brings the stored series up to `source` and records the run on the meta item.
/// `meta` is the meta as read at the start of the run. With `alert`, a run that changes data
/// stores its `updated` alert in the same transaction as the meta write.
pub async fn load<S>(
    store: &S,
    source: &[Day],
    meta: Option<&SeriesMeta>,
    started: DateTime<Utc>,
    alert: bool,
) -> Result<LoadOutcome, Error>
where
    S: ReadState + ReadSeries + WriteDay + WriteMeta + Sync,
{
    if is_unchanged(meta, source) {
        // Nothing new: one write, the run record.
        let unchanged = source.len() as u64;
        store
            .record_run(&run_record(0, 0, unchanged, started))
            .await?;
        return Ok(LoadOutcome {
            unchanged,
            ..LoadOutcome::default()
        });
    }
    let stored: BTreeMap<NaiveDate, StoredDay> = store
        .read_series()
        .await?
        .into_iter()
        .map(|s| (s.day.date, s))
        .collect();
    let (writes, unchanged) = diff(source, &stored);
    let applied: Vec<Vec<Option<Change>>> =
        futures::stream::iter(writes.chunks(MAX_WRITES_PER_BATCH))
            .map(|batch| apply_batch(store, batch))
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .try_collect()
            .await?;
    let mut outcome = LoadOutcome {
        unchanged,
        ..LoadOutcome::default()
    };
    for applied in applied.into_iter().flatten() {
        match applied {
            Some(change @ Change::Inserted(_)) => {
                outcome.inserted += 1;
                outcome.changes.push(change);
            }
            Some(change @ Change::Revised { .. }) => {
                outcome.updated += 1;
                outcome.changes.push(change);
            }
            // Another run wrote the same values first.
            None => outcome.unchanged += 1,
        }
    }
    outcome.changes.sort_by_key(|c| match c {
        Change::Inserted(d) | Change::Revised { new: d, .. } => d.date,
    });

    // The stored series is now the old one with every source day written over it.
    let mut merged: BTreeMap<NaiveDate, Day> =
        stored.into_iter().map(|(d, s)| (d, s.day)).collect();
    merged.extend(source.iter().map(|d| (d.date, *d)));
    let merged: Vec<Day> = merged.into_values().collect();
    let changed = outcome.inserted + outcome.updated > 0;
    if changed && alert {
        let newest = merged.last().expect("a changed series has days");
        outcome.alert = Some(alerts::updated(&outcome, newest).into_message(Utc::now()));
    }
    write_meta(store, &merged, meta.cloned(), changed, &outcome, started).await?;
    Ok(outcome)
}

impl Write {
    fn request(&self) -> DayWrite {
        match *self {
            Write::Insert(day) => DayWrite { day, rev: None },
            Write::Update { stored, new } => DayWrite {
                day: new,
                rev: Some(stored.rev),
            },
        }
    }

    fn change(&self) -> Change {
        match *self {
            Write::Insert(day) => Change::Inserted(day),
            Write::Update { stored, new } => Change::Revised {
                old: stored.day,
                new,
            },
        }
    }
}

/// Applies a batch of writes as one transaction. If it is cancelled (another run wrote one of
/// these days first), nothing was written and each day is resolved on its own.
async fn apply_batch<S: WriteDay + Sync>(
    store: &S,
    batch: &[Write],
) -> Result<Vec<Option<Change>>, Error> {
    if batch.len() > 1 {
        let requests: Vec<DayWrite> = batch.iter().map(Write::request).collect();
        if store.write_days(&requests).await? {
            return Ok(batch.iter().map(|w| Some(w.change())).collect());
        }
    }
    futures::stream::iter(batch.iter().copied())
        .map(|write| apply(store, write))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await
}

/// Applies one write, resolving lost conditions. `None`: the wanted values were already there.
async fn apply<S: WriteDay>(store: &S, write: Write) -> Result<Option<Change>, Error> {
    let mut write = write;
    for _ in 0..MAX_TRIES {
        if store.write_day(&write.request()).await? {
            return Ok(Some(write.change()));
        }
        // Another writer got there first: look at what it wrote.
        let new = write.request().day;
        write = match store.read_day(new.date).await? {
            Some(current) if current.day == new => return Ok(None),
            Some(current) => Write::Update {
                stored: current,
                new,
            },
            None => Write::Insert(new),
        };
    }
    let date = write.request().day.date;
    Err(Error::Conflict(format!(
        "day {date} kept changing under concurrent writers ({MAX_TRIES} tries)"
    )))
}

async fn write_meta<S: ReadState + WriteMeta>(
    store: &S,
    merged: &[Day],
    mut read: Option<SeriesMeta>,
    changed: bool,
    outcome: &LoadOutcome,
    started: DateTime<Utc>,
) -> Result<(), Error> {
    let (first, last) = match (merged.first(), merged.last()) {
        (Some(f), Some(l)) => (f.date, l.date),
        _ => return Ok(()),
    };
    let now = Utc::now();
    let fingerprint = fingerprint(merged);
    for _ in 0..MAX_TRIES {
        let expected = read.as_ref().map(|m| m.version);
        let meta = SeriesMeta {
            version: expected.map_or(1, |v| v + 1),
            fingerprint: fingerprint.clone(),
            count: merged.len() as u64,
            first_date: first,
            last_date: last,
            changed_at: match &read {
                Some(m) if !changed => m.changed_at,
                _ => now,
            },
            last_run: Some(run_record(
                outcome.inserted,
                outcome.updated,
                outcome.unchanged,
                started,
            )),
            stale_alert_for: read.as_ref().and_then(|m| m.stale_alert_for),
        };
        if store
            .write_meta(&meta, expected, outcome.alert.as_ref())
            .await?
        {
            return Ok(());
        }
        // A concurrent run wrote the meta since we read it: write ours over its version, so
        // that this run's record and alert are kept too.
        read = store.read_state().await?.meta;
    }
    Err(Error::Conflict(
        "the series meta item kept changing under concurrent writers".to_string(),
    ))
}

fn run_record(inserted: u64, updated: u64, unchanged: u64, started: DateTime<Utc>) -> RunRecord {
    let now = Utc::now();
    RunRecord {
        at: now,
        inserted,
        updated,
        unchanged,
        duration_ms: (now - started).num_milliseconds().max(0) as u64,
    }
}
