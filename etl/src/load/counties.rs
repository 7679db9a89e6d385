//! The county series through the store (issue 36): NYT's county file (a 30-day window, or a
//! whole history) brought into each state's county days by conditional writes.
//!
//! A load is planned, then applied, so that a run can check every source before it writes:
//!
//! 1. [`plan`]: when the file's fingerprint is the stored window's, nothing is read. Otherwise
//!    a file that ends before the stored one is refused; each state's county days from the
//!    file's first date on are read, with its listing and write counter (one `Query` a state, every
//!    state, so a state missing from the file is seen); each day is compared with the file. A
//!    file that leaves out more than [`MAX_WITHDRAWN`](transform::MAX_WITHDRAWN) stored county
//!    days is refused. Nothing is written.
//! 2. [`apply`]: each state's writes, up to [`MAX_COUNTY_WRITES_PER_BATCH`] in a transaction
//!    with their change record (for the `updated` alert), change batch and write counter's
//!    increment, each conditioned on the revision it read. A transaction refused (another run
//!    wrote first) re-reads that state and plans it again; the same file then has nothing left
//!    to write. Once every state is written, the window is recorded, so a run that fails
//!    part-way leaves the next run to finish: repeated, duplicated or concurrent runs converge
//!    and never double-count.
//! 3. Before the window is recorded, each state's county listing ([`county_listing`]): kept
//!    from the listing the plan read and the run's own writes when that listing was current,
//!    made from the state's whole partition otherwise.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use covid_model::{CountiesRun, CountyCounts, Region, STATES, fingerprint_text};
use covid_store::{
    CountyDayWrite, CountyDays, CountyPlanRead, CountyValues, CountyWindow,
    MAX_COUNTY_WRITES_PER_BATCH, StoredCountyDay,
};

use crate::error::Error;
use crate::load::{Progress, county_listing, settle};
use crate::transform::{self, CountySeries};

/// State partitions read, or written, at once.
pub const STATES_IN_FLIGHT: usize = 8;
/// Times a state is planned again after another run wrote one of its days first.
const ATTEMPTS: usize = 3;

/// A county file regrouped by state and day, with its window record.
pub struct Planned {
    window: CountyWindow,
    /// Per state, its writes; empty when nothing was to be written.
    states: BTreeMap<Region, Vec<CountyDayWrite>>,
    /// Per state, what the plan read: its days from the file's first on, listing and counter.
    reads: BTreeMap<Region, CountyPlanRead>,
    wanted: BTreeMap<Region, BTreeMap<NaiveDate, CountyValues>>,
    /// Each county's name (NYT's) and population, by id: the listings'.
    names: BTreeMap<String, String>,
    populations: BTreeMap<String, u64>,
    pub loaded: CountiesRun,
}

/// One fingerprint of a county file as the table keeps it, and of the populations and names
/// its listings show.
pub fn window_fingerprint(
    days: &BTreeMap<Region, BTreeMap<NaiveDate, CountyValues>>,
    names: &BTreeMap<String, String>,
    populations: &BTreeMap<String, u64>,
) -> String {
    let mut text = String::with_capacity(4 * 1024 * 1024);
    for (id, name) in names {
        let people = populations.get(id).map(u64::to_string).unwrap_or_default();
        text.push_str(&format!("{id}:{name}:{people}\n"));
    }
    for (state, days) in days {
        for (date, counties) in days {
            text.push_str(&format!("{}:{date}", state.id));
            for (id, CountyCounts { cases, deaths }) in counties {
                text.push_str(&format!(" {id}:{cases}:{deaths:?}"));
            }
            text.push('\n');
        }
    }
    fingerprint_text(&text)
}

/// The writes that bring `stored` (a state's county days within the file's dates) to `wanted`,
/// the file of `vintage`. A day a later file wrote (a concurrent run's) keeps its values.
fn diff(
    wanted: &BTreeMap<NaiveDate, CountyValues>,
    stored: Vec<StoredCountyDay>,
    vintage: NaiveDate,
) -> Vec<CountyDayWrite> {
    let mut stored: BTreeMap<NaiveDate, StoredCountyDay> =
        stored.into_iter().map(|d| (d.date, d)).collect();
    let empty = CountyValues::new();
    let dates: std::collections::BTreeSet<NaiveDate> =
        wanted.keys().chain(stored.keys()).copied().collect();
    let mut writes = Vec::new();
    for date in dates {
        let counties = wanted.get(&date).unwrap_or(&empty).clone();
        match stored.remove(&date) {
            None => writes.push(CountyDayWrite::Insert { date, counties }),
            Some(day) if day.counties == counties || day.vintage() > vintage => {}
            Some(stored) => writes.push(CountyDayWrite::Update { stored, counties }),
        }
    }
    writes
}

/// Reads what the file changes and checks it; writes nothing. `stored` is the county window
/// the national state holds.
pub async fn plan<S: CountyDays + Sync>(
    store: &S,
    series: &CountySeries,
    populations: &BTreeMap<String, u64>,
    stored: Option<&CountyWindow>,
) -> Result<Planned, Error> {
    let wanted = transform::by_state_day(series);
    let names: BTreeMap<String, String> = series
        .iter()
        .map(|(id, (county, _))| (id.clone(), county.name.clone()))
        .collect();
    let populations = populations.clone();
    let rows = series.values().map(|(_, days)| days.len() as u64).sum();
    let dates = wanted.values().flat_map(|days| days.keys());
    let (first, last) = match (dates.clone().min(), dates.max()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => return Err(transform::empty_county_file().into()),
    };
    let window = CountyWindow {
        fingerprint: window_fingerprint(&wanted, &names, &populations),
        vintage: last,
        first_date: first,
        last_date: last,
        rows,
    };
    let mut loaded = CountiesRun {
        rows,
        ..CountiesRun::default()
    };
    if stored.is_some_and(|w| w.fingerprint == window.fingerprint) {
        loaded.skipped = true;
        return Ok(Planned {
            window,
            states: BTreeMap::new(),
            reads: BTreeMap::new(),
            wanted,
            names,
            populations,
            loaded,
        });
    }
    if let Some(stored) = stored {
        transform::check_county_end(last, stored.last_date)?;
    }
    let (states, reads) = plan_dates(store, &wanted, (first, last), last, true).await?;
    Ok(Planned {
        window,
        states,
        reads,
        wanted,
        names,
        populations,
        loaded,
    })
}

/// What [`plan_dates`] found: each state's writes, and what was read of it.
pub type DatePlan = (
    BTreeMap<Region, Vec<CountyDayWrite>>,
    BTreeMap<Region, CountyPlanRead>,
);

/// The writes that bring every state's county days within `dates` to `wanted`, by the file of
/// `vintage`: each state's days read (one `Query` a state, every state, so a state missing from
/// `wanted` is seen) and compared. More than [`MAX_WITHDRAWN`](transform::MAX_WITHDRAWN) stored
/// county days left out is refused. Nothing is written.
///
/// With `listings` (a daily file, the newest: its dates end the partition), each state's days
/// are read from the first date on, with its listing and write counter, in the same `Query`;
/// without (a block of the archive, which may lie anywhere in it), the days within `dates`
/// alone.
pub async fn plan_dates<S: CountyDays + Sync>(
    store: &S,
    wanted: &BTreeMap<Region, BTreeMap<NaiveDate, CountyValues>>,
    (first, last): (NaiveDate, NaiveDate),
    vintage: NaiveDate,
    listings: bool,
) -> Result<DatePlan, Error> {
    let read = settle(STATES.to_vec(), STATES_IN_FLIGHT, |state| async move {
        let read = if listings {
            store.read_county_plan(state, first).await?
        } else {
            CountyPlanRead {
                days: store
                    .read_county_days(state, Some(first), Some(last))
                    .await?,
                ..CountyPlanRead::default()
            }
        };
        Ok::<_, Error>((state, read))
    })
    .await?;
    let no_days = BTreeMap::new();
    let (mut states, mut reads) = (BTreeMap::new(), BTreeMap::new());
    for (state, read) in read {
        let within: Vec<StoredCountyDay> = read
            .days
            .iter()
            .filter(|d| d.date <= last)
            .cloned()
            .collect();
        states.insert(
            state,
            diff(wanted.get(&state).unwrap_or(&no_days), within, vintage),
        );
        reads.insert(state, read);
    }
    let withdrawn: Vec<(NaiveDate, String)> = states
        .values()
        .flatten()
        .flat_map(|w| {
            let date = w.date();
            w.changes().withdrawn.into_iter().map(move |id| (date, id))
        })
        .collect();
    transform::check_withdrawn(
        withdrawn.len() as u64,
        withdrawn
            .iter()
            .min()
            .map(|(date, id)| (id.as_str(), *date)),
    )?;
    Ok((states, reads))
}

/// Writes a plan, then records its window.
pub async fn apply<S: CountyDays + Sync>(
    store: &S,
    planned: Planned,
    progress: &Progress,
) -> Result<CountiesRun, Error> {
    let Planned {
        window,
        states,
        reads,
        wanted,
        names,
        populations,
        mut loaded,
    } = planned;
    if loaded.skipped {
        return Ok(loaded);
    }
    let (vintage, first, last) = (window.vintage, window.first_date, window.last_date);
    let (done, written) =
        write_states(store, states, &wanted, (first, last), vintage, progress).await?;
    loaded.new += done.new;
    loaded.revised += done.revised;
    loaded.withdrawn += done.withdrawn;
    loaded.items += done.items;
    // Every state of the file, and every state whose days it changed (a state it left out).
    let listed: Vec<Region> = STATES
        .into_iter()
        .filter(|s| wanted.contains_key(s) || written.contains_key(s))
        .collect();
    let names = county_listing::Names {
        names: &names,
        populations: &populations,
    };
    // From the listing the plan read and the run's own writes where that listing was current;
    // from the state's whole partition where it was not.
    let (mut updated, mut rebuilt) = (Vec::new(), Vec::new());
    let none = Written::default();
    for state in listed {
        let this = written.get(&state).unwrap_or(&none);
        let read = reads.get(&state);
        match read.and_then(|read| county_listing::updated(state, read, this, &names, vintage)) {
            // Unchanged: nothing to write.
            Some(listing) if read.and_then(|r| r.listing.as_ref()) == Some(&listing) => {}
            Some(listing) => updated.push((state, listing)),
            None => rebuilt.push(state),
        }
    }
    tracing::debug!(
        kept = updated.len(),
        rebuilt = rebuilt.len(),
        "county listings: kept from the run's writes, or made from whole partitions"
    );
    let (kept, behind) = county_listing::put(store, updated).await?;
    rebuilt.extend(behind);
    rebuilt.sort();
    loaded.listings = kept + county_listing::write(store, rebuilt, &names, vintage).await?;
    if !store.write_county_window(&window).await? {
        tracing::info!(%vintage, "a county file of a later vintage is recorded; kept");
    }
    Ok(loaded)
}

/// What [`write_states`] committed for one state.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// The writes committed, in order.
    pub writes: Vec<CountyDayWrite>,
    /// Their transactions (each moved the state's write counter by one).
    pub transactions: u64,
    /// Whether another run wrote first, and the state was planned again.
    pub replanned: bool,
}

/// Writes each state's planned writes (up to [`MAX_COUNTY_WRITES_PER_BATCH`] in a transaction).
/// A transaction refused (another run wrote first) re-reads that state within `dates` and
/// plans it again against `wanted`; the same file then has nothing left to write. Returns what
/// was written, and what each state it changed committed.
pub async fn write_states<S: CountyDays + Sync>(
    store: &S,
    states: BTreeMap<Region, Vec<CountyDayWrite>>,
    wanted: &BTreeMap<Region, BTreeMap<NaiveDate, CountyValues>>,
    (first, last): (NaiveDate, NaiveDate),
    vintage: NaiveDate,
    progress: &Progress,
) -> Result<(CountiesRun, BTreeMap<Region, Written>), Error> {
    let no_days = BTreeMap::new();
    let no_days = &no_days;
    let to_write: Vec<(Region, Vec<CountyDayWrite>)> =
        states.into_iter().filter(|(_, w)| !w.is_empty()).collect();
    let written = settle(
        to_write,
        STATES_IN_FLIGHT,
        |(state, mut writes): (Region, Vec<CountyDayWrite>)| async move {
            let mut done = CountiesRun::default();
            let mut committed = Written::default();
            for attempt in 1..=ATTEMPTS {
                let mut refused = false;
                for batch in writes.chunks(MAX_COUNTY_WRITES_PER_BATCH) {
                    if !store.write_county_days(state, batch, vintage).await? {
                        refused = true;
                        continue;
                    }
                    for write in batch {
                        let changes = write.changes();
                        done.new += changes.new;
                        done.revised += changes.revised;
                        done.withdrawn += changes.withdrawn.len() as u64;
                        progress.add_days(changes.new + changes.revised);
                    }
                    done.items += batch.len() as u64;
                    committed.writes.extend_from_slice(batch);
                    committed.transactions += 1;
                }
                if !refused {
                    return Ok((state, done, committed));
                }
                committed.replanned = true;
                tracing::warn!(
                    state = state.id,
                    attempt,
                    "county days written by another run first; planning the state again"
                );
                let days = store
                    .read_county_days(state, Some(first), Some(last))
                    .await?;
                // Another run wrote this file's values, or a later file's: only what is
                // still to change is written, and counted.
                writes = diff(wanted.get(&state).unwrap_or(no_days), days, vintage);
                if writes.is_empty() {
                    return Ok((state, done, committed));
                }
            }
            Err(Error::Conflict(format!(
                "{}'s county days kept being written by another run ({ATTEMPTS} attempts): run \
                 again",
                state.name
            )))
        },
    )
    .await?;
    let mut total = CountiesRun::default();
    let mut by_state = BTreeMap::new();
    for (state, done, committed) in written {
        total.new += done.new;
        total.revised += done.revised;
        total.withdrawn += done.withdrawn;
        total.items += done.items;
        by_state.insert(state, committed);
    }
    Ok((total, by_state))
}

#[cfg(test)]
mod tests;
