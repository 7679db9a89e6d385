//! The ETL's memory in the worst case the fetch allows, against the function's `MemorySize` in
//! `template.yaml`: all five sources at once over HTTP: a county file at its own cap
//! (`config::MAX_COUNTY_BODY_BYTES`; synthetic: NYT's real 30-day window repeated on earlier
//! dates, every row a county day to write), and NYT and JHU padded with rows that pass
//! validation but fall outside the join (NYT: days after the join's last; JHU: other
//! countries), so that together they fill the run's budget (`fetch::MAX_RUN_BYTES`); the
//! `etl` binary's peak RSS is read from the kernel (`getrusage` of the waited child). One
//! byte more than the budget is refused cleanly: the run fails, nothing is written.
//!
//! One test process, one test: `getrusage(RUSAGE_CHILDREN)` reports the largest child waited
//! for, so no other test's children may be measured with it.

mod common;

use common::*;
use testkit::{HttpStub, Reply};

const MIB: usize = 1024 * 1024;

/// The NYT snapshot with days after its last (2021-07-08), to `size` bytes.
fn padded_nyt(size: usize) -> Vec<u8> {
    let mut text = std::fs::read_to_string(nyt_snapshot()).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut day: chrono::NaiveDate = "2021-07-09".parse().unwrap();
    while text.len() < size {
        let ordinal = chrono::Datelike::num_days_from_ce(&day) as u64;
        text.push_str(&format!(
            "{day},{},{}\n",
            9_000_000_000 + ordinal,
            8_000_000_000 + ordinal
        ));
        day = day.succ_opt().unwrap();
    }
    text.into_bytes()
}

/// The JHU snapshot with rows of other countries, to `size` bytes.
fn padded_jhu(size: usize) -> Vec<u8> {
    let mut text = jhu_text();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut i = 0u64;
    while text.len() < size {
        text.push_str(&format!(
            "2020-06-01,Padland {i},Province {i},{i},{},{}\n",
            i / 2,
            i / 3
        ));
        i += 1;
    }
    text.into_bytes()
}

/// NYT's real county window, its rows repeated 30 days earlier and again, to at most `size`
/// bytes (synthetic values on real counties: for size only).
fn padded_counties(size: usize) -> Vec<u8> {
    let bytes = testkit::file_bytes(&testkit::snapshot("nyt-us-counties-recent.csv.gz"));
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut out = format!("{header}\n");
    for shift in 0.. {
        for row in &rows {
            let date: chrono::NaiveDate = row[..10].parse().unwrap();
            let line = format!("{}{}\n", date - chrono::Days::new(30 * shift), &row[10..]);
            if out.len() + line.len() > size {
                return out.into_bytes();
            }
            out.push_str(&line);
        }
    }
    unreachable!()
}

/// A CSV answer, as raw.githubusercontent.com gives it.
fn csv(body: Vec<u8>) -> HttpStub {
    HttpStub::start(vec![
        Reply::ok(body).header("Content-Type", "text/plain; charset=utf-8"),
    ])
}

/// Peak RSS of the largest child this process has waited for, in bytes.
fn peak_rss_of_children() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given.
    let usage = unsafe {
        assert_eq!(
            libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()),
            0
        );
        usage.assume_init()
    };
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn five_sources_at_the_run_budget_fit_the_function_and_one_byte_more_is_refused() {
    let memory_mb = testkit::template::Template::load()
        .property("EtlFunction", "MemorySize", &[])
        .and_then(|v| v.as_u64())
        .expect("the ETL function's MemorySize");
    let states = std::fs::read(testkit::snapshot("nyt-us-states.csv")).unwrap();
    let population = std::fs::read(testkit::snapshot("jhu-reference.csv")).unwrap();
    let budget = etl::fetch::MAX_RUN_BYTES as usize;
    let county_cap = etl::config::MAX_COUNTY_BODY_BYTES as usize;
    let counties = padded_counties(county_cap);
    assert!(counties.len() > county_cap - MIB);
    // NYT and JHU share what the others leave of the budget.
    let each = (budget - states.len() - population.len() - counties.len()) / 2;
    let (nyt, jhu) = (padded_nyt(each - MIB / 2), padded_jhu(each - MIB / 2));
    assert!(nyt.len() + jhu.len() + states.len() + population.len() + counties.len() <= budget);
    assert!(nyt.len() > 50 * MIB && jhu.len() > 50 * MIB);

    let etl = Etl::new("memory");
    etl.init();
    let servers = [
        csv(nyt),
        csv(jhu),
        csv(states.clone()),
        csv(population.clone()),
        csv(counties.clone()),
    ];
    let mut cmd = etl.command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "run");
    cmd.env("NYT_URL", servers[0].url("/us.csv"))
        .env("JHU_URL", servers[1].url("/combined.csv"))
        .env("NYT_STATES_URL", servers[2].url("/us-states.csv"))
        .env("POPULATION_URL", servers[3].url("/reference.csv"))
        .env("NYT_COUNTIES_URL", servers[4].url("/us-counties.csv"))
        .env("RUST_LOG", "warn");
    let summary = RunResult {
        output: cmd.output().expect("start etl"),
    }
    .ok();
    assert_eq!(summary["inserted"], DAYS as u64, "{summary}");
    assert!(
        summary["states"]["inserted"].as_u64().unwrap() > 27_000,
        "{summary}"
    );
    let county_days = summary["counties"]["new"].as_u64().unwrap();
    assert!(county_days > 350_000, "{summary}");
    let peak = peak_rss_of_children();
    let limit = memory_mb * 1024 * 1024;
    println!(
        "peak RSS {:.1} MiB of the function's {memory_mb} MB, sources {:.1} MiB in all, \
         {county_days} county days",
        peak as f64 / MIB as f64,
        budget as f64 / MIB as f64
    );
    assert!(
        peak < limit * 3 / 4,
        "peak RSS {peak} B is over three quarters of the function's {memory_mb} MB"
    );

    // A little more than the budget (each source still under its own cap): refused while
    // fetching; nothing written.
    assert!(each + MIB / 2 < etl::config::MAX_BODY_BYTES as usize);
    let etl = Etl::new("memory-over");
    etl.init();
    let over = [
        csv(padded_nyt(each + MIB / 2)),
        csv(padded_jhu(each + MIB / 2)),
        csv(states),
        csv(population),
        csv(counties.clone()),
    ];
    let mut cmd = etl.command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "run");
    cmd.env("NYT_URL", over[0].url("/us.csv"))
        .env("JHU_URL", over[1].url("/combined.csv"))
        .env("NYT_STATES_URL", over[2].url("/us-states.csv"))
        .env("POPULATION_URL", over[3].url("/reference.csv"))
        .env("NYT_COUNTIES_URL", over[4].url("/us-counties.csv"));
    let stderr = RunResult {
        output: cmd.output().expect("start etl"),
    }
    .failed();
    assert!(
        stderr.contains("the sources together are larger than the 128 MiB a run holds"),
        "{stderr}"
    );
    let items = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(etl.items());
    assert!(items.is_empty(), "nothing written: {} items", items.len());

    // A county file a byte over its own cap: refused while fetching; nothing written.
    let etl = Etl::new("memory-county-over");
    etl.init();
    let mut over = counties;
    over.resize(county_cap + 1, b'\n');
    let server = csv(over);
    let mut cmd = etl.command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "run");
    cmd.env("NYT_COUNTIES_URL", server.url("/us-counties.csv"));
    let stderr = RunResult {
        output: cmd.output().expect("start etl"),
    }
    .failed();
    assert!(
        stderr.contains("NYT us-counties.csv") && stderr.contains("larger than the 16 MiB cap"),
        "{stderr}"
    );
    let items = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(etl.items());
    assert!(items.is_empty(), "nothing written: {} items", items.len());
}
