//! The state series through the store, with the national series' guarantees per region.
//!
//! Each jurisdiction is loaded by [`load::load_series`] on its own partition, so its writes are
//! conditional, batched and resolved exactly as the nation's. Its change records go to the
//! national partition and are announced by the national meta write, whose `updated` alert
//! names every state that changed, once. The national meta keeps a fingerprint of every state
//! series and population: a run whose states match it reads no state partition at all.
//!
//! A series never loaded is bulk loaded instead ([`bulk`]). A run that finds
//! another's lease leaves that series alone and does not record the regions fingerprint, so a
//! later run checks it again.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use covid_model::{Day, Region, StateCounts, fingerprint};
use covid_store::{BulkLoad, ReadSeries, ReadState, RegionScope, SeriesState, WriteDay, WriteMeta};

use crate::error::Error;
use crate::load::bulk::{self, Clock};
use crate::load::{self, Progress, Wanted, is_unchanged, settle};
use crate::source::Source;
use crate::transform::{self, StateSeries};

/// Region partitions read, or loaded, at once.
pub const REGIONS_IN_FLIGHT: usize = 4;
/// What loading the states did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatesLoaded {
    pub counts: StateCounts,
    /// Series left to another run's bulk load (not counted in `counts`).
    pub busy: usize,
    /// Every state series examined, as stored once the run is done (a busy one is absent);
    /// `None`: the fingerprint matched, and no partition was read.
    pub stored: Option<BTreeMap<Region, Stored>>,
}

/// A state's series as stored, and its residents: its entry in the listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub days: Vec<Day>,
    pub population: Option<u64>,
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
/// start of the run; when its regions fingerprint is `fingerprint`, nothing is read, unless
/// `examine` (the listing is to be written: it needs every state as stored). Every region is
/// checked for regression before anything is written.
#[allow(clippy::too_many_arguments)]
pub async fn load_states<S>(
    store: &S,
    states: &StateSeries,
    populations: &BTreeMap<Region, u64>,
    vintage: NaiveDate,
    fingerprint: &str,
    national: &SeriesState,
    examine: bool,
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
    if stored == Some(fingerprint) && !examine {
        return Ok(StatesLoaded {
            counts: StateCounts {
                unchanged: total,
                ..StateCounts::default()
            },
            busy: 0,
            stored: None,
        });
    }
    let read = settle(
        states.keys().copied().collect(),
        REGIONS_IN_FLIGHT,
        |region| async move {
            let state = store.partition(region).read_state().await?;
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
    let mut left = BTreeMap::new();
    let mut stale = Vec::new();
    for (region, state) in read {
        let wanted = Wanted::state(&states[&region], populations.get(&region).copied()).at(vintage);
        if is_unchanged(&state, &wanted) {
            counts.unchanged += wanted.days.len() as u64;
            let population = state.meta.and_then(|m| m.population);
            left.insert(
                region,
                Stored {
                    days: wanted.days.to_vec(),
                    population,
                },
            );
        } else {
            stale.push((region, state, wanted));
        }
    }
    let loaded = settle(
        stale,
        REGIONS_IN_FLIGHT,
        |(region, state, wanted)| async move {
            let store = store.partition(region);
            if state.meta.as_ref().is_none_or(|m| m.version == 0) {
                let counts =
                    bulk::bulk_load(&store, region, &wanted, &state, progress, clock).await?;
                // A bulk load stores the source's days and population.
                let stored = Stored {
                    days: wanted.days.to_vec(),
                    population: wanted.population,
                };
                return Ok(counts.map(|c| (region, c, stored)));
            }
            let outcome = load::load_series(&store, &wanted, &state, started, progress).await?;
            let counts = StateCounts {
                inserted: outcome.inserted,
                updated: outcome.updated,
                unchanged: outcome.unchanged,
            };
            let stored = Stored {
                population: outcome.meta.and_then(|m| m.population),
                days: outcome.stored,
            };
            Ok(Some((region, counts, stored)))
        },
    )
    .await?;
    let mut busy = 0;
    for outcome in loaded {
        match outcome {
            Some((region, c, stored)) => {
                counts.inserted += c.inserted;
                counts.updated += c.updated;
                counts.unchanged += c.unchanged;
                left.insert(region, stored);
            }
            None => busy += 1,
        }
    }
    Ok(StatesLoaded {
        counts,
        busy,
        stored: Some(left),
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use covid_model::fingerprint;
    use covid_store::{Lease, MemoryStore};

    use super::*;
    use crate::load::bulk::LEASE;
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
            "2020-03-01".parse().unwrap(),
            "x",
            national,
            false,
            progress,
            &Utc::now,
        )
        .await
        .unwrap()
    }

    /// A whole run (a one-day national series beside the states), as the pipeline makes it.
    async fn run(
        store: &MemoryStore,
        states: &StateSeries,
        populations: &BTreeMap<Region, u64>,
    ) -> Result<StateCounts, Error> {
        let national = days(1, 0);
        let sources = crate::load::run::Sources {
            series: &national,
            vintage: national[0].date,
            complete: false,
            states: Some(states),
            populations,
            counties: None,
            county_populations: &BTreeMap::new(),
        };
        let announce = |_: &_, _: &[_], _| None;
        let loaded = crate::load::run::write_sources(
            store,
            sources,
            &announce,
            Utc::now(),
            &Progress::default(),
            &Utc::now,
        )
        .await?;
        assert_eq!(loaded.busy_regions, 0);
        Ok(loaded.states.expect("states are loaded"))
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
        assert_eq!(
            store.contents().days.len(),
            1,
            "the national series is apart"
        );

        let before = store.requests();
        let counts = run(&store, &states, &people).await.unwrap();
        assert_eq!(counts.unchanged, 153);
        assert_eq!(
            store.requests(),
            before + 2,
            "the national read and the run record only"
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
            "2020-03-01".parse().unwrap(),
            "x",
            &national,
            false,
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
    async fn a_live_lease_is_left_alone_and_a_lapsed_one_taken_over() {
        let store = MemoryStore::new();
        let ny = region("NY");
        let states = BTreeMap::from([(ny, days(30, 0))]);
        // Another run holds New York: it wrote its placeholder, and 5 days.
        let now = Utc::now();
        let other = store.partition(ny);
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
        other
            .put_days(&states[&ny][..5], states[&ny][4].date)
            .await
            .unwrap();
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
