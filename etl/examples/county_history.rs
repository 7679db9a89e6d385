//! A SYNTHETIC whole county history, for the benches' speed and size only (never a correctness
//! claim): every county NYT's real window of 2021-07-08 names (`WINDOW`, 3,250 geographies) on
//! every day from 2020-01-21 to 2023-03-23, as the store keeps it (every county of a state on
//! one day, one item), put with plain `BatchWriteItem` requests of 25.
//!
//! The values are seeded (the same set every run): each county's cumulative counts grow by a
//! random daily amount around its real average up to 2021-07-08; deaths stay unreported where
//! NYT's window has none; each day is first written by the next day's vintage, and one day in
//! fifty is revised two days later in twelve of its counties.
//!
//! `county_history --csv FOLDER WINDOW` writes instead the same kind of history (its own seeded
//! values, without revisions) as NYT's yearly files, `FOLDER/us-counties-2020.csv` …
//! `us-counties-2023.csv`, in date order as NYT's: the input of
//! `etl archive` (`scripts/bench-county-archive.sh`).
//!
//! `county_history WINDOW [IN_FLIGHT [NEXT_DAY]]`, with `TABLE_NAME` and the AWS environment of
//! `etl`. With `NEXT_DAY`, it also writes there a county file of the day after the history
//! (2023-03-24, every county a little higher): a daily run on top of a whole history.
//! Prints `{"items","county_days","revised_items","requests","ms","wru","bytes","largest"}`:
//! `wru` is one per KB begun of each item (`covid_store::item_size`), what these puts cost (the
//! floor of loading this history; the ETL's conditional transactions cost twice that).

#[path = "common/batch_put.rs"]
mod batch_put;

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use chrono::NaiveDate;
use covid_model::{CountyCounts, Region};
use covid_store::{StoredCountyDay, county_day_item, item_size};

const FIRST: &str = "2020-01-21";
const LAST: &str = "2023-03-23";

/// A seeded generator (PCG's multiplier): the same numbers on every machine.
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// One county: its id, NYT's names, and its real average daily growth to 2021-07-08 (deaths
/// `None`: never reported in the window).
struct County {
    id: String,
    row: String,
    cases_a_day: u64,
    deaths_a_day: Option<u64>,
}

/// Every county of the real window, by state, with its average daily growth.
fn counties(window: &std::path::Path) -> BTreeMap<Region, Vec<County>> {
    let series = etl::transform::parse_nyt_counties(&testkit::file_bytes(window)).unwrap();
    let first: NaiveDate = FIRST.parse().unwrap();
    let real_days = ("2021-07-08".parse::<NaiveDate>().unwrap() - first).num_days() as u64;
    let mut states: BTreeMap<Region, Vec<County>> = BTreeMap::new();
    for (id, (county, days)) in &series {
        let newest = days.last().expect("a county has days");
        let fips = county.fips.as_deref().unwrap_or_default();
        states.entry(county.state).or_default().push(County {
            id: id.clone(),
            row: format!("{},{},{fips}", county.name, county.state.name),
            cases_a_day: newest.cases / real_days,
            deaths_a_day: newest.deaths.map(|d| d / real_days),
        });
    }
    states
}

/// The history as NYT's yearly files in `folder`, written as it is made.
fn write_csv(folder: &std::path::Path, window: &std::path::Path) {
    use std::io::Write as _;
    std::fs::create_dir_all(folder).expect("make the folder");
    let counties: Vec<County> = counties(window).into_values().flatten().collect();
    let mut totals = vec![(0u64, 0u64); counties.len()];
    let mut seeded = Seeded(0x05ee_dc00_e7e5);
    let (mut date, last): (NaiveDate, NaiveDate) = (FIRST.parse().unwrap(), LAST.parse().unwrap());
    let (mut file, mut year, mut rows) = (None, 0, 0u64);
    while date <= last {
        use chrono::Datelike;
        if date.year() != year {
            year = date.year();
            let path = folder.join(format!("us-counties-{year}.csv"));
            let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
            out.write_all(b"date,county,state,fips,cases,deaths\n")
                .unwrap();
            file = Some(out);
        }
        let out = file.as_mut().expect("a file");
        for (county, (cases, deaths)) in counties.iter().zip(totals.iter_mut()) {
            *cases += seeded.below(2 * county.cases_a_day + 1);
            let deaths = county.deaths_a_day.map(|a| {
                *deaths += seeded.below(2 * a + 1);
                deaths.to_string()
            });
            let deaths = deaths.unwrap_or_default();
            writeln!(out, "{date},{},{cases},{deaths}", county.row).unwrap();
            rows += 1;
        }
        date = date.succ_opt().unwrap();
    }
    drop(file);
    println!(
        "{}",
        serde_json::json!({"rows": rows, "counties": counties.len()})
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "county_history WINDOW [IN_FLIGHT [NEXT_DAY]] | county_history --csv FOLDER WINDOW";
    if args.get(1).is_some_and(|a| a == "--csv") {
        let folder = std::path::Path::new(args.get(2).expect(usage));
        return write_csv(folder, std::path::Path::new(args.get(3).expect(usage)));
    }
    let window = std::path::Path::new(args.get(1).expect(usage));
    let in_flight: usize = args.get(2).map_or(16, |v| v.parse().unwrap());
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME");
    let (first, last): (NaiveDate, NaiveDate) = (FIRST.parse().unwrap(), LAST.parse().unwrap());
    let states = counties(window);
    let mut seeded = Seeded(0x05ee_dc00_e7e5);
    let (mut items, mut county_days, mut revised_items, mut wru, mut bytes, mut largest) =
        (0, 0, 0, 0, 0, 0);
    let (mut requests, mut took) = (0, std::time::Duration::ZERO);
    let mut next_day = String::from("date,county,state,fips,cases,deaths\n");
    // A state at a time: the largest (Texas) is about 30 MB as items.
    for (state, counties) in &states {
        let mut totals = vec![(0u64, 0u64); counties.len()];
        let mut writes = Vec::new();
        let mut date = first;
        while date <= last {
            let values: BTreeMap<String, CountyCounts> = counties
                .iter()
                .zip(totals.iter_mut())
                .map(|(county, (cases, deaths))| {
                    *cases += seeded.below(2 * county.cases_a_day + 1);
                    let deaths = county.deaths_a_day.map(|a| {
                        *deaths += seeded.below(2 * a + 1);
                        *deaths
                    });
                    let counts = CountyCounts {
                        cases: *cases,
                        deaths,
                    };
                    (county.id.clone(), counts)
                })
                .collect();
            county_days += values.len();
            let vintage = date + chrono::Days::new(1);
            let mut day = StoredCountyDay::first(date, values, vintage);
            if seeded.below(50) == 0 {
                let mut revised = day.counties.clone();
                for counts in revised.values_mut().take(12) {
                    counts.cases += 1 + seeded.below(3);
                }
                day = day.revised(revised, vintage + chrono::Days::new(2));
                revised_items += 1;
            }
            let item = county_day_item(*state, &day);
            let size = item_size(&item);
            (bytes, wru, largest) = (bytes + size, wru + size.div_ceil(1024), largest.max(size));
            let put = PutRequest::builder().set_item(Some(item)).build().unwrap();
            writes.push(WriteRequest::builder().put_request(put).build());
            date = date.succ_opt().unwrap();
        }
        for (county, (cases, deaths)) in counties.iter().zip(&totals) {
            let deaths = county.deaths_a_day.map(|_| deaths.to_string());
            let (cases, deaths) = (cases + 1, deaths.unwrap_or_default());
            next_day.push_str(&format!(
                "{},{},{cases},{deaths}\n",
                next_day_date(last),
                county.row
            ));
        }
        items += writes.len();
        let (sent, time) = batch_put::put_all(&table, &writes, in_flight).await;
        (requests, took) = (requests + sent, took + time);
    }
    if let Some(path) = args.get(3) {
        std::fs::write(path, next_day).expect("write the next day's county file");
    }
    println!(
        "{}",
        serde_json::json!({
            "items": items,
            "county_days": county_days,
            "revised_items": revised_items,
            "requests": requests,
            "ms": took.as_millis() as u64,
            "wru": wru,
            "bytes": bytes,
            "largest": largest,
            "in_flight": in_flight,
        })
    );
}

/// The day after `last`.
fn next_day_date(last: NaiveDate) -> NaiveDate {
    last.succ_opt().expect("a date far from the calendar's end")
}
