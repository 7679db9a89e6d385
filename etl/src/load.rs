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
//! announced once.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{Day, fingerprint};
use covid_store::{
    ChangeRecord, DayWrite, MAX_CHANGES_PER_META_WRITE, MAX_WRITES_PER_BATCH, OutboxMessage,
    ReadSeries, ReadState, RunRecord, SeriesState, StoredDay, StoredMeta, WriteDay, WriteMeta,
};
use futures::StreamExt;

use crate::announce::Announcement;
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
        match *write {
            DayWrite::Insert(day) => Change::Inserted(day),
            DayWrite::Update { stored, new } => Change::Revised {
                old: stored.day,
                new,
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
}

/// Composes the `updated` alert of an announcement, given the stored series after the run and
/// how many days the run found equal; `None`: no alert (no topic). The pipeline owns the text.
pub type Announce<'a> = &'a (dyn Fn(&Announcement, &[Day], u64) -> Option<OutboxMessage> + Sync);

/// What a region's stored series is to become.
#[derive(Clone, Copy)]
pub struct Wanted<'a> {
    pub days: &'a [Day],
    /// `None`: no population source; the stored one is kept.
    pub population: Option<u64>,
    /// National only: [`regions_fingerprint`](crate::regions::regions_fingerprint) of the
    /// state series loaded before; `None`: states are not loaded.
    pub regions_fingerprint: Option<&'a str>,
    /// How the meta write announces the change records. `None` (a state): it leaves them for
    /// the national meta write, whose alert names every region that changed.
    pub announce: Option<Announce<'a>>,
}

impl<'a> Wanted<'a> {
    /// The days alone, announced by `announce`: the national series as it was before states.
    pub fn days(days: &'a [Day], announce: Announce<'a>) -> Self {
        Self {
            days,
            population: None,
            regions_fingerprint: None,
            announce: Some(announce),
        }
    }
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

/// Compares the source with the stored days: the writes needed, and how many days are equal.
pub fn diff(source: &[Day], stored: &BTreeMap<NaiveDate, StoredDay>) -> (Vec<DayWrite>, u64) {
    let mut writes = Vec::new();
    let mut unchanged = 0;
    for day in source {
        match stored.get(&day.date) {
            None => writes.push(DayWrite::Insert(*day)),
            Some(s) if s.day == *day => unchanged += 1,
            Some(s) => writes.push(DayWrite::Update {
                stored: *s,
                new: *day,
            }),
        }
    }
    (writes, unchanged)
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
                    .regions_fingerprint
                    .is_none_or(|f| m.regions_fingerprint.as_deref() == Some(f))
        })
}

/// Brings the stored series up to `source`, announces every unannounced change and records the
/// run on the meta item. `state` is what the run read at its start. The `updated` alert that
/// `announce` composes is stored in the same transaction as the meta write. `progress` counts the
/// days written as they commit, so that a failed load can tell how many it wrote.
pub async fn load<S>(
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
        if wanted.announce.is_some() {
            store
                .record_run(&run_record(0, 0, unchanged, started))
                .await?;
        }
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
    let batches: Vec<&[DayWrite]> = writes.chunks(MAX_WRITES_PER_BATCH).collect();
    let applied = settle(batches, BATCHES_IN_FLIGHT, |batch| {
        apply_batch(store, batch, progress)
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
    progress: &Progress,
) -> Result<Applied, Error> {
    if batch.len() > 1
        && let Some(record) = store.write_days(batch).await?
    {
        progress.add(&record);
        return Ok((
            batch.iter().map(|w| Some(Change::of(w))).collect(),
            vec![record],
        ));
    }
    let applied = settle(batch.to_vec(), CONCURRENCY, |write| {
        apply(store, write, progress)
    })
    .await?;
    let (changes, records) = applied.into_iter().unzip::<_, _, Vec<_>, Vec<_>>();
    Ok((changes, records.into_iter().flatten().collect()))
}

/// Applies one write, resolving lost conditions. `None`: the wanted values were already there.
async fn apply<S: WriteDay + ReadSeries>(
    store: &S,
    write: DayWrite,
    progress: &Progress,
) -> Result<(Option<Change>, Option<ChangeRecord>), Error> {
    let mut write = write;
    for _ in 0..MAX_TRIES {
        if let Some(record) = store.write_days(&[write]).await? {
            progress.add(&record);
            return Ok((Some(Change::of(&write)), Some(record)));
        }
        // Another writer got there first: look at what it wrote.
        let new = write.day();
        write = match store.read_day(new.date).await? {
            Some(current) if current.day == new => return Ok((None, None)),
            Some(current) => DayWrite::Update {
                stored: current,
                new,
            },
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
    if wanted.announce.is_none() {
        // A state's change records wait for the national meta write.
        records.clear();
    }
    for _ in 0..MAX_TRIES {
        if !merge_oldest(store, &mut records).await? {
            read_again(store, &mut read, &mut records).await?;
            continue;
        }
        let announced = Announcement::of(&records);
        let changed = outcome.inserted + outcome.updated > 0 || !announced.is_empty();
        let message = match wanted.announce {
            Some(announce) if !announced.is_empty() => {
                announce(&announced, merged, outcome.unchanged)
            }
            _ => None,
        };
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
            last_run: wanted.announce.is_some().then(|| {
                run_record(
                    outcome.inserted,
                    outcome.updated,
                    outcome.unchanged,
                    started,
                )
            }),
            stale_alert_for: read.as_ref().and_then(|m| m.stale_alert_for),
            population: wanted.population,
            regions_fingerprint: wanted.regions_fingerprint.map(str::to_string),
            lease_until: None,
        };
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        if store
            .write_meta(&meta, expected, message.as_ref(), &ids)
            .await?
        {
            outcome.announced = announced;
            outcome.alert = message;
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

#[cfg(test)]
pub(crate) mod tests {
    use covid_store::MemoryStore;

    use super::*;

    /// `n` days from 2020-03-01 (the store tests' series), cases raised by `bump`.
    pub(crate) fn series(n: u64, bump: u64) -> Vec<Day> {
        let start = NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
        (0..n)
            .map(|i| Day {
                date: start + chrono::Days::new(i),
                cases: 10 * i + bump,
                deaths: i,
                recovered: None,
            })
            .collect()
    }

    async fn run(store: &MemoryStore, source: &[Day]) -> (Result<LoadOutcome, Error>, u64) {
        let state = store.read_state().await.unwrap();
        let progress = Progress::default();
        let result = load(
            store,
            &Wanted::days(source, &announce),
            &state,
            Utc::now(),
            &progress,
        )
        .await;
        (result, progress.written())
    }

    fn announce(a: &Announcement, series: &[Day], unchanged: u64) -> Option<OutboxMessage> {
        Some(crate::alerts::updated(a, series, unchanged).into_message(Utc::now()))
    }

    fn announced(outcome: &LoadOutcome) -> (u64, u64) {
        let counts = &outcome.alert.as_ref().expect("an updated alert").counts;
        (counts["new_days"], counts["revised_days"])
    }

    #[test]
    fn diff_tells_inserts_updates_and_equal_days() {
        let stored: BTreeMap<NaiveDate, StoredDay> = series(3, 0)
            .into_iter()
            .map(|day| (day.date, StoredDay { day, rev: 2 }))
            .collect();
        let mut source = series(4, 0);
        source[1].cases += 1;
        let (writes, unchanged) = diff(&source, &stored);
        assert_eq!(unchanged, 2);
        assert_eq!(
            writes,
            [
                DayWrite::Update {
                    stored: stored[&source[1].date],
                    new: source[1]
                },
                DayWrite::Insert(source[3]),
            ]
        );
    }

    #[tokio::test]
    async fn nothing_new_needs_the_same_series_and_no_unannounced_change() {
        let store = MemoryStore::new();
        let source = series(5, 0);
        run(&store, &source).await.0.unwrap();
        let state = store.read_state().await.unwrap();
        let wanted = |days| Wanted::days(days, &announce);
        assert!(is_unchanged(&state, &wanted(&source)));
        let other = series(5, 1);
        assert!(!is_unchanged(&state, &wanted(&other)), "other values");
        assert!(!is_unchanged(&state, &wanted(&source[..4])), "fewer days");
        let with_regions = Wanted {
            regions_fingerprint: Some("0123"),
            ..wanted(&source)
        };
        assert!(
            !is_unchanged(&state, &with_regions),
            "states not loaded yet"
        );
        let with_population = Wanted {
            population: Some(1000),
            ..wanted(&source)
        };
        assert!(!is_unchanged(&state, &with_population), "no population yet");
        let mut pending = state.clone();
        pending.changes.push(ChangeRecord::of(
            covid_model::US,
            &[DayWrite::Insert(source[0])],
            Utc::now(),
        ));
        assert!(
            !is_unchanged(&pending, &wanted(&source)),
            "a change awaits its announcement"
        );
        assert!(!is_unchanged(&SeriesState::default(), &wanted(&source)));

        let before = store.requests();
        let (outcome, written) = run(&store, &source).await;
        let outcome = outcome.unwrap();
        assert_eq!((outcome.unchanged, written, outcome.alert), (5, 0, None));
        assert_eq!(
            store.requests() - before,
            2,
            "the state read and the run record"
        );
    }

    #[tokio::test]
    async fn an_initial_load_writes_in_batches_and_announces_each_day_once() {
        let store = MemoryStore::new();
        let source = series(250, 0);
        let (outcome, written) = run(&store, &source).await;
        let outcome = outcome.unwrap();
        assert_eq!((outcome.inserted, written), (250, 250));
        assert_eq!(announced(&outcome), (250, 0));
        let contents = store.contents();
        assert!(contents.changes.is_empty(), "announced records are deleted");
        assert_eq!(contents.outbox.len(), 1, "the alert waits for publishing");
        let meta = contents.meta.unwrap();
        assert_eq!((meta.count, meta.version), (250, 1));
        assert_eq!(meta.fingerprint, fingerprint(&source));
    }

    #[tokio::test]
    async fn a_failed_load_tells_what_it_wrote_and_the_next_announces_it() {
        let store = MemoryStore::new();
        let source = series(250, 0);
        store.fail_after_writes(1);
        let (outcome, written) = run(&store, &source).await;
        assert!(matches!(outcome, Err(Error::Store(_))), "{outcome:?}");
        let contents = store.contents();
        assert_eq!(written, contents.days.len() as u64);
        assert_eq!(
            written, MAX_WRITES_PER_BATCH as u64,
            "one transaction went through"
        );
        assert!(
            contents.meta.is_none(),
            "the meta is never ahead of the days"
        );
        assert_eq!(contents.changes.len(), 1);

        store.heal();
        let mut revised = source.clone();
        revised[0].cases += 5;
        let (outcome, _) = run(&store, &revised).await;
        let outcome = outcome.unwrap();
        assert_eq!((outcome.inserted, outcome.updated), (151, 1));
        assert_eq!(
            announced(&outcome),
            (250, 0),
            "a day first written by a failed run is new, with its final values"
        );
        let (outcome, _) = run(&store, &revised).await;
        assert_eq!(outcome.unwrap().alert, None, "nothing twice");
    }

    #[tokio::test]
    async fn a_lost_condition_is_re_read_and_resolved() {
        let store = MemoryStore::new();
        let source = series(3, 0);
        run(&store, &source[..2]).await.0.unwrap();
        // Another writer stores the same new day, and a revision of day 0, first.
        let mut theirs = source.clone();
        theirs[0].cases += 7;
        let mine = {
            let mut mine = source.clone();
            mine[0].cases += 1;
            mine
        };
        let mut once = Some(theirs.clone());
        store.before_each_write(move |c| {
            if let Some(theirs) = once.take() {
                c.days.insert(
                    theirs[2].date,
                    StoredDay {
                        day: theirs[2],
                        rev: 1,
                    },
                );
                let rev = c.days[&theirs[0].date].rev + 1;
                c.days.insert(
                    theirs[0].date,
                    StoredDay {
                        day: theirs[0],
                        rev,
                    },
                );
            }
        });
        let (outcome, _) = run(&store, &mine).await;
        let outcome = outcome.unwrap();
        // Day 2 was already there with our values; day 0 is written over their revision.
        assert_eq!(
            (outcome.inserted, outcome.updated, outcome.unchanged),
            (0, 1, 2)
        );
        let day0 = store.contents().days[&source[0].date];
        assert_eq!((day0.day, day0.rev), (mine[0], 3));
    }

    #[tokio::test]
    async fn a_day_that_keeps_changing_is_given_up_after_max_tries() {
        let store = MemoryStore::new();
        let source = series(1, 0);
        let mut n = 0;
        store.before_each_write(move |c| {
            n += 1;
            let day = Day {
                cases: 1000 + n,
                ..source[0]
            };
            let rev = c.days.get(&day.date).map_or(1, |s| s.rev + 1);
            c.days.insert(day.date, StoredDay { day, rev });
        });
        let (outcome, written) = run(&store, &series(1, 0)).await;
        let error = outcome.unwrap_err().to_string();
        assert!(
            error.contains("kept changing under concurrent writers (5 tries)"),
            "{error}"
        );
        assert_eq!(written, 0);
    }

    #[tokio::test]
    async fn a_concurrent_meta_write_is_retried_and_records_are_announced_once() {
        let store = MemoryStore::new();
        run(&store, &series(3, 0)).await.0.unwrap();
        let state = store.read_state().await.unwrap();
        // Another run's meta write lands after this run's read (once).
        let mut once = true;
        store.before_each_write(move |c| {
            if once && c.changes.len() == 1 {
                once = false;
                let meta = c.meta.as_mut().unwrap();
                meta.version += 1;
            }
        });
        let progress = Progress::default();
        let outcome = load(
            &store,
            &Wanted::days(&series(4, 0), &announce),
            &state,
            Utc::now(),
            &progress,
        )
        .await
        .unwrap();
        assert_eq!(announced(&outcome), (1, 0));
        let meta = store.contents().meta.unwrap();
        assert_eq!(
            (meta.version, meta.count),
            (3, 4),
            "written over the other run's version"
        );
        assert!(store.contents().changes.is_empty());
    }

    #[tokio::test]
    async fn more_records_than_one_meta_write_takes_are_merged_first() {
        let store = MemoryStore::new();
        // 150 failed runs of one new day each leave 150 records.
        let source = series(150, 0);
        for day in &source {
            store
                .write_days(&[DayWrite::Insert(*day)])
                .await
                .unwrap()
                .unwrap();
        }
        assert_eq!(store.contents().changes.len(), 150);
        let (outcome, written) = run(&store, &source).await;
        let outcome = outcome.unwrap();
        assert_eq!((outcome.inserted, written), (0, 0));
        assert_eq!(announced(&outcome), (150, 0));
        assert!(store.contents().changes.is_empty());
    }
}
