//! The data part of one run once its sources are validated: in which order the regions' series
//! are written, generic over the store's traits (tested on `MemoryStore` below).
//!
//! 1. One read of the national partition (its meta, alerts and change records). A national
//!    series that regressed is refused before anything is written.
//!    The county file ([`counties`]) is planned: checked against the stored county days,
//!    which are read unless its fingerprint is the stored window's. Nothing is written yet.
//! 2. The states, each in its own partition ([`states`]): their change records
//!    wait in the national partition. When their fingerprint is the one the national meta
//!    keeps, no state partition is read at all.
//!    Then the counties' planned writes, state by state (their change records wait for step
//!    4 too), each state's county listing, and the county window record.
//! 3. If the states were examined or the counties written, the national partition is read
//!    again, once: the change records they wrote are announced in step 4.
//! 4. The national series ([`series`](super::series)): its meta write announces every change record,
//!    the states' included, and keeps the states' fingerprint, unless a state is still being
//!    bulk loaded by another run, so that the next run looks at it again.
//! 5. The listing ([`listing`]), when the national meta does not mark it
//!    current: every region's `/v1/regions` entry in one item, for the national meta's version.
//!    It needs every state as stored, so a run that is to write it examines the states in
//!    step 2 even when their fingerprint matches.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{CountiesRun, Day, Region, StateCounts};
use covid_store::{
    BulkLoad, CountyDays, Listing, ReadSeries, ReadState, RegionScope, SeriesState, WriteDay,
    WriteMeta,
};

use crate::error::Error;
use crate::load::bulk::Clock;
use crate::load::counties;
use crate::load::listing;
use crate::load::states;
use crate::load::{self, Announce, LoadOutcome, Progress, Scope, Wanted};
use crate::transform::{self, CountySeries, StateSeries};

/// What one run loads: the validated sources.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    /// The national series.
    pub series: &'a [Day],
    /// The run's vintage: the newest day of the national source (NYT `us.csv`), which may be
    /// after the joined series' last day.
    pub vintage: NaiveDate,
    /// Whether every region must be written by this run: a state that another run is bulk
    /// loading fails it before the national meta write records the vintage as applied (a
    /// backfill's runs, each of whose vintages must reach every region).
    pub complete: bool,
    /// The state series; `None`: states are not loaded.
    pub states: Option<&'a StateSeries>,
    /// Residents per region (`US` included); empty without a population source.
    pub populations: &'a BTreeMap<Region, u64>,
    /// The county file; `None`: counties are not loaded.
    pub counties: Option<&'a CountySeries>,
    /// Residents per county id; empty without a population source.
    pub county_populations: &'a BTreeMap<String, u64>,
}

/// What the data part of a run did.
#[derive(Debug)]
pub struct Loaded {
    pub national: LoadOutcome,
    /// Over every state day; `None` when states are not loaded.
    pub states: Option<StateCounts>,
    /// States left to another run's bulk load.
    pub busy_regions: usize,
    /// The national partition as last read (the alerts waiting in it, the stale marker).
    pub state: SeriesState,
    /// Whether this run wrote the listing.
    pub listed: bool,
    /// `None` when counties are not loaded.
    pub counties: Option<CountiesRun>,
}

/// Writes a run's sources in the order above. `announce` composes the `updated` alert of the
/// national meta write; `clock` is the bulk loaders' time.
pub async fn write_sources<S>(
    store: &S,
    sources: Sources<'_>,
    announce: Announce<'_>,
    started: DateTime<Utc>,
    progress: &Progress,
    clock: &Clock,
) -> Result<Loaded, Error>
where
    S: RegionScope
        + ReadState
        + ReadSeries
        + WriteDay
        + WriteMeta
        + BulkLoad
        + Listing
        + CountyDays
        + Sync,
{
    let mut state = store.read_state().await?;
    if let Some(meta) = &state.meta {
        transform::check_regression(sources.series, meta.last_date, meta.count)?;
        transform::check_vintage(
            sources.vintage,
            meta.last_run.as_ref().and_then(|r| r.vintage),
        )?;
    }
    // The county file is checked against the table before any state is written.
    let counties = match sources.counties {
        Some(series) => Some(
            counties::plan(
                store,
                series,
                sources.county_populations,
                state.county_window.as_ref(),
            )
            .await?,
        ),
        None => None,
    };
    let fingerprint = sources
        .states
        .map(|s| states::regions_fingerprint(s, sources.populations));
    let levels = crate::alerts::level::current(sources.series, sources.states, sources.populations);
    let national = |busy_regions: usize| Wanted {
        days: sources.series,
        vintage: sources.vintage,
        population: sources.populations.get(&covid_model::US).copied(),
        scope: Scope::National {
            announce,
            regions_fingerprint: fingerprint.as_deref().filter(|_| busy_regions == 0),
            levels: Some(&levels),
        },
    };
    let (mut counts, mut busy_regions, mut stored_states) = (None, 0, None);
    // Whether change records were written since `state` was read: the national meta write
    // announces them, so it must see them.
    let mut reread = false;
    if let (Some(series), Some(print)) = (sources.states, &fingerprint) {
        let examined = state
            .meta
            .as_ref()
            .and_then(|m| m.regions_fingerprint.as_ref())
            != Some(print);
        // The listing is written when it is not current, or when this run changes the data.
        let to_list =
            !listing::is_current(state.meta.as_ref()) || !load::is_unchanged(&state, &national(0));
        let loaded = states::load_states(
            store,
            series,
            sources.populations,
            sources.vintage,
            print,
            &state,
            to_list,
            progress,
            clock,
        )
        .await?;
        reread = examined || loaded.counts.inserted + loaded.counts.updated > 0;
        counts = Some(loaded.counts);
        busy_regions = loaded.busy;
        stored_states = loaded.stored;
    }
    let counties = match counties {
        Some(planned) => Some(counties::apply(store, planned, progress).await?),
        None => None,
    };
    // One read again, after the states' and the counties' writes.
    if reread || counties.as_ref().is_some_and(|c| c.items > 0) {
        state = store.read_state().await?;
    }
    if sources.complete && busy_regions > 0 {
        return Err(Error::Conflict(format!(
            "{busy_regions} state series are being loaded by another run, or by one that \
             stopped: run again once its lease lapses ({} minutes at most)",
            crate::load::bulk::LEASE.num_minutes()
        )));
    }
    let national =
        load::load_series(store, &national(busy_regions), &state, started, progress).await?;
    let listed = match stored_states.filter(|_| busy_regions == 0) {
        Some(states) => listing::write(store, &national, &states).await?,
        None => false,
    };
    Ok(Loaded {
        national,
        states: counts,
        busy_regions,
        state,
        listed,
        counties,
    })
}

#[cfg(test)]
mod tests {
    use covid_model::fingerprint;
    use covid_store::{BulkLoad, MemoryStore, OutboxMessage};

    use super::*;
    use crate::alerts::announce::Announcement;
    use crate::load::tests::series;

    fn region(id: &str) -> Region {
        Region::by_id(id).unwrap()
    }

    fn announce(a: &Announcement, days: &[Day], unchanged: u64) -> Option<OutboxMessage> {
        Some(crate::alerts::updated(a, days, unchanged).into_message(Utc::now()))
    }

    async fn run(
        store: &MemoryStore,
        national: &[Day],
        states: &StateSeries,
    ) -> Result<Loaded, Error> {
        run_as(
            store,
            national,
            states,
            national[national.len() - 1].date,
            false,
        )
        .await
    }

    /// Another run's bulk load of `region`, holding its lease.
    async fn hold_lease(store: &MemoryStore, region: Region, days: &[Day]) {
        let now = Utc::now();
        store
            .partition(region)
            .lease_series(
                None,
                days[0].date,
                days[days.len() - 1].date,
                now,
                now + crate::load::bulk::LEASE,
            )
            .await
            .unwrap();
    }

    /// A run of `vintage`; `complete`: every region must be written by it (a backfill's).
    async fn run_as(
        store: &MemoryStore,
        national: &[Day],
        states: &StateSeries,
        vintage: NaiveDate,
        complete: bool,
    ) -> Result<Loaded, Error> {
        let populations = BTreeMap::from([(covid_model::US, 329_466_283)]);
        let sources = Sources {
            series: national,
            vintage,
            complete,
            states: Some(states),
            populations: &populations,
            counties: None,
            county_populations: &BTreeMap::new(),
        };
        write_sources(
            store,
            sources,
            &announce,
            Utc::now(),
            &Progress::default(),
            &Utc::now,
        )
        .await
    }

    #[tokio::test]
    async fn states_are_written_first_and_announced_by_the_national_meta_write_of_the_same_run() {
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), series(30, 0)), (region("GU"), series(3, 0))]);
        let loaded = run(&store, &series(40, 0), &states).await.unwrap();
        assert_eq!(loaded.states.map(|c| c.inserted), Some(33));
        assert_eq!(loaded.national.inserted, 40);
        // The national alert names both states: their records were read again before it.
        let alert = loaded.national.alert.expect("an updated alert");
        assert_eq!(alert.regions, ["US", "GU", "NY"]);
        assert!(
            store.contents().changes.is_empty(),
            "every record announced"
        );
        let meta = store.contents().meta.unwrap();
        let populations = BTreeMap::from([(covid_model::US, 329_466_283)]);
        assert_eq!(
            meta.regions_fingerprint,
            Some(states::regions_fingerprint(&states, &populations)),
            "the states' fingerprint is kept"
        );
        assert_eq!(meta.population, Some(329_466_283));
    }

    #[tokio::test]
    async fn a_run_with_nothing_new_reads_one_partition_and_writes_once() {
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), series(30, 0))]);
        run(&store, &series(40, 0), &states).await.unwrap();
        let (before, reads) = (store.requests(), store.calls("read_state"));
        let loaded = run(&store, &series(40, 0), &states).await.unwrap();
        assert_eq!(loaded.national.unchanged, 40);
        assert_eq!(loaded.states.map(|c| c.unchanged), Some(30));
        assert_eq!(
            store.requests() - before,
            2,
            "the national read and the run record"
        );
        assert_eq!(
            store.calls("read_state") - reads,
            1,
            "no state partition was read"
        );
    }

    #[tokio::test]
    async fn the_listing_follows_every_version_and_is_written_once_for_a_table_without_one() {
        use covid_model::RegionSummary;
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), series(30, 0)), (region("GU"), series(3, 0))]);
        assert!(run(&store, &series(40, 0), &states).await.unwrap().listed);
        let listing = store.contents().listing.expect("a listing");
        let meta = store.contents().meta.unwrap();
        assert_eq!(
            (listing.version, meta.listing_version),
            (meta.version, Some(meta.version))
        );
        // The API's entries, from the stored series, in its order.
        assert_eq!(
            listing.regions,
            [
                RegionSummary::of(covid_model::US, &series(40, 0), Some(329_466_283)),
                RegionSummary::of(region("GU"), &series(3, 0), None),
                RegionSummary::of(region("NY"), &series(30, 0), None),
            ]
        );
        // Nothing new: not written again.
        assert!(!run(&store, &series(40, 0), &states).await.unwrap().listed);

        // A revised state: a new version, and its listing.
        let revised = BTreeMap::from([(region("NY"), series(30, 5)), (region("GU"), series(3, 0))]);
        assert!(run(&store, &series(40, 0), &revised).await.unwrap().listed);
        let listing = store.contents().listing.unwrap();
        assert_eq!(listing.version, store.contents().meta.unwrap().version);
        assert_eq!(listing.regions[2].latest.unwrap().cases, 295);

        // A table without a current listing (an older ETL's): a run with nothing new examines
        // the states once, and writes it.
        store.edit(|c| c.meta.as_mut().unwrap().listing_version = None);
        let reads = store.calls("read_state");
        assert!(run(&store, &series(40, 0), &revised).await.unwrap().listed);
        assert_eq!(
            store.calls("read_state") - reads,
            3,
            "the nation and both states"
        );
        assert_eq!(store.contents().listing.unwrap(), listing);
    }

    #[tokio::test]
    async fn while_a_state_is_being_bulk_loaded_the_states_fingerprint_is_not_kept() {
        let store = MemoryStore::new();
        let ny = region("NY");
        let states = BTreeMap::from([(ny, series(30, 0)), (region("CA"), series(5, 0))]);
        // Another run holds New York's bulk load.
        hold_lease(&store, ny, &states[&ny]).await;
        let loaded = run(&store, &series(40, 0), &states).await.unwrap();
        assert_eq!(loaded.busy_regions, 1);
        assert_eq!(
            loaded.states.map(|c| c.inserted),
            Some(5),
            "California only"
        );
        let meta = store.contents().meta.unwrap();
        assert_eq!(meta.regions_fingerprint, None, "the next run looks again");
        assert_eq!(meta.fingerprint, fingerprint(&series(40, 0)));
    }

    #[tokio::test]
    async fn a_run_that_must_reach_every_region_stops_before_recording_its_vintage() {
        let store = MemoryStore::new();
        let ny = region("NY");
        let states = BTreeMap::from([(ny, series(30, 0)), (region("CA"), series(5, 0))]);
        hold_lease(&store, ny, &states[&ny]).await;
        let national = series(40, 0);
        let error = run_as(&store, &national, &states, national[39].date, true)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), "conflict", "{error}");
        assert!(error.to_string().contains("lease lapses"), "{error}");
        assert_eq!(
            store.contents().meta,
            None,
            "no run recorded, so it runs again"
        );
    }

    #[tokio::test]
    async fn an_older_publication_than_the_last_run_writes_nothing() {
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), series(10, 0))]);
        run(&store, &series(40, 0), &states).await.unwrap();
        let before = store.contents();
        let national = series(40, 0);
        let error = run_as(&store, &national, &states, national[38].date, false)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), "regression", "{error}");
        assert!(error.to_string().contains("older publication"), "{error}");
        assert_eq!(store.contents(), before);
    }

    #[tokio::test]
    async fn a_regressed_national_series_writes_nothing() {
        let store = MemoryStore::new();
        let states = BTreeMap::from([(region("NY"), series(10, 0))]);
        run(&store, &series(40, 0), &states).await.unwrap();
        let before = store.contents();
        let grown = BTreeMap::from([(region("NY"), series(11, 0))]);
        let error = run(&store, &series(39, 0), &grown).await.unwrap_err();
        assert_eq!(error.kind(), "regression", "{error}");
        assert_eq!(store.contents(), before, "not even the states");
    }

    #[tokio::test]
    async fn a_level_change_on_the_newest_day_is_told_once_with_the_write_that_made_it() {
        use covid_model::Level;
        let store = MemoryStore::new();
        let ny = region("NY");
        // 100,000 New Yorkers; 10 new cases a day: 70 over 7 days, substantial. The nation's
        // 10 a day in 329 million: low.
        let populations = BTreeMap::from([(covid_model::US, 329_466_283), (ny, 100_000)]);
        let national = series(40, 0);
        let write = |states: StateSeries| {
            let (store, populations, national) = (&store, &populations, &national);
            async move {
                let sources = Sources {
                    series: national,
                    vintage: national[39].date,
                    complete: false,
                    states: Some(&states),
                    populations,
                    counties: None,
                    county_populations: &BTreeMap::new(),
                };
                let progress = Progress::default();
                write_sources(store, sources, &announce, Utc::now(), &progress, &Utc::now)
                    .await
                    .unwrap()
            }
        };
        // The first run knows no earlier level: nothing to tell, the levels kept.
        let first = write(BTreeMap::from([(ny, series(30, 0))])).await;
        assert_eq!(first.national.alert.unwrap().levels, []);
        let kept = store.contents().meta.unwrap().levels.unwrap();
        assert_eq!(
            kept,
            BTreeMap::from([("NY".into(), Level::Substantial), ("US".into(), Level::Low)])
        );
        // Eight more days of 20 new cases: 140 over 7 days, high.
        let mut grown = series(30, 0);
        for _ in 0..8 {
            let last = grown[grown.len() - 1];
            grown.push(Day {
                date: last.date + chrono::Days::new(1),
                cases: last.cases + 20,
                ..last
            });
        }
        let second = write(BTreeMap::from([(ny, grown.clone())])).await;
        let changes = second.national.alert.unwrap().levels;
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].region.as_str(), changes[0].from, changes[0].to),
            ("NY", Level::Substantial, Level::High)
        );
        assert_eq!(changes[0].date, grown[37].date);
        assert_eq!(changes[0].cases_per_100k_7d, 140.0);
        // A revision of an old week (500 more new cases on March 6, so every later total is
        // 500 higher) is announced, and moves that week to another band; the newest day's level
        // stays: nothing more to tell.
        let mut revised = grown.clone();
        for day in &mut revised[5..] {
            day.cases += 500;
        }
        let third = write(BTreeMap::from([(ny, revised)])).await;
        let alert = third.national.alert.expect("the revision is announced");
        assert_eq!(alert.levels, [], "the past is not told again");
    }
}
