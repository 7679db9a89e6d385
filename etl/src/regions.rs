//! The state series through the store, with the national series' guarantees per region.
//!
//! Each jurisdiction is loaded by [`load::load`] on its own partition, so its writes are
//! conditional, batched and resolved exactly as the nation's. Its change records go to the
//! national partition and are announced by the national meta write, whose `updated` alert
//! names every state that changed, once. The national meta keeps a fingerprint of every state
//! series and population: a run whose states match it reads no state partition at all.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use covid_model::{Region, StateCounts, fingerprint};
use covid_store::{ReadSeries, ReadState, RegionScope, SeriesState, WriteDay, WriteMeta};

use crate::error::Error;
use crate::load::{self, Progress, Wanted, is_unchanged, settle};
use crate::source::Source;
use crate::transform::{self, StateSeries};

/// Region partitions read, or loaded, at once.
pub const REGIONS_IN_FLIGHT: usize = 4;

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
    started: DateTime<Utc>,
    progress: &Progress,
) -> Result<StateCounts, Error>
where
    S: RegionScope + ReadState + ReadSeries + WriteDay + WriteMeta + Sync,
{
    let total: u64 = states.values().map(|d| d.len() as u64).sum();
    let stored = national
        .meta
        .as_ref()
        .and_then(|m| m.regions_fingerprint.as_deref());
    if stored == Some(fingerprint) {
        return Ok(StateCounts {
            unchanged: total,
            ..StateCounts::default()
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
        if let Some(meta) = &state.meta {
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
            load::load(&store.region(region), &wanted, &state, started, progress).await
        },
    )
    .await?;
    for outcome in loaded {
        counts.inserted += outcome.inserted;
        counts.updated += outcome.updated;
        counts.unchanged += outcome.unchanged;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use covid_model::Day;
    use covid_store::MemoryStore;

    use super::*;

    fn days(n: u64, bump: u64) -> Vec<Day> {
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

    fn region(id: &str) -> Region {
        Region::by_id(id).unwrap()
    }

    async fn run(
        store: &MemoryStore,
        states: &StateSeries,
        populations: &BTreeMap<Region, u64>,
    ) -> Result<StateCounts, Error> {
        let national = store.read_state().await.unwrap();
        let print = regions_fingerprint(states, populations);
        let counts = load_states(
            store,
            states,
            populations,
            &print,
            &national,
            Utc::now(),
            &Progress::default(),
        )
        .await?;
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
            });
            meta.regions_fingerprint = Some(print);
            c.changes.clear();
        });
        Ok(counts)
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
        load_states(
            &store,
            &states,
            &BTreeMap::new(),
            "x",
            &national,
            Utc::now(),
            &Progress::default(),
        )
        .await
        .unwrap();
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
}
