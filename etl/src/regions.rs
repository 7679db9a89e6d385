//! The state series through the store, with the national series' guarantees per region.
//!
//! Each jurisdiction is loaded by [`load::load`] on its own partition, so its writes are
//! conditional, batched and resolved exactly as the nation's. Its change records go to the
//! national partition and are announced by the national meta write, whose `updated` alert
//! names every state that changed, once. The national meta keeps a fingerprint of every state
//! series and population: a run whose states match it reads no state partition at all.
//!
//! A series never loaded is bulk loaded instead, under a lease (`covid_store::BulkLoad`): its
//! placeholder meta and change record first, then plain batched puts, then the meta. A run that
//! finds another's lease leaves that series alone and does not record the regions fingerprint,
//! so a later run checks it again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use covid_model::{Day, Region, StateCounts, fingerprint};
use covid_store::{
    BulkLoad, Lease, MAX_PUTS_PER_BATCH, ReadSeries, ReadState, RegionScope, SeriesState,
    StoredMeta, WriteDay, WriteMeta,
};

use crate::error::Error;
use crate::load::{self, Progress, Wanted, is_unchanged, settle};
use crate::source::Source;
use crate::transform::{self, StateSeries};

/// Region partitions read, or loaded, at once.
pub const REGIONS_IN_FLIGHT: usize = 4;
/// Bulk puts (`BatchWriteItem` of 25) in flight at once, per series.
pub const PUTS_IN_FLIGHT: usize = 8;
/// How long a bulk loader holds a series: longer than a run may last on Lambda (its timeout is
/// 2 minutes), so a live loader is not overtaken, and short enough that Lambda's retry of a
/// failed run (after 1 and 2 minutes) finds it lapsed.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(3);
/// A loader starts no batch within this of its lease's end: longer than any one request may
/// take ([`covid_store::REQUEST_DEADLINE`]), so no put of a lapsed loader lands after another
/// run has taken the series over (and perhaps loaded and revised it).
pub const LEASE_MARGIN: chrono::Duration = chrono::Duration::seconds(60);
const _: () = assert!(LEASE_MARGIN.num_seconds() > covid_store::REQUEST_DEADLINE.as_secs() as i64);

/// The time, as the loader sees it (a test's clock jumps).
pub type Clock = dyn Fn() -> DateTime<Utc> + Send + Sync;

/// What loading the states did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatesLoaded {
    pub counts: StateCounts,
    /// Series left to another run's bulk load (not counted in `counts`).
    pub busy: usize,
}

/// One fingerprint over every state series and the populations: `NY:<fingerprint>:<people>`
/// lines, hashed as the series fingerprint hashes days.
pub fn regions_fingerprint(states: &StateSeries, populations: &BTreeMap<Region, u64>) -> String {
    let mut text = String::with_capacity(states.len() * 40);
    for (region, days) in states {
        let people = populations
            .get(region)
            .map(u64::to_string)
            .unwrap_or_default();
        text.push_str(&format!("{region}:{}:{people}\n", fingerprint(days)));
    }
    covid_model::fingerprint_text(&text)
}

/// Brings every state series up to the source. `national` is the national state read at the
/// start of the run; when its regions fingerprint is `fingerprint`, nothing is read. Every
/// region is checked for regression before anything is written.
pub async fn load_states<S>(
    store: &S,
    states: &StateSeries,
    populations: &BTreeMap<Region, u64>,
    fingerprint: &str,
    national: &SeriesState,
    progress: &Progress,
    clock: &Clock,
) -> Result<StatesLoaded, Error>
where
    S: RegionScope + ReadState + ReadSeries + WriteDay + WriteMeta + BulkLoad + Sync,
{
    let started = clock();
    let total: u64 = states.values().map(|d| d.len() as u64).sum();
    let stored = national
        .meta
        .as_ref()
        .and_then(|m| m.regions_fingerprint.as_deref());
    if stored == Some(fingerprint) {
        return Ok(StatesLoaded {
            counts: StateCounts {
                unchanged: total,
                ..StateCounts::default()
            },
            busy: 0,
        });
    }
    let read = settle(
        states.keys().copied().collect(),
        REGIONS_IN_FLIGHT,
        |region| async move {
            let state = store.region(region).read_state().await?;
            Ok::<_, Error>((region, state))
        },
    )
    .await?;
    for (region, state) in &read {
        if let Some(meta) = state.meta.as_ref().filter(|m| m.version > 0) {
            transform::check_regression(&states[region], meta.last_date, meta.count).map_err(
                |mut e| {
                    e.origin = Some(Source::NytStates);
                    e.detail = format!("{} ({region}): {}", region.name, e.detail);
                    e
                },
            )?;
        }
    }
    let mut counts = StateCounts::default();
    let mut stale = Vec::new();
    for (region, state) in read {
        let wanted = Wanted {
            days: &states[&region],
            population: populations.get(&region).copied(),
            regions_fingerprint: None,
            announce: None,
        };
        if is_unchanged(&state, &wanted) {
            counts.unchanged += wanted.days.len() as u64;
        } else {
            stale.push((region, state, wanted));
        }
    }
    let loaded = settle(
        stale,
        REGIONS_IN_FLIGHT,
        |(region, state, wanted)| async move {
            let store = store.region(region);
            if state.meta.as_ref().is_none_or(|m| m.version == 0) {
                return bulk_load(&store, region, &wanted, &state, progress, clock).await;
            }
            let outcome = load::load(&store, &wanted, &state, started, progress).await?;
            Ok(Some(StateCounts {
                inserted: outcome.inserted,
                updated: outcome.updated,
                unchanged: outcome.unchanged,
            }))
        },
    )
    .await?;
    let mut busy = 0;
    for outcome in loaded {
        match outcome {
            Some(c) => {
                counts.inserted += c.inserted;
                counts.updated += c.updated;
                counts.unchanged += c.unchanged;
            }
            None => busy += 1,
        }
    }
    Ok(StatesLoaded { counts, busy })
}

/// The initial load of a series never loaded (or whose loader died): the lease, the days by
/// plain batched puts, then the meta with the change record that announces them. `None`:
/// another run holds the lease. A loader whose lease is about to lapse stops before its next
/// batch: the run fails, and the run that takes the series over loads it.
async fn bulk_load<S>(
    store: &S,
    region: Region,
    wanted: &Wanted<'_>,
    state: &SeriesState,
    progress: &Progress,
    clock: &Clock,
) -> Result<Option<StateCounts>, Error>
where
    S: BulkLoad + Sync,
{
    let days = wanted.days;
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(Some(StateCounts::default()));
    };
    let now = clock();
    let until = now + LEASE;
    let count = days.len() as u64;
    let lease = store
        .lease_series(state.meta.as_ref(), first.date, last.date, now, until)
        .await?;
    if lease == Lease::Busy {
        tracing::info!(region = %region, "another run is loading this series; left to it");
        return Ok(None);
    }
    let chunks: Vec<&[Day]> = days.chunks(MAX_PUTS_PER_BATCH).collect();
    settle(chunks, PUTS_IN_FLIGHT, |chunk| async move {
        if clock() + LEASE_MARGIN >= until {
            return Err(Error::Conflict(format!(
                "{} ({region}): the lease on its bulk load ends at {until}; this run stops \
                 before it lapses, and the next run loads the series",
                region.name
            )));
        }
        store.put_days(chunk).await?;
        progress.add_days(chunk.len() as u64);
        Ok::<_, Error>(())
    })
    .await?;
    let meta = StoredMeta {
        version: 1,
        fingerprint: fingerprint(days),
        count,
        first_date: first.date,
        last_date: last.date,
        changed_at: now,
        last_run: None,
        stale_alert_for: None,
        population: wanted.population,
        regions_fingerprint: None,
        lease_until: None,
    };
    // Only while this loader's lease is the placeholder's: the meta and the change record
    // that announces the days, together, once the days are in.
    if !store.finish_bulk(&meta, until, count, clock()).await? {
        return Err(Error::Conflict(format!(
            "{} ({region}): another run took its bulk load over",
            region.name
        )));
    }
    Ok(Some(StateCounts {
        inserted: count,
        ..StateCounts::default()
    }))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use covid_store::MemoryStore;

    use super::*;
    use crate::load::tests::series as days;

    fn region(id: &str) -> Region {
        Region::by_id(id).unwrap()
    }

    /// One states pass without populations, against `national` as read.
    async fn pass(
        store: &MemoryStore,
        states: &StateSeries,
        national: &SeriesState,
        progress: &Progress,
    ) -> StatesLoaded {
        load_states(
            store,
            states,
            &BTreeMap::new(),
            "x",
            national,
            progress,
            &Utc::now,
        )
        .await
        .unwrap()
    }

    async fn run(
        store: &MemoryStore,
        states: &StateSeries,
        populations: &BTreeMap<Region, u64>,
    ) -> Result<StateCounts, Error> {
        let national = store.read_state().await.unwrap();
        let print = regions_fingerprint(states, populations);
        let loaded = load_states(
            store,
            states,
            populations,
            &print,
            &national,
            &Progress::default(),
            &Utc::now,
        )
        .await?;
        assert_eq!(loaded.busy, 0);
        // The national meta write, as the pipeline does it after the states.
        store.edit(|c| {
            let meta = c.meta.get_or_insert_with(|| covid_store::StoredMeta {
                version: 1,
                fingerprint: String::new(),
                count: 0,
                first_date: NaiveDate::MIN,
                last_date: NaiveDate::MIN,
                changed_at: Utc::now(),
                last_run: None,
                stale_alert_for: None,
                population: None,
                regions_fingerprint: None,
                lease_until: None,
            });
            meta.regions_fingerprint = Some(print);
            c.changes.clear();
        });
        Ok(loaded.counts)
    }

    #[tokio::test]
    async fn each_region_is_written_once_and_a_matching_fingerprint_reads_nothing() {
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), days(150, 0)), (region("GU"), days(3, 0))]);
        let people = BTreeMap::from([(region("NY"), 19_453_561), (region("GU"), 164_229)]);
        let counts = run(&store, &states, &people).await.unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (153, 0, 0)
        );
        let ny = store.contents().series(region("NY"));
        assert_eq!(ny.days.len(), 150);
        let meta = ny.meta.unwrap();
        assert_eq!((meta.count, meta.population), (150, Some(19_453_561)));
        assert_eq!(meta.last_run, None, "the run record is national");
        assert!(
            store.contents().days.is_empty(),
            "the national series is apart"
        );

        let before = store.requests();
        let counts = run(&store, &states, &people).await.unwrap();
        assert_eq!(counts.unchanged, 153);
        assert_eq!(
            store.requests(),
            before + 1,
            "only the national read of `run`"
        );

        // A revision in one state: only that state is written.
        let mut revised = states.clone();
        revised.get_mut(&region("GU")).unwrap()[1].cases += 5;
        let writes = store.calls("write_days");
        let counts = run(&store, &revised, &people).await.unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (0, 1, 152)
        );
        assert_eq!(store.calls("write_days"), writes + 1);
    }

    #[tokio::test]
    async fn state_change_records_wait_for_the_national_announcement() {
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), days(2, 0))]);
        let national = store.read_state().await.unwrap();
        pass(&store, &states, &national, &Progress::default()).await;
        let changes = store.contents().changes;
        assert_eq!(changes.len(), 1);
        let record = changes.values().next().unwrap();
        assert_eq!(record.regions, BTreeMap::from([(region("NY"), 2)]));
    }

    #[tokio::test]
    async fn a_regressed_state_fails_the_run_before_any_write() {
        let store = MemoryStore::new();
        let people = BTreeMap::new();
        let states = BTreeMap::from([(region("NY"), days(10, 0)), (region("CA"), days(10, 0))]);
        run(&store, &states, &people).await.unwrap();
        let mut shorter = states.clone();
        shorter.get_mut(&region("CA")).unwrap().truncate(8);
        shorter.get_mut(&region("NY")).unwrap()[0].cases += 1;
        let writes = store.calls("write_days");
        let error = run(&store, &shorter, &people)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("California (CA)"), "{error}");
        assert!(error.contains("NYT us-states.csv"), "{error}");
        assert_eq!(store.calls("write_days"), writes, "nothing written");
    }

    #[tokio::test]
    async fn a_series_never_loaded_is_bulk_loaded_under_a_lease() {
        let store = MemoryStore::new();
        let ny = region("NY");
        let states = BTreeMap::from([(ny, days(60, 0))]);
        let national = store.read_state().await.unwrap();
        let progress = Progress::default();
        let loaded = pass(&store, &states, &national, &progress).await;
        assert_eq!((loaded.counts.inserted, loaded.busy), (60, 0));
        assert_eq!(progress.written(), 60);
        assert_eq!(store.calls("write_days"), 0, "no transactions");
        assert_eq!(store.calls("put_days"), 3, "25 + 25 + 10");
        let series = store.contents().series(ny);
        let meta = series.meta.unwrap();
        assert_eq!(
            (meta.version, meta.count, meta.fingerprint.clone()),
            (1, 60, fingerprint(&states[&ny]))
        );
        assert!(series.days.values().all(|d| d.rev == 1));
        let records: Vec<_> = store.contents().changes.into_values().collect();
        assert_eq!(records.len(), 1);
        assert_eq!(
            records[0].regions,
            BTreeMap::from([(ny, 60)]),
            "counted once, with the meta, after the puts"
        );
    }

    #[tokio::test]
    async fn a_bulk_load_is_announced_only_once_its_days_and_meta_are_written() {
        let store = MemoryStore::new();
        let ny = region("NY");
        let states = BTreeMap::from([(ny, days(60, 0))]);
        let national = store.read_state().await.unwrap();
        // The lease and one batch go in, then DynamoDB is out.
        store.fail_after_writes(2);
        let failed = load_states(
            &store,
            &states,
            &BTreeMap::new(),
            "x",
            &national,
            &Progress::default(),
            &Utc::now,
        )
        .await;
        assert!(failed.is_err());
        store.heal();
        let series = store.contents().series(ny);
        assert_eq!(
            series.meta.as_ref().map(|m| m.version),
            Some(0),
            "a placeholder"
        );
        assert!(!series.days.is_empty(), "some days are in");
        // So another run's national meta write finds nothing to announce of New York.
        assert!(store.read_state().await.unwrap().changes.is_empty());

        // The run that takes it over (after the lease) completes it and announces it, once.
        store.edit(|c| {
            let meta = c.regions.get_mut(&ny).unwrap().meta.as_mut().unwrap();
            meta.lease_until = Some(Utc::now() - chrono::Duration::seconds(1));
        });
        let loaded = pass(&store, &states, &national, &Progress::default()).await;
        assert_eq!(loaded.counts.inserted, 60);
        let records: Vec<_> = store.read_state().await.unwrap().changes;
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].regions, BTreeMap::from([(ny, 60)]));
    }

    #[tokio::test]
    async fn a_lapsing_lease_stops_the_loader_and_a_stale_loader_never_rewrites_a_revision() {
        use std::sync::atomic::{AtomicI64, Ordering};
        let store = MemoryStore::new();
        let ny = region("NY");
        let wanted_days = days(60, 0);
        let wanted = Wanted {
            days: &wanted_days,
            population: None,
            regions_fingerprint: None,
            announce: None,
        };
        let start = Utc::now();
        // Loader A's clock moves 50 s at every look: the lease (3 min) leaves room for two
        // batches before the margin (1 min) is reached.
        let looks = AtomicI64::new(0);
        let slow =
            move || start + chrono::Duration::seconds(50 * looks.fetch_add(1, Ordering::SeqCst));
        let a = store.region(ny);
        let seen = a.read_state().await.unwrap();
        let error = bulk_load(&a, ny, &wanted, &seen, &Progress::default(), &slow)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("stops before it lapses"),
            "{error}"
        );
        assert_eq!(store.calls("put_days"), 2, "no batch within the margin");
        assert!(store.read_state().await.unwrap().changes.is_empty());

        // Past A's lease, B takes over and loads New York; a later run revises a day.
        let later = move || start + chrono::Duration::minutes(4);
        let b_seen = a.read_state().await.unwrap();
        let loaded = bulk_load(&a, ny, &wanted, &b_seen, &Progress::default(), &later)
            .await
            .unwrap();
        assert_eq!(loaded.map(|c| c.inserted), Some(60));
        let mut revised = wanted_days.clone();
        revised[3].cases += 100;
        let state = a.read_state().await.unwrap();
        let revision = Wanted {
            days: &revised,
            population: None,
            regions_fingerprint: None,
            announce: None,
        };
        load::load(&a, &revision, &state, later(), &Progress::default())
            .await
            .unwrap();
        let day = revised[3].date;
        assert_eq!(store.contents().series(ny).days[&day].rev, 2);

        // A stale loader (A again, with what it read before B) writes nothing.
        let puts = store.calls("put_days");
        let stale = bulk_load(&a, ny, &wanted, &seen, &Progress::default(), &later)
            .await
            .unwrap();
        assert_eq!(stale, None, "busy: the series is loaded");
        assert_eq!(store.calls("put_days"), puts);
        let stored = store.contents().series(ny).days[&day];
        assert_eq!((stored.rev, stored.day.cases), (2, revised[3].cases));
    }

    #[tokio::test]
    async fn a_live_lease_is_left_alone_and_a_lapsed_one_taken_over() {
        let store = MemoryStore::new();
        let ny = region("NY");
        let states = BTreeMap::from([(ny, days(30, 0))]);
        // Another run holds New York: it wrote its placeholder, and 5 days.
        let now = Utc::now();
        let other = store.region(ny);
        assert_eq!(
            other
                .lease_series(
                    None,
                    states[&ny][0].date,
                    states[&ny][29].date,
                    now,
                    now + LEASE
                )
                .await
                .unwrap(),
            Lease::Acquired
        );
        other.put_days(&states[&ny][..5]).await.unwrap();
        assert!(
            store.contents().changes.is_empty(),
            "not announced while loading"
        );
        let national = store.read_state().await.unwrap();
        let loaded = pass(&store, &states, &national, &Progress::default()).await;
        assert_eq!((loaded.counts, loaded.busy), (StateCounts::default(), 1));
        assert_eq!(
            store.contents().series(ny).days.len(),
            5,
            "left to the other run"
        );

        // That run died: once its lease lapses, a run takes the series over and completes it,
        // without a second change record.
        store.edit(|c| {
            let meta = c.regions.get_mut(&ny).unwrap().meta.as_mut().unwrap();
            meta.lease_until = Some(Utc::now() - chrono::Duration::seconds(1));
        });
        let loaded = pass(&store, &states, &national, &Progress::default()).await;
        assert_eq!((loaded.counts.inserted, loaded.busy), (30, 0));
        let series = store.contents().series(ny);
        assert_eq!((series.days.len(), series.meta.unwrap().version), (30, 1));
        assert_eq!(
            store.contents().changes.len(),
            1,
            "the finishing loader's record only"
        );
    }
}
