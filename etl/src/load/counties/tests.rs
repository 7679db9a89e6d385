//! The county load on the in-memory store: first load, nothing new, revisions, withdrawn days,
//! refused files, outages and another run writing first.

use covid_store::{CountyDays, MemoryStore, ReadState};

use super::*;
use crate::transform::parse_nyt_counties;

const HEADER: &str = "date,county,state,fips,cases,deaths\n";

fn file(rows: &[&str]) -> CountySeries {
    parse_nyt_counties(format!("{HEADER}{}\n", rows.join("\n")).as_bytes()).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Three counties of two states over two days, deaths not reported in Puerto Rico.
fn first_window() -> CountySeries {
    file(&[
        "2021-07-01,Kings,New York,36047,100,10",
        "2021-07-01,Unknown,New York,,5,0",
        "2021-07-01,Adjuntas,Puerto Rico,72001,30,",
        "2021-07-02,Kings,New York,36047,110,10",
        "2021-07-02,Unknown,New York,,5,0",
        "2021-07-02,Adjuntas,Puerto Rico,72001,31,",
    ])
}

/// The next day's window: Kings revised on 07-02, a new day, and Adjuntas's deaths reported.
fn second_window() -> CountySeries {
    file(&[
        "2021-07-01,Kings,New York,36047,100,10",
        "2021-07-01,Unknown,New York,,5,0",
        "2021-07-01,Adjuntas,Puerto Rico,72001,30,",
        "2021-07-02,Kings,New York,36047,112,10",
        "2021-07-02,Unknown,New York,,5,0",
        "2021-07-02,Adjuntas,Puerto Rico,72001,31,",
        "2021-07-03,Kings,New York,36047,120,11",
        "2021-07-03,Unknown,New York,,5,0",
        "2021-07-03,Adjuntas,Puerto Rico,72001,33,1",
    ])
}

async fn load(store: &MemoryStore, series: &CountySeries) -> Result<CountiesRun, Error> {
    let state = store.read_state().await?;
    let planned = plan(
        store,
        series,
        &BTreeMap::new(),
        state.county_window.as_ref(),
    )
    .await?;
    apply(store, planned, &Progress::default()).await
}

/// Every county's value on every day, as the table holds it now, or as of `vintage`.
async fn table(store: &MemoryStore, vintage: Option<NaiveDate>) -> Vec<(NaiveDate, CountyValues)> {
    let mut out = Vec::new();
    for state in STATES {
        for day in store.read_county_days(state, None, None).await.unwrap() {
            let values = match vintage {
                None => Some(day.counties.clone()),
                Some(v) => day.as_of(v),
            };
            if let Some(values) = values.filter(|v| !v.is_empty()) {
                out.push((day.date, values));
            }
        }
    }
    out.sort_by_key(|(date, values)| (*date, values.keys().next().cloned()));
    out
}

/// The file as the table should hold it.
fn expected(series: &CountySeries) -> Vec<(NaiveDate, CountyValues)> {
    let mut out: Vec<_> = transform::by_state_day(series)
        .into_values()
        .flat_map(|days| days.into_iter())
        .collect();
    out.sort_by_key(|(date, values)| (*date, values.keys().next().cloned()));
    out
}

#[tokio::test]
async fn a_window_is_loaded_once_then_read_no_more() {
    let store = MemoryStore::new();
    let loaded = load(&store, &first_window()).await.unwrap();
    assert_eq!(
        (loaded.rows, loaded.new, loaded.revised, loaded.items),
        (6, 6, 0, 4),
        "two states, two days"
    );
    assert_eq!(table(&store, None).await, expected(&first_window()));
    let pr = Region::by_id("PR").unwrap();
    let adjuntas = &store.read_county_days(pr, None, None).await.unwrap()[0].counties["72001"];
    assert_eq!(adjuntas.deaths, None, "not reported, never 0");

    // Each state's listing, from its days as stored, with NYT's names.
    assert_eq!(loaded.listings, 2);
    let ny = Region::by_id("NY").unwrap();
    let listing = store.read_county_listing(ny).await.unwrap().unwrap();
    assert_eq!(listing.vintage, date("2021-07-02"));
    let entries: Vec<(&str, &str, usize)> = listing
        .counties
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.count))
        .collect();
    assert_eq!(entries, [("36047", "Kings", 2), ("36UNK", "Unknown", 2)]);
    assert_eq!(listing.counties[0].latest.unwrap().cases, 110);

    let reads = store.calls("read_county_days");
    let again = load(&store, &first_window()).await.unwrap();
    assert!(again.skipped);
    assert_eq!((again.new, again.items, again.listings), (0, 0, 0));
    assert_eq!(
        store.calls("read_county_days"),
        reads,
        "the fingerprint matched"
    );
}

#[tokio::test]
async fn a_revision_is_kept_with_what_it_replaced() {
    let store = MemoryStore::new();
    load(&store, &first_window()).await.unwrap();
    let loaded = load(&store, &second_window()).await.unwrap();
    // Kings on 07-02 revised, Adjuntas's deaths on 07-03 new with the day.
    assert_eq!((loaded.new, loaded.revised, loaded.items), (3, 1, 3));
    assert_eq!(table(&store, None).await, expected(&second_window()));
    assert_eq!(
        table(&store, Some(date("2021-07-02"))).await,
        expected(&first_window()),
        "as of the first file's vintage"
    );
    // The same file again changes nothing, and a file of an earlier day is refused.
    assert!(load(&store, &second_window()).await.unwrap().skipped);
    let error = load(&store, &first_window()).await.unwrap_err().to_string();
    assert!(
        error.contains("ends at 2021-07-02") && error.contains("NYT us-counties.csv"),
        "{error}"
    );
}

#[tokio::test]
async fn a_withdrawn_day_is_recorded_and_a_truncated_file_refused() {
    let store = MemoryStore::new();
    load(&store, &first_window()).await.unwrap();
    // NYT drops New York's Unknown on 07-01: withdrawn, kept in the history.
    let mut window = second_window();
    window.get_mut("36UNK").unwrap().1.remove(0);
    let loaded = load(&store, &window).await.unwrap();
    assert_eq!(loaded.withdrawn, 1);
    let ny = Region::by_id("NY").unwrap();
    let day = store
        .read_county_days(ny, Some(date("2021-07-01")), Some(date("2021-07-01")))
        .await
        .unwrap()
        .remove(0);
    assert!(!day.counties.contains_key("36UNK"));
    assert_eq!(
        day.as_of(date("2021-07-02")).unwrap()["36UNK"].cases,
        5,
        "kept as it stood"
    );

    // A file without Puerto Rico leaves out more than a few days: refused, nothing written.
    let store = MemoryStore::new();
    let many: Vec<String> = (1..=12)
        .flat_map(|d| {
            [
                format!("2021-06-{d:02},Kings,New York,36047,{d},0"),
                format!("2021-06-{d:02},Adjuntas,Puerto Rico,72001,{d},"),
            ]
        })
        .collect();
    let rows = |r: &[String]| file(&r.iter().map(String::as_str).collect::<Vec<_>>());
    load(&store, &rows(&many)).await.unwrap();
    let before = store.contents();
    let without_pr: Vec<String> = many
        .iter()
        .filter(|r| !r.contains("Puerto"))
        .cloned()
        .chain(["2021-06-13,Kings,New York,36047,13,0".to_string()])
        .collect();
    let error = load(&store, &rows(&without_pr))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("leaves out 12 county days") && error.contains("72001"),
        "{error}"
    );
    assert!(
        error.contains("(date 2021-06-01)"),
        "the first named: {error}"
    );
    assert_eq!(store.contents(), before, "nothing written");
}

#[tokio::test]
async fn an_outage_part_way_then_a_run_converges() {
    let clean = MemoryStore::new();
    load(&clean, &first_window()).await.unwrap();
    load(&clean, &second_window()).await.unwrap();

    let store = MemoryStore::new();
    load(&store, &first_window()).await.unwrap();
    // One state's days are written, then DynamoDB fails.
    store.fail_after_writes(1);
    assert!(load(&store, &second_window()).await.is_err());
    assert!(store.contents().county_window.unwrap().last_date < date("2021-07-03"));
    store.heal();
    let loaded = load(&store, &second_window()).await.unwrap();
    assert!(loaded.items < 3, "what was written is not written again");
    assert_eq!(table(&store, None).await, table(&clean, None).await);
    assert_eq!(
        table(&store, Some(date("2021-07-02"))).await,
        expected(&first_window())
    );
}

#[tokio::test]
async fn another_run_writing_first_is_neither_overwritten_nor_counted_twice() {
    let store = MemoryStore::new();
    load(&store, &first_window()).await.unwrap();
    // Another run of the same file gets to every state's days between this run's read and
    // its write.
    let other = store.clone();
    let series = second_window();
    let state = store.read_state().await.unwrap();
    let planned = plan(
        &store,
        &series,
        &BTreeMap::new(),
        state.county_window.as_ref(),
    )
    .await
    .unwrap();
    load(&other, &series).await.unwrap();
    let loaded = apply(&store, planned, &Progress::default()).await.unwrap();
    assert_eq!(
        (loaded.new, loaded.revised, loaded.items),
        (0, 0, 0),
        "the other run wrote it all"
    );
    assert_eq!(table(&store, None).await, expected(&series));
    let ny = Region::by_id("NY").unwrap();
    let revised = store
        .read_county_days(ny, Some(date("2021-07-02")), Some(date("2021-07-02")))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(revised.rev, 2, "one revision, not two");
}

/// Ten days from `end - 9` to `end` of Kings, New York's Unknown and Adjuntas, their counts
/// growing by day; `edit` may change or drop a row (county id, date).
fn window(end: &str, edit: impl Fn(&str, NaiveDate, u64) -> Option<u64>) -> CountySeries {
    let end = date(end);
    let mut rows = Vec::new();
    for back in (0..10).rev() {
        let day = end - chrono::Days::new(back);
        let n = (day - date("2021-07-01")).num_days() as u64;
        for (id, row) in [
            ("36047", "Kings,New York,36047"),
            ("36UNK", "Unknown,New York,"),
            ("72001", "Adjuntas,Puerto Rico,72001"),
            ("36081", "Queens,New York,36081"),
        ] {
            let default = if id == "36081" {
                None
            } else {
                Some(100 + 10 * n)
            };
            if let Some(cases) = edit(id, day, default.unwrap_or(0)).or(default)
                && cases > 0
            {
                rows.push(format!("{day},{row},{cases},1"));
            }
        }
    }
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    file(&rows)
}

/// A listing kept from the one the plan read and the run's own writes is the listing the
/// state's whole partition makes, run after run: a window sliding, a revision, a day withdrawn
/// inside it, a county new to it; and a county whose last day is withdrawn is made again from
/// the whole partition.
#[tokio::test]
async fn listings_kept_from_a_runs_own_writes_are_the_whole_partitions() {
    let store = MemoryStore::new();
    let keep = |_: &str, _: NaiveDate, _: u64| None;
    let windows: Vec<(CountySeries, u64)> = vec![
        (window("2021-07-10", keep), 2),
        // Kings revised on 07-05.
        (
            window("2021-07-11", |id, d, c| {
                (id == "36047" && d == date("2021-07-05")).then_some(c + 2)
            }),
            0,
        ),
        // New York's Unknown withdrawn on 07-07, inside the window.
        (
            window("2021-07-12", |id, d, _| {
                (id == "36UNK" && d == date("2021-07-07")).then_some(0)
            }),
            0,
        ),
        // Queens, new, on the last day alone.
        (
            window("2021-07-13", |id, d, _| {
                (id == "36081" && d == date("2021-07-13")).then_some(7)
            }),
            0,
        ),
        // Adjuntas left out of the window: its days withdrawn, its last one among them (Queens
        // goes on).
        (
            window("2021-07-14", |id, d, _| match id {
                "72001" => Some(0),
                "36081" => (d >= date("2021-07-13")).then_some(7),
                _ => None,
            }),
            1,
        ),
    ];
    for (i, (series, rebuilds)) in windows.iter().enumerate() {
        let before = store.calls("read_county_series");
        load(&store, series).await.unwrap();
        assert_eq!(
            store.calls("read_county_series") - before,
            *rebuilds,
            "window {i}: whole partitions read"
        );
        let names: BTreeMap<String, String> = series
            .iter()
            .map(|(id, (county, _))| (id.clone(), county.name.clone()))
            .collect();
        let names = county_listing::Names {
            names: &names,
            populations: &BTreeMap::new(),
        };
        for state in ["NY", "PR"].map(|id| Region::by_id(id).unwrap()) {
            let stored = store.read_county_listing(state).await.unwrap().unwrap();
            let (days, _) = store.read_county_series(state).await.unwrap();
            let whole = county_listing::entries(state, days, &names);
            assert_eq!(stored.counties, whole, "window {i}: {}", state.id);
            assert_eq!(
                stored.rev,
                store.read_county_counter(state).await.unwrap(),
                "window {i}: {} is current",
                state.id
            );
        }
    }
}

/// Another run's transaction lands after this run's county days and before its listings: the
/// listing this run kept from its own writes is refused (the state's counter moved on), and
/// made again from the whole partition, the other run's day in it.
#[tokio::test]
async fn a_listing_kept_while_another_run_wrote_is_made_again_from_the_partition() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let store = MemoryStore::new();
    load(&store, &first_window()).await.unwrap();
    let ny = Region::by_id("NY").unwrap();
    let writes = AtomicUsize::new(0);
    store.before_each_write(move |contents| {
        // The third write: the first listing, after both states' days.
        if writes.fetch_add(1, Ordering::SeqCst) == 2 {
            let queens = CountyValues::from([(
                "36081".to_string(),
                covid_model::CountyCounts {
                    cases: 7,
                    deaths: Some(0),
                },
            )]);
            let day = date("2021-06-30");
            contents
                .counties
                .insert((ny, day), StoredCountyDay::first(day, queens, day));
            *contents.county_counters.entry(ny).or_default() += 1;
        }
    });
    load(&store, &second_window()).await.unwrap();
    let stored = store.read_county_listing(ny).await.unwrap().unwrap();
    let names = BTreeMap::from([
        ("36047".to_string(), "Kings".to_string()),
        ("36UNK".to_string(), "Unknown".to_string()),
    ]);
    let names = county_listing::Names {
        names: &names,
        populations: &BTreeMap::new(),
    };
    let (days, _) = store.read_county_series(ny).await.unwrap();
    assert_eq!(stored.counties, county_listing::entries(ny, days, &names));
    assert!(
        stored.counties.iter().any(|c| c.id == "36081"),
        "the other run's day"
    );
    assert_eq!(stored.rev, store.read_county_counter(ny).await.unwrap());
}
