//! One contract, two stores: every scenario here runs on `MemoryStore` (the store the domain
//! logic is unit-tested on) and on `DynamoStore` against DynamoDB Local, through the same
//! traits. If the in-memory store ever promised something DynamoDB does not do, or the other
//! way round, a scenario fails on one of them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{AlertKind, CountyCounts, Day, Region, Version};
use covid_store::{
    Audiences, BulkLoad, ChangeRecord, CountyDayWrite, CountyDays, CountyValues, CountyWindow,
    DayWrite, DynamoStore, IdempotencyClaim, IdempotencyRecords, Lease, Listing,
    MAX_WRITES_PER_BATCH, OutboxMessage, RateLimits, ReadSeries, ReadState, RegionScope, RunRecord,
    StoredDay, StoredListing, StoredMeta, WriteAlerts, WriteDay, WriteMeta, placeholder,
};

/// Every trait a scenario may use.
trait Store:
    ReadState
    + ReadSeries
    + WriteDay
    + WriteMeta
    + WriteAlerts
    + BulkLoad
    + IdempotencyRecords
    + RateLimits
    + Listing
    + RegionScope
    + Audiences
    + CountyDays
    + Sync
{
}

impl<S> Store for S where
    S: ReadState
        + ReadSeries
        + WriteDay
        + WriteMeta
        + WriteAlerts
        + BulkLoad
        + IdempotencyRecords
        + RateLimits
        + Listing
        + RegionScope
        + Audiences
        + CountyDays
        + Sync
{
}

/// A fresh table on DynamoDB Local, one per scenario.
async fn dynamodb(test: &str) -> DynamoStore {
    let store = DynamoStore::new(
        &testkit::sdk_config(&testkit::dynamodb().endpoint),
        testkit::table_name(test),
    );
    store.create_table_if_missing().await.unwrap();
    store
}

/// Each scenario, as a test on each store.
macro_rules! contract {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(&covid_store::MemoryStore::new()).await;
                }
            )*
        }
        mod dynamodb_local {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let store = super::dynamodb(stringify!($scenario)).await;
                    super::$scenario(&store).await;
                }
            )*
        }
    };
}

contract!(
    a_day_is_inserted_once_and_revised_only_on_its_revision,
    a_batch_is_all_or_nothing,
    a_full_batch_is_one_write,
    the_meta_is_written_only_on_its_version,
    a_meta_write_announces_each_record_once,
    change_records_merge_unless_one_is_gone,
    a_run_record_changes_nothing_else,
    the_listing_is_written_only_for_the_meta_version_and_marked_on_it,
    regions_have_their_own_partitions_and_national_records,
    the_stale_marker_is_set_once_per_newest_day,
    alerts_are_claimed_counted_released_parked_and_deleted,
    a_lease_is_taken_once_taken_over_once_lapsed_and_finished_by_its_holder,
    idempotency_records_lock_complete_release_and_lapse,
    rate_counters_stop_at_their_limit_and_take_back,
    the_audiences_are_a_set_that_grows,
    level_changes_and_levels_round_trip,
    a_county_day_is_inserted_once_and_revised_only_on_its_revision,
    county_days_are_a_state_s_own_and_a_full_batch_is_one_write,
    the_county_window_is_read_with_the_national_state_and_never_goes_back,
    a_county_listing_is_a_state_s_item_and_the_largest_state_fits,
    county_changes_are_written_with_their_days_and_read_in_order_from_any_state,
    the_largest_county_change_batch_fits,
);

/// The vintage of the runs in these scenarios.
fn vintage() -> NaiveDate {
    date("2020-03-05")
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn day(text: &str, cases: u64) -> Day {
    covid_model::testing::day(text, cases, cases / 10, None)
}

fn meta(version: u64, days: &[Day]) -> StoredMeta {
    StoredMeta {
        version,
        fingerprint: covid_model::fingerprint(days),
        count: days.len() as u64,
        first_date: days.first().map_or(NaiveDate::MIN, |d| d.date),
        last_date: days.last().map_or(NaiveDate::MIN, |d| d.date),
        changed_at: at(0),
        last_run: None,
        stale_alert_for: None,
        population: Some(1_000),
        regions_fingerprint: None,
        listing_version: None,
        lease_until: None,
        levels: None,
    }
}

/// A time in whole milliseconds (what the table keeps), `seconds` after a fixed instant. The
/// instant (2100-01-01) is after every real clock that runs these tests: the table's TTL
/// attribute takes these times, and DynamoDB Local deletes an item whose expiry has passed in
/// the real clock, in the background, whenever its sweep comes (an expiry in 2023 made the
/// idempotency scenario fail now and then).
fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(4_102_444_800 + seconds, 0).unwrap()
}

fn alert(id: &str) -> OutboxMessage {
    OutboxMessage {
        id: id.to_string(),
        event: AlertKind::Updated,
        subject: format!("subject of {id}"),
        body: "body".to_string(),
        created_at: at(0),
        counts: BTreeMap::from([("new_days".to_string(), 1)]),
        regions: vec!["US".to_string()],
        attempts: 0,
        levels: Vec::new(),
        sent: Vec::new(),
    }
}

async fn stored_day<S: ReadSeries>(store: &S, text: &str) -> Option<StoredDay> {
    store.read_day(date(text)).await.unwrap()
}

async fn a_day_is_inserted_once_and_revised_only_on_its_revision<S: Store>(store: &S) {
    let first = day("2020-03-01", 10);
    let record = store
        .write_days(&[DayWrite::Insert(first)], vintage())
        .await
        .unwrap()
        .expect("inserted");
    assert_eq!(record.new, [first.date]);
    assert!(
        store
            .write_days(&[DayWrite::Insert(first)], vintage())
            .await
            .unwrap()
            .is_none(),
        "an insert of a stored day loses its condition"
    );
    let v1 = stored_day(store, "2020-03-01").await.unwrap();
    assert_eq!((v1.day, v1.rev), (first, 1));
    let revised = day("2020-03-01", 12);
    let record = store
        .write_days(
            &[DayWrite::Update {
                stored: v1.clone(),
                new: revised,
            }],
            vintage(),
        )
        .await
        .unwrap()
        .expect("revised");
    assert_eq!(record.revised, [first], "the old values");
    let v2 = stored_day(store, "2020-03-01").await.unwrap();
    assert_eq!((v2.day, v2.rev), (revised, 2));
    // The replaced value is kept in the same write, with the vintage that wrote it.
    assert_eq!(
        (v2.vintage, v2.earlier.as_slice()),
        (Some(vintage()), &[Version::of(Some(vintage()), first)][..])
    );
    let v3_vintage = date("2020-03-07");
    store
        .write_days(
            &[DayWrite::Update {
                stored: v2.clone(),
                new: day("2020-03-01", 13),
            }],
            v3_vintage,
        )
        .await
        .unwrap()
        .expect("revised again");
    let v3 = stored_day(store, "2020-03-01").await.unwrap();
    let history: Vec<(Option<NaiveDate>, u64)> = v3
        .history()
        .versions()
        .iter()
        .map(|v| (v.vintage, v.day.cases))
        .collect();
    assert_eq!(
        history,
        [
            (Some(vintage()), 10),
            (Some(vintage()), 12),
            (Some(v3_vintage), 13)
        ]
    );
    // An update on a revision that is no longer the stored one loses its condition.
    let stale = DayWrite::Update {
        stored: v1,
        new: day("2020-03-01", 99),
    };
    assert!(
        store
            .write_days(&[stale], vintage())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(stored_day(store, "2020-03-01").await.unwrap(), v3);
    assert_eq!(stored_day(store, "2020-03-02").await, None);
}

async fn a_batch_is_all_or_nothing<S: Store>(store: &S) {
    store
        .write_days(&[DayWrite::Insert(day("2020-03-02", 2))], vintage())
        .await
        .unwrap()
        .unwrap();
    let batch = [
        DayWrite::Insert(day("2020-03-01", 1)),
        DayWrite::Insert(day("2020-03-02", 2)),
        DayWrite::Insert(day("2020-03-03", 3)),
    ];
    assert!(store.write_days(&batch, vintage()).await.unwrap().is_none());
    let days: Vec<NaiveDate> = store
        .read_series()
        .await
        .unwrap()
        .iter()
        .map(|s| s.day.date)
        .collect();
    assert_eq!(days, [date("2020-03-02")], "nothing of the cancelled batch");
    assert_eq!(store.read_state().await.unwrap().changes.len(), 1);
}

async fn a_full_batch_is_one_write<S: Store>(store: &S) {
    let start = date("2020-01-01");
    let writes: Vec<DayWrite> = (0..MAX_WRITES_PER_BATCH as u64)
        .map(|i| {
            DayWrite::Insert(Day {
                date: start + chrono::Days::new(i),
                cases: i,
                deaths: Some(0),
                recovered: Some(i),
            })
        })
        .collect();
    let record = store
        .write_days(&writes, vintage())
        .await
        .unwrap()
        .expect("one transaction");
    assert_eq!(record.new.len(), MAX_WRITES_PER_BATCH);
    let stored = store.read_series().await.unwrap();
    assert_eq!(stored.len(), MAX_WRITES_PER_BATCH);
    assert!(
        stored.windows(2).all(|w| w[0].day.date < w[1].day.date),
        "in date order"
    );
    assert_eq!(stored[5].day.recovered, Some(5));
    let (days, meta) = store.read_series_and_meta().await.unwrap();
    assert_eq!((days.len(), meta), (MAX_WRITES_PER_BATCH, None));
}

async fn the_meta_is_written_only_on_its_version<S: Store>(store: &S) {
    let days = [day("2020-03-01", 1)];
    assert!(
        store
            .write_meta(&meta(1, &days), None, None, &[])
            .await
            .unwrap()
    );
    assert!(
        !store
            .write_meta(&meta(1, &days), None, None, &[])
            .await
            .unwrap(),
        "it exists now"
    );
    assert!(
        store
            .write_meta(&meta(2, &days), Some(1), None, &[])
            .await
            .unwrap()
    );
    assert!(
        !store
            .write_meta(&meta(3, &days), Some(1), None, &[])
            .await
            .unwrap(),
        "version 1 is gone"
    );
    let stored = store.read_state().await.unwrap().meta.unwrap();
    assert_eq!(stored, meta(2, &days));
    let (_, read) = store.read_series_and_meta().await.unwrap();
    assert_eq!(read, Some(stored));
}

async fn a_meta_write_announces_each_record_once<S: Store>(store: &S) {
    let days = [day("2020-03-01", 1)];
    let record = store
        .write_days(&[DayWrite::Insert(days[0])], vintage())
        .await
        .unwrap()
        .unwrap();
    let state = store.read_state().await.unwrap();
    assert_eq!(state.changes, std::slice::from_ref(&record));
    let announcement = alert("20230324T000000.000000Z-updated-00000001");
    assert!(
        store
            .write_meta(
                &meta(1, &days),
                None,
                Some(&announcement),
                std::slice::from_ref(&record.id)
            )
            .await
            .unwrap()
    );
    let state = store.read_state().await.unwrap();
    assert!(state.changes.is_empty());
    assert_eq!(state.outbox, [announcement]);
    // The record is gone: announcing it again is refused, and nothing is written.
    assert!(
        !store
            .write_meta(&meta(2, &days), Some(1), None, &[record.id])
            .await
            .unwrap()
    );
    assert_eq!(store.read_state().await.unwrap().meta.unwrap().version, 1);
}

async fn change_records_merge_unless_one_is_gone<S: Store>(store: &S) {
    let a = store
        .write_days(&[DayWrite::Insert(day("2020-03-01", 1))], vintage())
        .await
        .unwrap()
        .unwrap();
    let b = store
        .write_days(&[DayWrite::Insert(day("2020-03-02", 2))], vintage())
        .await
        .unwrap()
        .unwrap();
    let ids = [a.id.clone(), b.id.clone()];
    let mut merged = ChangeRecord::of(
        covid_model::US,
        &[
            DayWrite::Insert(day("2020-03-01", 1)),
            DayWrite::Insert(day("2020-03-02", 2)),
        ],
        Utc::now(),
    );
    merged.id = format!("{}-merged", a.id);
    assert!(store.merge_changes(&merged, &ids).await.unwrap());
    assert_eq!(
        store.read_state().await.unwrap().changes,
        std::slice::from_ref(&merged)
    );
    let again = ChangeRecord {
        id: format!("{}-again", a.id),
        ..merged
    };
    assert!(!store.merge_changes(&again, &ids).await.unwrap());
    assert_eq!(store.read_state().await.unwrap().changes.len(), 1);
}

async fn a_run_record_changes_nothing_else<S: Store>(store: &S) {
    let days = [day("2020-03-01", 1)];
    store
        .write_meta(&meta(1, &days), None, None, &[])
        .await
        .unwrap();
    let run = RunRecord {
        at: at(60),
        inserted: 0,
        updated: 0,
        unchanged: 1,
        duration_ms: 12,
        vintage: Some(vintage()),
    };
    store.record_run(&run).await.unwrap();
    let stored = store.read_state().await.unwrap().meta.unwrap();
    assert_eq!(
        stored,
        StoredMeta {
            last_run: Some(run),
            ..meta(1, &days)
        }
    );
}

async fn the_listing_is_written_only_for_the_meta_version_and_marked_on_it<S: Store>(store: &S) {
    let days = [day("2021-03-15", 10), day("2021-03-16", 12)];
    let ny = Region::by_id("NY").unwrap();
    let listing = |version| StoredListing {
        version,
        regions: vec![
            covid_model::RegionSummary::of(covid_model::US, &days, Some(329_466_283)),
            covid_model::RegionSummary::of(ny, &days[..1], None),
        ],
    };
    assert_eq!(store.read_listing().await.unwrap(), None);
    assert!(
        !store.write_listing(&listing(1)).await.unwrap(),
        "no meta yet"
    );
    assert!(
        store
            .write_meta(&meta(1, &days), None, None, &[])
            .await
            .unwrap()
    );
    assert!(
        !store.write_listing(&listing(2)).await.unwrap(),
        "not the meta's version"
    );
    assert_eq!(store.read_listing().await.unwrap(), None, "nothing written");
    assert!(store.write_listing(&listing(1)).await.unwrap());
    assert_eq!(store.read_listing().await.unwrap(), Some(listing(1)));
    // The reads of the series and of its state do not meet it.
    let (stored, stored_meta) = store.read_series_and_meta().await.unwrap();
    assert_eq!((stored.len(), stored_meta.map(|m| m.version)), (0, Some(1)));
    assert!(store.read_series().await.unwrap().is_empty());
    let stored = store.read_state().await.unwrap().meta.unwrap();
    assert_eq!((stored.version, stored.listing_version), (1, Some(1)));
    // A meta write that changes the data leaves the mark behind: the listing is not current.
    assert!(
        store
            .write_meta(&meta(2, &days), Some(1), None, &[])
            .await
            .unwrap()
    );
    let stored = store.read_state().await.unwrap().meta.unwrap();
    assert_eq!((stored.version, stored.listing_version), (2, Some(1)));
    // A state's partition has no listing of its own: it is the nation's.
    assert_eq!(
        store.partition(ny).read_listing().await.unwrap(),
        Some(listing(1))
    );
}

async fn regions_have_their_own_partitions_and_national_records<S: Store>(store: &S) {
    let ny = store.partition(Region::by_id("NY").unwrap());
    let record = ny
        .write_days(&[DayWrite::Insert(day("2020-03-01", 5))], vintage())
        .await
        .unwrap()
        .unwrap();
    assert!(
        record.new.is_empty(),
        "a state's days are counted, not listed"
    );
    assert_eq!(record.regions.values().sum::<u64>(), 1);
    assert!(
        store.read_series().await.unwrap().is_empty(),
        "not the nation's"
    );
    assert_eq!(ny.read_series().await.unwrap().len(), 1);
    ny.write_meta(&meta(1, &[day("2020-03-01", 5)]), None, None, &[])
        .await
        .unwrap();
    assert_eq!(
        store.read_state().await.unwrap().meta,
        None,
        "no national meta"
    );
    assert!(ny.read_state().await.unwrap().meta.is_some());
    // Change records live in the national partition.
    assert_eq!(store.read_state().await.unwrap().changes, [record]);
}

async fn the_stale_marker_is_set_once_per_newest_day<S: Store>(store: &S) {
    let stale = alert("20230324T000000.000000Z-stale-00000001");
    assert!(
        !store.mark_stale(date("2023-03-23"), &stale).await.unwrap(),
        "no meta yet"
    );
    let days = [day("2020-03-01", 1)];
    store
        .write_meta(&meta(1, &days), None, None, &[])
        .await
        .unwrap();
    assert!(store.mark_stale(date("2023-03-23"), &stale).await.unwrap());
    let again = alert("20230325T000000.000000Z-stale-00000002");
    assert!(!store.mark_stale(date("2023-03-23"), &again).await.unwrap());
    let state = store.read_state().await.unwrap();
    assert_eq!(state.outbox, [stale]);
    assert_eq!(
        state.meta.unwrap().stale_alert_for,
        Some(date("2023-03-23"))
    );
    assert!(store.mark_stale(date("2023-03-24"), &again).await.unwrap());
    // A meta write keeps the marker: only the marker sets it.
    store
        .write_meta(&meta(2, &days), Some(1), None, &[])
        .await
        .unwrap();
    let kept = store
        .read_state()
        .await
        .unwrap()
        .meta
        .unwrap()
        .stale_alert_for;
    assert_eq!(kept, Some(date("2023-03-24")));
}

async fn alerts_are_claimed_counted_released_parked_and_deleted<S: Store>(store: &S) {
    let (a, b) = (alert("a-1"), alert("b-2"));
    store.put_alert(&a).await.unwrap();
    store.put_alert(&b).await.unwrap();
    assert_eq!(
        store.claim_alert("a-1", at(0), at(120)).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        store.claim_alert("a-1", at(60), at(180)).await.unwrap(),
        None,
        "held until 120"
    );
    let sent = ["updated".to_string(), "updated-NY".to_string()];
    store.release_alert("a-1", &sent).await.unwrap();
    assert_eq!(
        store.claim_alert("a-1", at(61), at(181)).await.unwrap(),
        Some(2)
    );
    let outbox = store.read_state().await.unwrap().outbox;
    assert_eq!(
        outbox[0].sent, sent,
        "where it went before its release is kept"
    );
    store.release_alert("a-1", &[]).await.unwrap();
    assert_eq!(
        store.read_state().await.unwrap().outbox[0].sent,
        sent,
        "and not forgotten"
    );
    assert_eq!(
        store.claim_alert("a-1", at(62), at(182)).await.unwrap(),
        Some(3)
    );
    assert_eq!(
        store.claim_alert("a-1", at(200), at(320)).await.unwrap(),
        Some(4),
        "a lapsed claim is taken over"
    );
    assert_eq!(
        store.claim_alert("nobody", at(0), at(1)).await.unwrap(),
        None
    );
    let claimed = OutboxMessage {
        attempts: 4,
        sent: sent.to_vec(),
        ..a.clone()
    };
    store.park_alert(&claimed, at(300)).await.unwrap();
    let state = store.read_state().await.unwrap();
    assert_eq!(
        state
            .outbox
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["b-2"]
    );
    assert_eq!(state.parked, [claimed]);
    store.delete_alert("b-2").await.unwrap();
    assert!(store.read_state().await.unwrap().outbox.is_empty());
}

async fn a_lease_is_taken_once_taken_over_once_lapsed_and_finished_by_its_holder<S: Store>(
    store: &S,
) {
    let ny = store.partition(Region::by_id("NY").unwrap());
    let (first, last) = (date("2020-03-01"), date("2020-03-02"));
    assert_eq!(
        ny.lease_series(None, first, last, at(0), at(180))
            .await
            .unwrap(),
        Lease::Acquired
    );
    assert_eq!(
        ny.lease_series(None, first, last, at(1), at(181))
            .await
            .unwrap(),
        Lease::Busy,
        "the placeholder exists"
    );
    let seen = ny.read_state().await.unwrap().meta.unwrap();
    assert_eq!(seen, placeholder(first, last, at(0), at(180)));
    assert!(
        store.read_state().await.unwrap().changes.is_empty(),
        "nothing announced yet"
    );
    assert_eq!(
        ny.lease_series(Some(&seen), first, last, at(100), at(280))
            .await
            .unwrap(),
        Lease::Busy,
        "the lease still holds"
    );
    assert_eq!(
        ny.lease_series(Some(&seen), first, last, at(200), at(380))
            .await
            .unwrap(),
        Lease::Acquired,
        "lapsed: taken over"
    );
    assert_eq!(
        ny.lease_series(Some(&seen), first, last, at(201), at(381))
            .await
            .unwrap(),
        Lease::Busy,
        "only once"
    );
    let days = [day("2020-03-01", 1), day("2020-03-02", 2)];
    ny.put_days(&days, vintage()).await.unwrap();
    let loaded = meta(1, &days);
    assert!(
        !ny.finish_bulk(&loaded, at(180), 2, at(210)).await.unwrap(),
        "the first loader's lease is not the placeholder's any more"
    );
    assert!(ny.read_state().await.unwrap().meta.unwrap().version == 0);
    assert!(ny.finish_bulk(&loaded, at(380), 2, at(210)).await.unwrap());
    assert_eq!(ny.read_state().await.unwrap().meta, Some(loaded));
    let stored = ny.read_series().await.unwrap();
    assert!(stored.iter().all(|s| s.rev == 1) && stored.len() == 2);
    let records = store.read_state().await.unwrap().changes;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].regions.values().sum::<u64>(), 2);
    assert_eq!(
        ny.lease_series(Some(&seen), first, last, at(500), at(680))
            .await
            .unwrap(),
        Lease::Busy,
        "a loaded series is nobody's to lease"
    );
}

async fn idempotency_records_lock_complete_release_and_lapse<S: Store>(store: &S) {
    let expires = at(7 * 86_400);
    assert_eq!(
        store
            .claim_event("e1", at(0), at(900), expires)
            .await
            .unwrap(),
        IdempotencyClaim::Acquired
    );
    assert_eq!(
        store
            .claim_event("e1", at(10), at(910), expires)
            .await
            .unwrap(),
        IdempotencyClaim::InProgress { until: at(900) }
    );
    store
        .complete_event("e1", r#"{"status":"ok"}"#, expires)
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_event("e1", at(20), at(920), expires)
            .await
            .unwrap(),
        IdempotencyClaim::Completed(r#"{"status":"ok"}"#.to_string())
    );
    store.release_event("e1").await.unwrap();
    assert_eq!(
        store
            .claim_event("e1", at(30), at(930), expires)
            .await
            .unwrap(),
        IdempotencyClaim::Acquired,
        "released: runs again"
    );
    assert_eq!(
        store
            .claim_event("e1", at(1000), at(1900), expires)
            .await
            .unwrap(),
        IdempotencyClaim::Acquired,
        "a crashed run's lock is taken over once it lapses"
    );
}

async fn rate_counters_stop_at_their_limit_and_take_back<S: Store>(store: &S) {
    let window = at(3600);
    assert!(store.take("ip#203.0.113.1", window, 1, 2).await.unwrap());
    assert!(store.take("ip#203.0.113.1", window, 1, 2).await.unwrap());
    assert!(!store.take("ip#203.0.113.1", window, 1, 2).await.unwrap());
    assert!(
        store.take("ip#203.0.113.1", at(7200), 1, 2).await.unwrap(),
        "another window"
    );
    store.give_back("ip#203.0.113.1", window).await.unwrap();
    assert!(store.take("ip#203.0.113.1", window, 1, 2).await.unwrap());
    assert!(
        !store.take("all", window, 1, 0).await.unwrap(),
        "a limit of 0 takes nothing"
    );
    // Many uses at once: all of them under the limit, or none.
    assert!(store.take("confirmations", window, 30, 50).await.unwrap());
    assert!(!store.take("confirmations", window, 21, 50).await.unwrap());
    assert!(store.take("confirmations", window, 20, 50).await.unwrap());
    assert!(!store.take("confirmations", window, 1, 50).await.unwrap());
    assert!(!store.take("wide", window, 51, 50).await.unwrap());
    store.give_back("never-taken", window).await.unwrap();
    assert!(store.take("never-taken", window, 1, 1).await.unwrap());
    assert!(
        !store.take("never-taken", window, 1, 1).await.unwrap(),
        "never below zero"
    );
}

async fn the_audiences_are_a_set_that_grows<S: Store>(store: &S) {
    assert!(store.read_audiences().await.unwrap().is_empty());
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    store
        .add_audiences(&names(&["level-NY", "updated"]))
        .await
        .unwrap();
    store
        .add_audiences(&names(&["level-NY", "level-CA"]))
        .await
        .unwrap();
    store.add_audiences(&[]).await.unwrap();
    assert_eq!(
        store
            .read_audiences()
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["level-CA", "level-NY", "updated"]
    );
}

async fn level_changes_and_levels_round_trip<S: Store>(store: &S) {
    use covid_model::{Level, LevelChange};
    let days = [day("2020-03-01", 1)];
    let levels = BTreeMap::from([
        ("US".to_string(), Level::High),
        ("NY".to_string(), Level::Low),
    ]);
    let first = StoredMeta {
        levels: Some(levels.clone()),
        ..meta(1, &days)
    };
    assert!(store.write_meta(&first, None, None, &[]).await.unwrap());
    // A write without levels keeps them.
    assert!(
        store
            .write_meta(&meta(2, &days), Some(1), None, &[])
            .await
            .unwrap()
    );
    let stored = store.read_state().await.unwrap().meta.unwrap();
    assert_eq!(stored.levels, Some(levels));

    let change = LevelChange {
        region: "NY".to_string(),
        from: Level::Low,
        to: Level::Moderate,
        date: date("2020-03-01"),
        cases_per_100k_7d: 12.345_678,
    };
    let message = OutboxMessage {
        event: AlertKind::Level,
        regions: Vec::new(),
        counts: BTreeMap::new(),
        levels: vec![change],
        ..alert("c-3")
    };
    store.put_alert(&message).await.unwrap();
    assert_eq!(store.read_state().await.unwrap().outbox, [message]);
}

fn counties(entries: &[(&str, u64, Option<u64>)]) -> CountyValues {
    entries
        .iter()
        .map(|(id, cases, deaths)| {
            let value = covid_model::CountyCounts {
                cases: *cases,
                deaths: *deaths,
            };
            (id.to_string(), value)
        })
        .collect()
}

async fn a_county_day_is_inserted_once_and_revised_only_on_its_revision<S: Store>(store: &S) {
    let ny = Region::by_id("NY").unwrap();
    let first = counties(&[("36047", 10, Some(1)), ("36NYC", 20, Some(2))]);
    let insert = CountyDayWrite::Insert {
        date: date("2021-07-01"),
        counties: first.clone(),
    };
    assert!(
        store
            .write_county_days(ny, std::slice::from_ref(&insert), date("2021-07-01"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .write_county_days(ny, &[insert], date("2021-07-02"))
            .await
            .unwrap(),
        "an insert of a day that exists is refused"
    );
    let stored = store.read_county_days(ny, None, None).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].rev, &stored[0].counties), (1, &first));
    // Its change record waits in the national partition for the next `updated` alert.
    let changes = store.read_state().await.unwrap().changes;
    assert_eq!(changes.len(), 1, "the refused insert wrote none");
    assert_eq!(changes[0].counties, BTreeMap::from([(ny, 2)]));
    // A revision that withdraws a county and reports deaths as not reported.
    let second = counties(&[("36047", 12, None)]);
    let update = CountyDayWrite::Update {
        stored: stored[0].clone(),
        counties: second.clone(),
    };
    assert!(
        store
            .write_county_days(ny, std::slice::from_ref(&update), date("2021-07-02"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .write_county_days(ny, &[update], date("2021-07-03"))
            .await
            .unwrap(),
        "a write on a revision that is gone is refused"
    );
    let stored = store.read_county_days(ny, None, None).await.unwrap();
    assert_eq!((stored[0].rev, &stored[0].counties), (2, &second));
    let changes = store.read_state().await.unwrap().changes;
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[1].counties,
        BTreeMap::from([(ny, 2)]),
        "Kings revised, New York City withdrawn"
    );
    assert_eq!(stored[0].as_of(date("2021-07-01")), Some(first));
    assert_eq!(stored[0].as_of(date("2021-07-02")), Some(second));
    assert_eq!(stored[0].vintage(), date("2021-07-02"));
}

async fn county_days_are_a_state_s_own_and_a_full_batch_is_one_write<S: Store>(store: &S) {
    let (ny, nj) = (Region::by_id("NY").unwrap(), Region::by_id("NJ").unwrap());
    let first = date("2020-03-01");
    let writes: Vec<CountyDayWrite> = (0..covid_store::MAX_COUNTY_WRITES_PER_BATCH as u64)
        .map(|i| CountyDayWrite::Insert {
            date: first + chrono::Days::new(i),
            counties: counties(&[("36047", i, Some(0)), ("36UNK", 0, None)]),
        })
        .collect();
    assert!(
        store
            .write_county_days(ny, &writes, vintage())
            .await
            .unwrap()
    );
    // One insert that fails its condition cancels the whole batch.
    let mut mixed = vec![CountyDayWrite::Insert {
        date: date("2019-12-31"),
        counties: counties(&[("36047", 0, Some(0))]),
    }];
    mixed.push(writes[5].clone());
    assert!(
        !store
            .write_county_days(ny, &mixed, vintage())
            .await
            .unwrap()
    );
    let all = store.read_county_days(ny, None, None).await.unwrap();
    assert_eq!(all.len(), writes.len(), "nothing of the cancelled batch");
    let range = store
        .read_county_days(ny, Some(date("2020-03-03")), Some(date("2020-03-05")))
        .await
        .unwrap();
    assert_eq!(
        range.iter().map(|d| d.date).collect::<Vec<_>>(),
        [date("2020-03-03"), date("2020-03-04"), date("2020-03-05")]
    );
    assert_eq!(range[0].counties["36047"].cases, 2);
    assert!(
        store
            .read_county_days(nj, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    // Neither the national series nor the state's own series sees them.
    assert!(store.read_series().await.unwrap().is_empty());
    assert!(store.partition(ny).read_series().await.unwrap().is_empty());
}

async fn the_county_window_is_read_with_the_national_state_and_never_goes_back<S: Store>(
    store: &S,
) {
    assert_eq!(store.read_state().await.unwrap().county_window, None);
    let window = |vintage: &str, print: &str| CountyWindow {
        fingerprint: print.to_string(),
        vintage: date(vintage),
        first_date: date("2021-06-09"),
        last_date: date(vintage),
        rows: 97_393,
    };
    // Written beside the national meta and alerts, read with them.
    assert!(
        store
            .write_meta(&meta(1, &[day("2021-07-08", 1)]), None, None, &[])
            .await
            .unwrap()
    );
    assert!(
        store
            .write_county_window(&window("2021-07-08", "a"))
            .await
            .unwrap()
    );
    let state = store.read_state().await.unwrap();
    assert_eq!(state.county_window, Some(window("2021-07-08", "a")));
    assert_eq!(state.meta.unwrap().version, 1);
    assert!(store.read_series().await.unwrap().is_empty());
    // The same vintage again is taken; an earlier one is not.
    assert!(
        store
            .write_county_window(&window("2021-07-08", "b"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .write_county_window(&window("2021-07-07", "c"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.read_state().await.unwrap().county_window,
        Some(window("2021-07-08", "b"))
    );
}

async fn a_county_listing_is_a_state_s_item_and_the_largest_state_fits<S: Store>(store: &S) {
    use covid_model::{CountyCounts, CountySummary};
    use covid_store::CountyListing;
    let tx = Region::by_id("TX").unwrap();
    assert_eq!(store.read_county_listing(tx).await.unwrap(), None);
    // Texas's 254 counties and its Unknown, each with the longest name NYT uses, a note and
    // every figure: the largest listing there is.
    let first = date("2021-06-01");
    let days: Vec<(NaiveDate, CountyCounts)> = (0..8)
        .map(|i| {
            let counts = CountyCounts {
                cases: 1_234_567 + i * 3_001,
                deaths: Some(23_456 + i * 7),
            };
            (first + chrono::Days::new(i), counts)
        })
        .collect();
    let counties: Vec<CountySummary> = (0..255)
        .map(|i| {
            let id = format!("48{:03}", 2 * i + 1);
            CountySummary {
                note: Some("x".repeat(120)),
                ..CountySummary::of(
                    &id,
                    "Yukon-Koyukuk Census Area",
                    "TX",
                    &days,
                    Some(4_731_145),
                )
            }
        })
        .collect();
    let listing = |vintage: &str| CountyListing {
        vintage: date(vintage),
        rev: 0,
        counties: counties.clone(),
    };
    assert!(
        store
            .write_county_listing(tx, &listing("2021-07-08"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.read_county_listing(tx).await.unwrap(),
        Some(listing("2021-07-08"))
    );
    assert!(
        !store
            .write_county_listing(tx, &listing("2021-07-07"))
            .await
            .unwrap()
    );
    assert!(
        store
            .write_county_listing(tx, &listing("2021-07-09"))
            .await
            .unwrap()
    );
    let bytes = serde_json::to_string(&counties).unwrap().len();
    assert!(
        bytes < 200 * 1024,
        "{bytes} B: half DynamoDB's item limit at most"
    );
    // Not a day of the state's county series, and read with them in one request.
    assert!(
        store
            .read_county_days(tx, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let value = CountyCounts {
        cases: 3,
        deaths: None,
    };
    let day = CountyDayWrite::Insert {
        date: first,
        counties: CountyValues::from([("48001".to_string(), value)]),
    };
    assert_eq!(store.read_county_counter(tx).await.unwrap(), 0);
    assert!(store.write_county_days(tx, &[day], first).await.unwrap());
    let (days, stored) = store.read_county_series(tx).await.unwrap();
    assert_eq!((days.len(), stored), (1, Some(listing("2021-07-09"))));
    // Each transaction of the state's county days moves its counter, which the plan's one
    // read returns with the days from a date on and the listing.
    assert_eq!(store.read_county_counter(tx).await.unwrap(), 1);
    let read = store.read_county_plan(tx, first).await.unwrap();
    assert_eq!(
        (read.days.len(), read.listing.clone(), read.counter),
        (1, Some(listing("2021-07-09")), 1)
    );
    assert!(!read.listing_is_current(), "made before the transaction");
    // A listing is written only when made at the state's counter.
    let at = |rev: u64| CountyListing {
        rev,
        ..listing("2021-07-09")
    };
    assert!(!store.write_county_listing(tx, &at(0)).await.unwrap());
    assert!(store.write_county_listing(tx, &at(1)).await.unwrap());
    let read = store.read_county_plan(tx, first).await.unwrap();
    assert!(read.listing_is_current(), "made at the counter's 1");
    let next = CountyDayWrite::Insert {
        date: first.succ_opt().unwrap(),
        counties: CountyValues::from([("48001".to_string(), value)]),
    };
    assert!(store.write_county_days(tx, &[next], first).await.unwrap());
    let read = store
        .read_county_plan(tx, first.succ_opt().unwrap())
        .await
        .unwrap();
    assert_eq!((read.days.len(), read.counter), (1, 2));
    assert!(!read.listing_is_current(), "a transaction since");
    assert!(!store.write_county_listing(tx, &at(1)).await.unwrap());
    assert_eq!(
        store
            .read_county_listing(Region::by_id("NY").unwrap())
            .await
            .unwrap(),
        None
    );
}

async fn county_changes_are_written_with_their_days_and_read_in_order_from_any_state<S: Store>(
    store: &S,
) {
    let [ny, nj, al] = ["NY", "NJ", "AL"].map(|id| Region::by_id(id).unwrap());
    let insert = |d: &str, values| CountyDayWrite::Insert {
        date: date(d),
        counties: values,
    };
    let (v1, v2) = (date("2021-06-30"), date("2021-07-01"));
    let first = [insert(
        "2021-06-29",
        counties(&[("36047", 5, Some(1)), ("36UNK", 2, None)]),
    )];
    assert!(store.write_county_days(ny, &first, v1).await.unwrap());
    let jersey = [insert("2021-06-29", counties(&[("34001", 1, Some(0))]))];
    assert!(store.write_county_days(nj, &jersey, v2).await.unwrap());
    let alabama = [insert("2021-06-30", counties(&[("01001", 9, Some(0))]))];
    assert!(store.write_county_days(al, &alabama, v2).await.unwrap());
    // Kings revised, Unknown withdrawn, by the next vintage.
    let stored = store.read_county_days(ny, None, None).await.unwrap();
    let revise = [CountyDayWrite::Update {
        stored: stored[0].clone(),
        counties: counties(&[("36047", 6, Some(1))]),
    }];
    assert!(store.write_county_days(ny, &revise, v2).await.unwrap());
    // A refused transaction leaves no batch.
    assert!(!store.write_county_days(ny, &first, v2).await.unwrap());

    // Each month read is a request: the reader is given its last vintage.
    let far = date("2021-12-31");
    let all = store
        .read_county_changes((v1, None), far, usize::MAX)
        .await
        .unwrap();
    let shown: Vec<(NaiveDate, &str, usize)> = all
        .iter()
        .map(|b| (b.vintage, b.state.id, b.changes.len()))
        .collect();
    // By vintage, then state in `Region::all()`'s order (Alabama, New Jersey, New York).
    assert_eq!(
        shown,
        [(v1, "NY", 2), (v2, "AL", 1), (v2, "NJ", 1), (v2, "NY", 2)]
    );
    let counts = |cases, deaths| Some(CountyCounts { cases, deaths });
    assert_eq!(
        all[3].changes,
        [
            (
                "36047".to_string(),
                date("2021-06-29"),
                counts(5, Some(1)),
                counts(6, Some(1))
            ),
            (
                "36UNK".to_string(),
                date("2021-06-29"),
                counts(2, None),
                None
            ),
        ]
    );
    // From a vintage's state on; enough read: the rest of that vintage's state, then stop.
    let from_nj = store
        .read_county_changes((v2, Some(nj)), far, 1)
        .await
        .unwrap();
    assert_eq!(
        from_nj.iter().map(|b| b.state.id).collect::<Vec<_>>(),
        ["NJ"]
    );
    let from_v2 = store.read_county_changes((v2, None), far, 2).await.unwrap();
    assert_eq!(
        from_v2.iter().map(|b| b.state.id).collect::<Vec<_>>(),
        ["AL", "NJ"]
    );
    assert!(
        store
            .read_county_changes((v1, None), v1, usize::MAX)
            .await
            .unwrap()
            .iter()
            .all(|b| b.vintage == v1),
        "until its last vintage"
    );
    // In the month after: its own partition, read on from the month before.
    let august = date("2021-08-02");
    let later = [insert("2021-08-01", counties(&[("36047", 9, Some(2))]))];
    assert!(store.write_county_days(ny, &later, august).await.unwrap());
    let read = store
        .read_county_changes((v2, Some(ny)), far, usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        read.iter().map(|b| b.vintage).collect::<Vec<_>>(),
        [v2, august]
    );
}

async fn the_largest_county_change_batch_fits<S: Store>(store: &S) {
    // Texas's 255 geographies on as many days as a transaction takes, every county day new: the
    // largest batch a run writes (DynamoDB Local refuses an item over 400 KB).
    let tx = Region::by_id("TX").unwrap();
    let first = date("2020-03-01");
    let writes: Vec<CountyDayWrite> = (0..covid_store::MAX_COUNTY_WRITES_PER_BATCH as u64)
        .map(|i| {
            let values: Vec<(String, u64, Option<u64>)> = (0..255u64)
                .map(|c| {
                    (
                        format!("48{:03}", 2 * c + 1),
                        1_000_000 + i * 997 + c,
                        Some(10_000 + c),
                    )
                })
                .collect();
            let values: Vec<(&str, u64, Option<u64>)> = values
                .iter()
                .map(|(id, c, d)| (id.as_str(), *c, *d))
                .collect();
            CountyDayWrite::Insert {
                date: first + chrono::Days::new(i),
                counties: counties(&values),
            }
        })
        .collect();
    assert!(
        store
            .write_county_days(tx, &writes, vintage())
            .await
            .unwrap()
    );
    let read = store
        .read_county_changes((vintage(), None), vintage(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(
        read[0].changes.len(),
        covid_store::MAX_COUNTY_WRITES_PER_BATCH * 255
    );
}
