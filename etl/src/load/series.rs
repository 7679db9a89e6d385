//! The validated series -> DynamoDB, writing only new or changed days.
//!
//! Every write is conditional: an insert requires the day to be absent, an update requires the
//! revision that was read. A write that loses its condition to a concurrent run re-reads the day
//! and either finds the wanted values already there (counted as unchanged) or tries again on the
//! new revision. So repeated, duplicated or concurrent runs never double-count or clobber.
//! Each committed transaction also stores a change record naming its days. The meta item
//! (fingerprint, count, last day) is written last, conditioned on its version, together with the
//! `updated` alert for every change record, which it deletes. A run that fails half-way leaves
//! the old meta and its change records: the next run repairs from a full diff and announces
//! what the failed run wrote. So the meta is never ahead of the days, and every change is
//! announced once. A day's value is never replaced by a run of an older vintage than the
//! value's (an older publication, run late or side by side with a newer one): the run stops with
//! a regression, the newer value and its history kept.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{Day, LevelDay, fingerprint, level_changes};
use covid_store::{
    ChangeRecord, DayWrite, MAX_CHANGES_PER_META_WRITE, MAX_WRITES_PER_BATCH, OutboxMessage,
    ReadSeries, ReadState, RunRecord, SeriesState, StoredDay, StoredMeta, WriteDay, WriteMeta,
};
use futures::StreamExt;

use crate::alerts::announce::Announcement;
use crate::error::Error;

/// Single-day writes in flight at once (when resolving conflicts).
pub const CONCURRENCY: usize = 32;
/// Batches (transactions of up to 99 conditional writes) in flight at once.
pub const BATCHES_IN_FLIGHT: usize = 4;
/// Tries of one day's write against concurrent writers before the run gives up.
const MAX_TRIES: usize = 5;

/// A change a run made to the stored series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Inserted(Day),
    Revised { old: Day, new: Day },
}

impl Change {
    fn of(write: &DayWrite) -> Self {
        match write {
            DayWrite::Insert(day) => Change::Inserted(*day),
            DayWrite::Update { stored, new } => Change::Revised {
                old: stored.day,
                new: *new,
            },
        }
    }

    fn date(&self) -> NaiveDate {
        match self {
            Change::Inserted(d) | Change::Revised { new: d, .. } => d.date,
        }
    }
}

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// The days this run inserted and revised, in date order.
    pub changes: Vec<Change>,
    /// Every change not announced before this run (its own and earlier failed runs').
    pub announced: Announcement,
    /// The `updated` alert stored with the meta write, still to be published.
    pub alert: Option<OutboxMessage>,
    /// The series as the load left it stored (what the listing describes).
    pub stored: Vec<Day>,
    /// The meta item as the load left it; `None`: there is none (no days).
    pub meta: Option<StoredMeta>,
}

/// Composes the `updated` alert of an announcement, given the stored series after the run and
/// how many days the run found equal; `None`: no alert (no topic). The pipeline owns the text.
pub type Announce<'a> = &'a (dyn Fn(&Announcement, &[Day], u64) -> Option<OutboxMessage> + Sync);

/// Whose series a load writes, and so what its meta write does with the change records.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    /// The nation's: its meta write announces every change record, its own and the states',
    /// with the alert `announce` composes, records the run, and keeps `regions_fingerprint`
    /// ([`states::regions_fingerprint`](crate::load::states::regions_fingerprint) of the state series
    /// loaded before; `None`: states are not loaded, or one is still being bulk loaded, so a
    /// later run looks at them again).
    National {
        announce: Announce<'a>,
        regions_fingerprint: Option<&'a str>,
        /// Each region's level on its newest day after this run ([`crate::alerts::level`]):
        /// the meta write keeps them, and its `updated` alert carries the changes from the
        /// levels it replaces. `None`: levels are not computed; the stored ones stay.
        levels: Option<&'a BTreeMap<String, LevelDay>>,
    },
    /// A state's: its change records wait for the national meta write, whose alert names
    /// every region that changed.
    State,
}

/// What a region's stored series is to become.
#[derive(Clone, Copy)]
pub struct Wanted<'a> {
    pub days: &'a [Day],
    /// The run's vintage (the newest day of its national source), kept with every value it
    /// writes.
    pub vintage: NaiveDate,
    /// `None`: no population source; the stored one is kept.
    pub population: Option<u64>,
    pub scope: Scope<'a>,
}

impl<'a> Wanted<'a> {
    /// The national days alone, announced by `announce`, without states or population.
    /// The vintage is the newest day's until [`Wanted::at`] says otherwise.
    pub fn days(days: &'a [Day], announce: Announce<'a>) -> Self {
        Self {
            days,
            vintage: newest(days),
            population: None,
            scope: Scope::National {
                announce,
                regions_fingerprint: None,
                levels: None,
            },
        }
    }

    /// A state's days and population.
    pub fn state(days: &'a [Day], population: Option<u64>) -> Self {
        Self {
            days,
            vintage: newest(days),
            population,
            scope: Scope::State,
        }
    }

    /// The same, written by the run of `vintage`.
    pub fn at(self, vintage: NaiveDate) -> Self {
        Self { vintage, ..self }
    }

    fn regions_fingerprint(&self) -> Option<&'a str> {
        match self.scope {
            Scope::National {
                regions_fingerprint,
                ..
            } => regions_fingerprint,
            Scope::State => None,
        }
    }

    fn is_national(&self) -> bool {
        matches!(self.scope, Scope::National { .. })
    }
}

/// The newest day of `days` (sorted); `NaiveDate::MIN` without days, when nothing is written.
fn newest(days: &[Day]) -> NaiveDate {
    days.last().map_or(NaiveDate::MIN, |d| d.date)
}

/// Days this run has really changed in the table so far: a failed run reports it.
#[derive(Debug, Default)]
pub struct Progress(AtomicU64);

impl Progress {
    pub fn written(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, record: &ChangeRecord) {
        self.add_days(record.len() as u64);
    }

    pub(crate) fn add_days(&self, days: u64) {
        self.0.fetch_add(days, Ordering::Relaxed);
    }
}

/// Compares the source, as the run of `vintage` publishes it, with the stored days: the writes
/// needed, and how many days are equal. Refused (a regression) if a day to change holds a value
/// of a later vintage.
pub fn diff(
    source: &[Day],
    stored: &BTreeMap<NaiveDate, StoredDay>,
    vintage: NaiveDate,
) -> Result<(Vec<DayWrite>, u64), Error> {
    let mut writes = Vec::new();
    let mut unchanged = 0;
    for day in source {
        match stored.get(&day.date) {
            None => writes.push(DayWrite::Insert(*day)),
            Some(s) if s.day == *day => unchanged += 1,
            Some(s) => writes.push(revision(s.clone(), *day, vintage)?),
        }
    }
    Ok((writes, unchanged))
}

/// The write of `new` over `stored` by the run of `vintage`, unless `stored` is of a later
/// vintage: the one place a run checks the values it replaces.
fn revision(stored: StoredDay, new: Day, vintage: NaiveDate) -> Result<DayWrite, Error> {
    // The error names the day whose stored value is newer.
    crate::transform::check_vintage(vintage, stored.vintage).map_err(|mut e| {
        e.date = Some(stored.day.date);
        e
    })?;
    Ok(DayWrite::Update { stored, new })
}

/// Whether the stored series is exactly `wanted` with every change announced, as far as one
/// read tells.
pub fn is_unchanged(state: &SeriesState, wanted: &Wanted<'_>) -> bool {
    let source = wanted.days;
    state.changes.is_empty()
        && state.meta.as_ref().is_some_and(|m| {
            m.count == source.len() as u64
                && m.fingerprint == fingerprint(source)
                && wanted.population.is_none_or(|p| m.population == Some(p))
                && wanted
                    .regions_fingerprint()
                    .is_none_or(|f| m.regions_fingerprint.as_deref() == Some(f))
        })
}

/// Brings the stored series up to `source`, announces every unannounced change and records the
/// run on the meta item. `state` is what the run read at its start. The `updated` alert that
/// `announce` composes is stored in the same transaction as the meta write. `progress` counts the
/// days written as they commit, so that a failed load can tell how many it wrote.
pub async fn load_series<S>(
    store: &S,
    wanted: &Wanted<'_>,
    state: &SeriesState,
    started: DateTime<Utc>,
    progress: &Progress,
) -> Result<LoadOutcome, Error>
where
    S: ReadState + ReadSeries + WriteDay + WriteMeta + Sync,
{
    let source = wanted.days;
    if is_unchanged(state, wanted) {
        // Nothing new: one write, the run record (kept on the national meta only).
        let unchanged = source.len() as u64;
        if wanted.is_national() {
            store
                .record_run(&run_record(0, 0, unchanged, started, wanted.vintage))
                .await?;
        }
        return Ok(LoadOutcome {
            unchanged,
            stored: source.to_vec(),
            meta: state.meta.clone(),
            ..LoadOutcome::default()
        });
    }
    let stored: BTreeMap<NaiveDate, StoredDay> = store
        .read_series()
        .await?
        .into_iter()
        .map(|s| (s.day.date, s))
        .collect();
    let (writes, unchanged) = diff(source, &stored, wanted.vintage)?;
    let batches: Vec<&[DayWrite]> = writes.chunks(MAX_WRITES_PER_BATCH).collect();
    let applied = settle(batches, BATCHES_IN_FLIGHT, |batch| {
        apply_batch(store, batch, wanted.vintage, progress)
    })
    .await?;
    let mut outcome = LoadOutcome {
        unchanged,
        ..LoadOutcome::default()
    };
    let mut records = state.changes.clone();
    for (changes, written) in applied {
        records.extend(written);
        for change in changes {
            match change {
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
    }
    outcome.changes.sort_by_key(Change::date);

    // The stored series is now the old one with every source day written over it.
    let mut merged: BTreeMap<NaiveDate, Day> =
        stored.into_iter().map(|(d, s)| (d, s.day)).collect();
    merged.extend(source.iter().map(|d| (d.date, *d)));
    let merged: Vec<Day> = merged.into_values().collect();
    outcome.meta = state.meta.clone();
    write_meta(
        store,
        &merged,
        wanted,
        state.meta.clone(),
        records,
        &mut outcome,
        started,
    )
    .await?;
    outcome.stored = merged;
    Ok(outcome)
}

/// Runs `work` over `items`, at most `limit` at once. After the first error no new item is
/// started, but the ones in flight are waited for (their writes may commit: dropping them
/// would hide what they wrote). Returns the first error.
pub(crate) async fn settle<I, T, F, Fut>(
    items: Vec<I>,
    limit: usize,
    work: F,
) -> Result<Vec<T>, Error>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let failed = AtomicBool::new(false);
    let results: Vec<Option<Result<T, Error>>> = futures::stream::iter(items)
        .map(|item| {
            let failed = &failed;
            let started = (!failed.load(Ordering::SeqCst)).then(|| work(item));
            async move {
                let result = started?.await;
                if result.is_err() {
                    failed.store(true, Ordering::SeqCst);
                }
                Some(result)
            }
        })
        .buffer_unordered(limit)
        .collect()
        .await;
    results.into_iter().flatten().collect()
}

/// One batch's result: per write, its change (`None`: the values were already there), and the
/// change records of what was written.
type Applied = (Vec<Option<Change>>, Vec<ChangeRecord>);

/// Applies a batch of writes as one transaction. If it is cancelled (another run wrote one of
/// these days first), nothing was written and each day is resolved on its own.
async fn apply_batch<S: WriteDay + ReadSeries + Sync>(
    store: &S,
    batch: &[DayWrite],
    vintage: NaiveDate,
    progress: &Progress,
) -> Result<Applied, Error> {
    if batch.len() > 1
        && let Some(record) = store.write_days(batch, vintage).await?
    {
        progress.add(&record);
        return Ok((
            batch.iter().map(|w| Some(Change::of(w))).collect(),
            vec![record],
        ));
    }
    let applied = settle(batch.to_vec(), CONCURRENCY, |write| {
        apply(store, write, vintage, progress)
    })
    .await?;
    let (changes, records) = applied.into_iter().unzip::<_, _, Vec<_>, Vec<_>>();
    Ok((changes, records.into_iter().flatten().collect()))
}

/// Applies one write, resolving lost conditions. `None`: the wanted values were already there.
async fn apply<S: WriteDay + ReadSeries>(
    store: &S,
    write: DayWrite,
    vintage: NaiveDate,
    progress: &Progress,
) -> Result<(Option<Change>, Option<ChangeRecord>), Error> {
    let mut write = write;
    for _ in 0..MAX_TRIES {
        if let Some(record) = store
            .write_days(std::slice::from_ref(&write), vintage)
            .await?
        {
            progress.add(&record);
            return Ok((Some(Change::of(&write)), Some(record)));
        }
        // Another writer got there first: look at what it wrote.
        let new = write.day();
        write = match store.read_day(new.date).await? {
            Some(current) if current.day == new => return Ok((None, None)),
            Some(current) => revision(current, new, vintage)?,
            None => DayWrite::Insert(new),
        };
    }
    let date = write.day().date;
    Err(Error::Conflict(format!(
        "day {date} kept changing under concurrent writers ({MAX_TRIES} tries)"
    )))
}

/// The meta write, which also announces: it stores the `updated` alert for every change
/// record it deletes, in one transaction. If another run wrote the meta or announced a record
/// first, it re-reads both and tries again on what is still unannounced.
async fn write_meta<S: ReadState + WriteMeta>(
    store: &S,
    merged: &[Day],
    wanted: &Wanted<'_>,
    mut read: Option<StoredMeta>,
    mut records: Vec<ChangeRecord>,
    outcome: &mut LoadOutcome,
    started: DateTime<Utc>,
) -> Result<(), Error> {
    let (first, last) = match (merged.first(), merged.last()) {
        (Some(f), Some(l)) => (f.date, l.date),
        _ => return Ok(()),
    };
    let now = Utc::now();
    let fingerprint = fingerprint(merged);
    let (announce, levels) = match wanted.scope {
        Scope::National {
            announce, levels, ..
        } => (Some(announce), levels),
        Scope::State => {
            // A state's change records wait for the national meta write.
            records.clear();
            (None, None)
        }
    };
    for _ in 0..MAX_TRIES {
        if !merge_oldest(store, &mut records).await? {
            read_again(store, &mut read, &mut records).await?;
            continue;
        }
        let announced = Announcement::of(&records);
        let changed = outcome.inserted + outcome.updated > 0 || !announced.is_empty();
        let mut message = match announce {
            Some(announce) if !announced.is_empty() => {
                announce(&announced, merged, outcome.unchanged)
            }
            _ => None,
        };
        // The levels are kept with the alert that tells their changes, so that each change is
        // told once: a write without an alert leaves the stored levels.
        let levels = levels.filter(|_| message.is_some());
        if let (Some(message), Some(now)) = (&mut message, levels) {
            let before = read.as_ref().and_then(|m| m.levels.clone());
            message.levels = level_changes(&before.unwrap_or_default(), now);
        }
        let expected = read.as_ref().map(|m| m.version);
        let meta = StoredMeta {
            version: expected.map_or(1, |v| v + 1),
            fingerprint: fingerprint.clone(),
            count: merged.len() as u64,
            first_date: first,
            last_date: last,
            changed_at: match &read {
                Some(m) if !changed => m.changed_at,
                _ => now,
            },
            last_run: announce.is_some().then(|| {
                run_record(
                    outcome.inserted,
                    outcome.updated,
                    outcome.unchanged,
                    started,
                    wanted.vintage,
                )
            }),
            stale_alert_for: read.as_ref().and_then(|m| m.stale_alert_for),
            population: wanted.population,
            regions_fingerprint: wanted.regions_fingerprint().map(str::to_string),
            listing_version: None,
            lease_until: None,
            levels: levels.map(|now| {
                now.iter()
                    .filter_map(|(region, day)| Some((region.clone(), day.level?)))
                    .collect()
            }),
        };
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        if store
            .write_meta(&meta, expected, message.as_ref(), &ids)
            .await?
        {
            outcome.announced = announced;
            outcome.alert = message;
            // What the store kept of the meta it replaced, by the store's own rule.
            outcome.meta = Some(meta.written_over(read.as_ref()));
            return Ok(());
        }
        read_again(store, &mut read, &mut records).await?;
    }
    Err(Error::Conflict(
        "the series meta item kept changing under concurrent writers".to_string(),
    ))
}

/// After a lost meta condition: the meta and the records that are still unannounced now.
async fn read_again<S: ReadState>(
    store: &S,
    read: &mut Option<StoredMeta>,
    records: &mut Vec<ChangeRecord>,
) -> Result<(), Error> {
    let state = store.read_state().await?;
    *read = state.meta;
    *records = state.changes;
    Ok(())
}

/// While there are more records than one meta write can delete, replaces the oldest by one
/// record naming the same changes. `Ok(false)`: one of them was announced by another run.
async fn merge_oldest<S: WriteMeta>(
    store: &S,
    records: &mut Vec<ChangeRecord>,
) -> Result<bool, Error> {
    records.sort_by(|a, b| a.id.cmp(&b.id));
    while records.len() > MAX_CHANGES_PER_META_WRITE {
        let oldest: Vec<ChangeRecord> = records.drain(..MAX_CHANGES_PER_META_WRITE).collect();
        let merged = Announcement::of(&oldest).into_record(&oldest[0].id);
        let ids: Vec<String> = oldest.iter().map(|r| r.id.clone()).collect();
        if !store.merge_changes(&merged, &ids).await? {
            return Ok(false);
        }
        records.insert(0, merged);
    }
    Ok(true)
}

fn run_record(
    inserted: u64,
    updated: u64,
    unchanged: u64,
    started: DateTime<Utc>,
    vintage: NaiveDate,
) -> RunRecord {
    let now = Utc::now();
    RunRecord {
        at: now,
        inserted,
        updated,
        unchanged,
        duration_ms: (now - started).num_milliseconds().max(0) as u64,
        vintage: Some(vintage),
    }
}

#[cfg(test)]
pub(crate) mod tests;
