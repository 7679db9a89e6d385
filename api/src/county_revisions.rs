//! The counties' part of `/v1/revisions`: their changes after a cursor, from the change
//! batches each county transaction wrote (`covid_store::CountyChangeBatch`), reading only the
//! batches a page lists and the rest of one state's in one vintage.

use std::collections::HashMap;

use chrono::NaiveDate;
use covid_model::{Counts, CountyCounts, CountyId, Place, Region, Revision, RevisionKind};
use covid_store::CountyChangeBatch;

use crate::answer::unavailable;
use crate::cache::Snapshot;
use crate::extract::Cursor;
use crate::problem::Problem;

/// The first vintage a county change may have: NYT's first day.
const FIRST_VINTAGE: NaiveDate = NaiveDate::from_ymd_opt(2020, 1, 21).expect("a date");

/// The county changes of `batches` (of whole vintages, in order), placed, sorted.
fn placed_counties(batches: &[CountyChangeBatch]) -> Vec<(Cursor, Revision)> {
    let counts = |c: Option<CountyCounts>| {
        c.map(|c| Counts {
            cases: c.cases,
            deaths: c.deaths,
            recovered: None,
        })
    };
    let mut placed = Vec::new();
    // The how-manyth change of a county's day in a vintage (batches are in write order).
    let mut seen: HashMap<(NaiveDate, &str, NaiveDate), u32> = HashMap::new();
    for batch in batches {
        for (id, date, before, after) in &batch.changes {
            let Some(county) = CountyId::parse(id) else {
                tracing::warn!(id, "a stored county change of an id that is not one");
                continue;
            };
            let n = seen.entry((batch.vintage, id.as_str(), *date)).or_default();
            let cursor = Cursor::new(Place::County(county), batch.vintage, *date, *n);
            *n += 1;
            let kind = match (before, after) {
                (None, _) => RevisionKind::New,
                (Some(_), Some(_)) => RevisionKind::Revised,
                (Some(_), None) => RevisionKind::Withdrawn,
            };
            let change = Revision {
                region: id.clone(),
                date: *date,
                vintage: batch.vintage,
                kind,
                before: counts(*before),
                after: counts(*after),
            };
            placed.push((cursor, change));
        }
    }
    placed.sort_unstable_by_key(|(c, _)| *c);
    placed
}

/// The county changes after `after` (and of vintages from `since`), in order: at least `enough`
/// of them, unless fewer are stored, and every one before the last. Returns them with the keys
/// of the batches read (what the page is made of, for its tag).
pub(crate) async fn county_changes_after(
    snapshot: &Snapshot,
    since: Option<NaiveDate>,
    after: Option<Cursor>,
    enough: usize,
) -> Result<(Vec<(Cursor, Revision)>, Vec<String>), Problem> {
    let Some(until) = snapshot.county_window.as_ref().map(|w| w.vintage) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let vintage = [Some(FIRST_VINTAGE), since, after.map(|c| c.vintage)]
        .into_iter()
        .flatten()
        .max()
        .expect("one is given");
    // The cursor's state's batches on, in the cursor's vintage.
    let state = after
        .filter(|a| a.vintage == vintage)
        .map(|a| Region::all()[a.region]);
    let mut from = (vintage, state);
    let (mut changes, mut keys) = (Vec::new(), Vec::new());
    while from.0 <= until && changes.len() < enough {
        let asked = enough - changes.len();
        let batches = snapshot
            .county_changes(from, until, asked)
            .await
            .map_err(unavailable)?;
        let Some(last) = batches.last().map(|b| (b.vintage, b.state)) else {
            break;
        };
        let read: usize = batches.iter().map(|b| b.changes.len()).sum();
        keys.extend(batches.iter().map(|b| b.key.clone()));
        changes.extend(
            placed_counties(&batches)
                .into_iter()
                .filter(|(c, _)| after.is_none_or(|a| *c > a)),
        );
        if read < asked {
            // The store read on to `until`: there are no more.
            break;
        }
        // On from the state after the last one read.
        let next = covid_model::STATES.get(last.1.index()).copied();
        from = match next {
            Some(state) => (last.0, Some(state)),
            None => (
                last.0
                    .succ_opt()
                    .expect("a date far from the calendar's end"),
                None,
            ),
        };
    }
    Ok((changes, keys))
}
