//! What the API's cache holds for a state's counties, measured by counting the heap (this test
//! binary's global allocator), at the full county history's size: Texas, the state with the
//! most counties (254 and NYT's "Unknown"), on every day from 2020-01-21 to 2023-03-23
//! (SYNTHETIC values, seeded, with a revision on about one day in fifty: for size only). The
//! cache holds at most `COUNTY_STATES_HELD` states' counties per data version, and the version
//! before it while it is replaced, so this bounds the counties' share of the function's memory
//! (`MemorySize` in `template.yaml`).
//!
//! One test in its own binary: the allocator's counts are the process's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use api::cache::COUNTY_STATES_HELD;
use api::state_counties::StateCounties;
use covid_model::{CountyCounts, CountyId, Region};
use covid_store::StoredCountyDay;

/// The system allocator, counting the bytes held and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(held, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

const MB: f64 = 1_000_000.0;

/// The function's memory, from the template (`ApiFunction`'s `MemorySize`, MB).
fn api_memory_mb() -> f64 {
    testkit::template::Template::load()
        .property("ApiFunction", "MemorySize", &[])
        .and_then(|v| v.as_f64())
        .expect("the API function's MemorySize")
}

/// Texas's county days as the store reads them: SYNTHETIC, seeded.
fn synthetic_texas() -> Vec<StoredCountyDay> {
    let first: chrono::NaiveDate = "2020-01-21".parse().unwrap();
    let last: chrono::NaiveDate = "2023-03-23".parse().unwrap();
    let ids: Vec<String> = (1..=507)
        .step_by(2)
        .map(|n| format!("48{n:03}"))
        .chain(["48UNK".to_string()])
        .collect();
    assert_eq!(ids.len(), 255);
    let mut seed: u64 = 0x0005_eed7_e8a5;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut totals = vec![(0u64, 0u64); ids.len()];
    let mut days = Vec::new();
    let mut date = first;
    while date <= last {
        let counties: BTreeMap<String, CountyCounts> = ids
            .iter()
            .zip(totals.iter_mut())
            .map(|(id, (cases, deaths))| {
                *cases += next() % 400;
                *deaths += next() % 6;
                let counts = CountyCounts {
                    cases: *cases,
                    deaths: Some(*deaths),
                };
                (id.clone(), counts)
            })
            .collect();
        let vintage = date + chrono::Days::new(1);
        let mut day = StoredCountyDay::first(date, counties, vintage);
        if next() % 50 == 0 {
            // A later run revises a few of its counties.
            let mut revised = day.counties.clone();
            for counts in revised.values_mut().take(12) {
                counts.cases += 3;
            }
            day = day.revised(revised, vintage + chrono::Days::new(2));
        }
        days.push(day);
        date = date.succ_opt().unwrap();
    }
    days
}

#[test]
fn a_states_whole_county_history_held_stays_a_small_share_of_the_functions_memory() {
    let texas = Region::by_id("TX").unwrap();
    let days = synthetic_texas();
    let values: usize = days.iter().map(|d| d.counties.len()).sum();
    assert_eq!(values, 255 * 1_158);

    // As read: the store's decoded items, then packed.
    let before_pack = HELD.load(Ordering::SeqCst);
    PEAK.store(before_pack, Ordering::SeqCst);
    let held = StateCounties::new(texas, &days, None);
    let packing_peak = PEAK.load(Ordering::SeqCst) - before_pack;
    let packed = HELD.load(Ordering::SeqCst) - before_pack;
    drop(days);

    // A county's series, made when it is asked.
    let before_series = HELD.load(Ordering::SeqCst);
    let series = held.series(CountyId::parse("48001").unwrap()).unwrap();
    let one_series = HELD.load(Ordering::SeqCst) - before_series;
    assert_eq!(series.days.len(), 1_158);
    assert!(series.revisions.iter().any(|r| *r > 0), "revised days");

    let budget = api_memory_mb();
    // Held: this version's states and the previous version's, at Texas's size each.
    let worst = 2.0 * COUNTY_STATES_HELD as f64 * packed as f64 / MB;
    println!(
        "Texas's counties, whole history (SYNTHETIC): {values} county days; packed and held \
         {:.1} MB ({:.1} B a county day); packing peak {:.1} MB over the read items; one \
         county's series {:.2} MB; worst held {worst:.1} MB ({} states, two versions) of the \
         function's {budget} MB",
        packed as f64 / MB,
        packed as f64 / values as f64,
        packing_peak as f64 / MB,
        one_series as f64 / MB,
        COUNTY_STATES_HELD,
    );
    assert!(
        worst + packing_peak as f64 / MB <= budget / 2.0,
        "the counties may take at most half the function's memory"
    );
    assert!(packed as f64 / values as f64 <= 64.0, "packed: {packed} B");
}
