//! The load on the in-memory store: diff, nothing new, batches, lost conditions, failures and
//! their announcement, the meta version loop, merging many change records.

use covid_store::MemoryStore;

use super::*;

/// `n` days from 2020-03-01 (the store tests' series), cases raised by `bump`.
pub(crate) fn series(n: u64, bump: u64) -> Vec<Day> {
    let start = NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
    (0..n)
        .map(|i| Day {
            date: start + chrono::Days::new(i),
            cases: 10 * i + bump,
            deaths: Some(i),
            recovered: None,
        })
        .collect()
}

async fn run(store: &MemoryStore, source: &[Day]) -> (Result<LoadOutcome, Error>, u64) {
    let state = store.read_state().await.unwrap();
    let progress = Progress::default();
    let result = load_series(
        store,
        &Wanted::days(source, &announce),
        &state,
        Utc::now(),
        &progress,
    )
    .await;
    (result, progress.written())
}

fn announce(a: &Announcement, series: &[Day], unchanged: u64) -> Option<OutboxMessage> {
    Some(crate::alerts::updated(a, series, unchanged).into_message(Utc::now()))
}

fn announced(outcome: &LoadOutcome) -> (u64, u64) {
    let counts = &outcome.alert.as_ref().expect("an updated alert").counts;
    (counts["new_days"], counts["revised_days"])
}

#[test]
fn diff_tells_inserts_updates_and_equal_days() {
    let stored: BTreeMap<NaiveDate, StoredDay> = series(3, 0)
        .into_iter()
        .map(|day| {
            (
                day.date,
                StoredDay {
                    rev: 2,
                    ..StoredDay::first(day, day.date)
                },
            )
        })
        .collect();
    let mut source = series(4, 0);
    source[1].cases += 1;
    let (writes, unchanged) = diff(&source, &stored, source[3].date).unwrap();
    assert_eq!(unchanged, 2);
    assert_eq!(
        writes,
        [
            DayWrite::Update {
                stored: stored[&source[1].date].clone(),
                new: source[1]
            },
            DayWrite::Insert(source[3]),
        ]
    );
}

#[tokio::test]
async fn nothing_new_needs_the_same_series_and_no_unannounced_change() {
    let store = MemoryStore::new();
    let source = series(5, 0);
    run(&store, &source).await.0.unwrap();
    let state = store.read_state().await.unwrap();
    let wanted = |days| Wanted::days(days, &announce);
    assert!(is_unchanged(&state, &wanted(&source)));
    let other = series(5, 1);
    assert!(!is_unchanged(&state, &wanted(&other)), "other values");
    assert!(!is_unchanged(&state, &wanted(&source[..4])), "fewer days");
    let with_regions = Wanted {
        scope: Scope::National {
            announce: &announce,
            regions_fingerprint: Some("0123"),
            levels: None,
        },
        ..wanted(&source)
    };
    assert!(
        !is_unchanged(&state, &with_regions),
        "states not loaded yet"
    );
    let with_population = Wanted {
        population: Some(1000),
        ..wanted(&source)
    };
    assert!(!is_unchanged(&state, &with_population), "no population yet");
    let mut unannounced = state.clone();
    unannounced.changes.push(ChangeRecord::of(
        covid_model::US,
        &[DayWrite::Insert(source[0])],
        Utc::now(),
    ));
    assert!(
        !is_unchanged(&unannounced, &wanted(&source)),
        "a change awaits its announcement"
    );
    assert!(!is_unchanged(&SeriesState::default(), &wanted(&source)));

    let before = store.requests();
    let (outcome, written) = run(&store, &source).await;
    let outcome = outcome.unwrap();
    assert_eq!((outcome.unchanged, written, outcome.alert), (5, 0, None));
    assert_eq!(
        store.requests() - before,
        2,
        "the state read and the run record"
    );
}

#[tokio::test]
async fn an_initial_load_writes_in_batches_and_announces_each_day_once() {
    let store = MemoryStore::new();
    let source = series(250, 0);
    let (outcome, written) = run(&store, &source).await;
    let outcome = outcome.unwrap();
    assert_eq!((outcome.inserted, written), (250, 250));
    assert_eq!(announced(&outcome), (250, 0));
    let contents = store.contents();
    assert!(contents.changes.is_empty(), "announced records are deleted");
    assert_eq!(contents.outbox.len(), 1, "the alert waits for publishing");
    let meta = contents.meta.unwrap();
    assert_eq!((meta.count, meta.version), (250, 1));
    assert_eq!(meta.fingerprint, fingerprint(&source));
}

#[tokio::test]
async fn a_failed_load_tells_what_it_wrote_and_the_next_announces_it() {
    let store = MemoryStore::new();
    let source = series(250, 0);
    store.fail_after_writes(1);
    let (outcome, written) = run(&store, &source).await;
    assert!(matches!(outcome, Err(Error::Store(_))), "{outcome:?}");
    let contents = store.contents();
    assert_eq!(written, contents.days.len() as u64);
    assert_eq!(
        written, MAX_WRITES_PER_BATCH as u64,
        "one transaction went through"
    );
    assert!(
        contents.meta.is_none(),
        "the meta is never ahead of the days"
    );
    assert_eq!(contents.changes.len(), 1);

    store.heal();
    let mut revised = source.clone();
    revised[0].cases += 5;
    let (outcome, _) = run(&store, &revised).await;
    let outcome = outcome.unwrap();
    assert_eq!((outcome.inserted, outcome.updated), (151, 1));
    assert_eq!(
        announced(&outcome),
        (250, 0),
        "a day first written by a failed run is new, with its final values"
    );
    let (outcome, _) = run(&store, &revised).await;
    assert_eq!(outcome.unwrap().alert, None, "nothing twice");
}

#[tokio::test]
async fn a_lost_condition_is_re_read_and_resolved() {
    let store = MemoryStore::new();
    let source = series(3, 0);
    run(&store, &source[..2]).await.0.unwrap();
    // Another writer stores the same new day, and a revision of day 0, first.
    let mut theirs = source.clone();
    theirs[0].cases += 7;
    let mine = {
        let mut mine = source.clone();
        mine[0].cases += 1;
        mine
    };
    let mut once = Some(theirs.clone());
    store.before_each_write(move |c| {
        if let Some(theirs) = once.take() {
            c.days
                .insert(theirs[2].date, StoredDay::first(theirs[2], theirs[2].date));
            let rev = c.days[&theirs[0].date].rev + 1;
            c.days.insert(
                theirs[0].date,
                StoredDay {
                    rev,
                    ..StoredDay::first(theirs[0], theirs[0].date)
                },
            );
        }
    });
    let (outcome, _) = run(&store, &mine).await;
    let outcome = outcome.unwrap();
    // Day 2 was already there with our values; day 0 is written over their revision.
    assert_eq!(
        (outcome.inserted, outcome.updated, outcome.unchanged),
        (0, 1, 2)
    );
    let day0 = store.contents().days[&source[0].date].clone();
    assert_eq!((day0.day, day0.rev), (mine[0], 3));
}

#[test]
fn diff_refuses_to_replace_a_value_of_a_later_vintage() {
    let days = series(2, 0);
    let later = days[1].date + chrono::Days::new(1);
    let stored: BTreeMap<NaiveDate, StoredDay> = days
        .iter()
        .map(|day| (day.date, StoredDay::first(*day, later)))
        .collect();
    // Equal values are no write, whatever their vintage.
    assert_eq!(diff(&days, &stored, days[1].date).unwrap().1, 2);
    let mut older = days.clone();
    older[1].cases -= 1;
    let error = diff(&older, &stored, days[1].date).unwrap_err();
    assert_eq!(error.kind(), "regression", "{error}");
    let text = error.to_string();
    assert!(
        text.contains(&format!("(date {})", days[1].date))
            && text.contains(&format!(
                "before {later}, the vintage of the data already stored"
            )),
        "{text}"
    );
}

#[tokio::test]
async fn a_run_that_finds_a_later_vintage_written_under_it_stops_and_keeps_it() {
    let store = MemoryStore::new();
    let source = series(3, 0);
    run(&store, &source).await.0.unwrap();
    let vintage = source[2].date;
    // A run of the next vintage revises day 0 while this one (of `vintage`) writes it.
    let mut theirs = source[0];
    theirs.cases += 7;
    let mut once = Some(theirs);
    store.before_each_write(move |c| {
        if let Some(theirs) = once.take() {
            let stored = c.days[&theirs.date].revised(theirs, vintage + chrono::Days::new(1));
            c.days.insert(theirs.date, stored);
        }
    });
    let mut mine = source.clone();
    mine[0].cases += 1;
    let state = store.read_state().await.unwrap();
    let error = load_series(
        &store,
        &Wanted::days(&mine, &announce).at(vintage),
        &state,
        Utc::now(),
        &Progress::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), "regression", "{error}");
    // The later value stays, with the value it replaced in its history.
    let day0 = store.contents().days[&source[0].date].clone();
    assert_eq!(day0.day, theirs);
    assert_eq!(day0.vintage, Some(vintage + chrono::Days::new(1)));
    assert_eq!(day0.earlier.len(), 1);
    assert_eq!(day0.earlier[0].day, source[0]);
}

#[tokio::test]
async fn a_day_that_keeps_changing_is_given_up_after_max_tries() {
    let store = MemoryStore::new();
    let source = series(1, 0);
    let mut n = 0;
    store.before_each_write(move |c| {
        n += 1;
        let day = Day {
            cases: 1000 + n,
            ..source[0]
        };
        let rev = c.days.get(&day.date).map_or(1, |s| s.rev + 1);
        c.days.insert(
            day.date,
            StoredDay {
                rev,
                ..StoredDay::first(day, day.date)
            },
        );
    });
    let (outcome, written) = run(&store, &series(1, 0)).await;
    let error = outcome.unwrap_err().to_string();
    assert!(
        error.contains("kept changing under concurrent writers (5 tries)"),
        "{error}"
    );
    assert_eq!(written, 0);
}

#[tokio::test]
async fn a_concurrent_meta_write_is_retried_and_records_are_announced_once() {
    let store = MemoryStore::new();
    run(&store, &series(3, 0)).await.0.unwrap();
    let state = store.read_state().await.unwrap();
    // Another run's meta write lands after this run's read (once).
    let mut once = true;
    store.before_each_write(move |c| {
        if once && c.changes.len() == 1 {
            once = false;
            let meta = c.meta.as_mut().unwrap();
            meta.version += 1;
        }
    });
    let progress = Progress::default();
    let outcome = load_series(
        &store,
        &Wanted::days(&series(4, 0), &announce),
        &state,
        Utc::now(),
        &progress,
    )
    .await
    .unwrap();
    assert_eq!(announced(&outcome), (1, 0));
    let meta = store.contents().meta.unwrap();
    assert_eq!(
        (meta.version, meta.count),
        (3, 4),
        "written over the other run's version"
    );
    assert!(store.contents().changes.is_empty());
}

#[tokio::test]
async fn more_records_than_one_meta_write_takes_are_merged_first() {
    let store = MemoryStore::new();
    // 150 failed runs of one new day each leave 150 records.
    let source = series(150, 0);
    for day in &source {
        store
            .write_days(&[DayWrite::Insert(*day)], day.date)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(store.contents().changes.len(), 150);
    let (outcome, written) = run(&store, &source).await;
    let outcome = outcome.unwrap();
    assert_eq!((outcome.inserted, written), (0, 0));
    assert_eq!(announced(&outcome), (150, 0));
    assert!(store.contents().changes.is_empty());
}
