//! The initial load of a series never loaded (a state's first run): the lease
//! (`covid_store::BulkLoad`), the days by plain batched puts, then, in one transaction, the
//! meta and the change record that announces them. A loader stops before a batch that could
//! land after its lease; a run that finds another's live lease leaves the series to it.

use chrono::{DateTime, Utc};
use covid_model::{Day, Region, StateCounts, fingerprint};
use covid_store::{BulkLoad, Lease, MAX_PUTS_PER_BATCH, SeriesState, StoredMeta};

use crate::error::Error;
use crate::load::{Progress, Wanted, settle};

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

/// The initial load of a series never loaded (or whose loader died): the lease, the days by
/// plain batched puts, then the meta with the change record that announces them. `None`:
/// another run holds the lease. A loader whose lease is about to lapse stops before its next
/// batch: the run fails, and the run that takes the series over loads it.
pub async fn bulk_load<S>(
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
        store.put_days(chunk, wanted.vintage).await?;
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
        listing_version: None,
        lease_until: None,
        levels: None,
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
    use covid_store::{MemoryStore, ReadState};

    use super::*;
    use crate::load;
    use crate::load::tests::series as days;

    #[tokio::test]
    async fn a_lapsing_lease_stops_the_loader_and_a_stale_loader_never_rewrites_a_revision() {
        use std::sync::atomic::{AtomicI64, Ordering};
        let store = MemoryStore::new();
        let ny = Region::by_id("NY").unwrap();
        let wanted_days = days(60, 0);
        let wanted = Wanted::state(&wanted_days, None);
        let start = Utc::now();
        // Loader A's clock moves 50 s at every look: the lease (3 min) leaves room for two
        // batches before the margin (1 min) is reached.
        let looks = AtomicI64::new(0);
        let slow =
            move || start + chrono::Duration::seconds(50 * looks.fetch_add(1, Ordering::SeqCst));
        let a = store.partition(ny);
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
        let revision = Wanted::state(&revised, None);
        load::load_series(&a, &revision, &state, later(), &Progress::default())
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
        let stored = &store.contents().series(ny).days[&day];
        assert_eq!((stored.rev, stored.day.cases), (2, revised[3].cases));
    }
}
