use covid_store::MemoryStore;

use super::*;

const HEADER: &str = "date,county,state,fips,cases,deaths\n";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// An archive file of `dates` days from 2020-03-01, three counties a day (one of them from the
/// 20th day on), written to a file.
fn archive(name: &str, dates: usize) -> (String, String) {
    let mut text = HEADER.to_string();
    let start = day("2020-03-01");
    for i in 0..dates {
        let date = start + chrono::Duration::days(i as i64);
        let n = i as u64;
        text.push_str(&format!(
            "{date},Kings,New York,36047,{},{}\n",
            10 + n,
            n / 3
        ));
        text.push_str(&format!(
            "{date},New York City,New York,,{},{}\n",
            50 + n,
            n / 2
        ));
        if i >= 20 {
            text.push_str(&format!("{date},Adjuntas,Puerto Rico,72001,{},\n", n));
        }
    }
    let dir = std::env::temp_dir().join(format!("archive-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("us-counties.csv");
    std::fs::write(&path, &text).unwrap();
    (path.display().to_string(), text)
}

async fn blocks(path: &str, vintage: &str, resume: Option<&Resume>) -> Result<Blocks, Error> {
    let fetcher = crate::fetch::Fetcher::new(std::time::Duration::from_secs(5), 1 << 20).unwrap();
    Blocks::open(fetcher.stream_client(), path, day(vintage), resume).await
}

/// The validation error that refuses the file `path` (under `vintage`) once `good` blocks
/// were read.
async fn refused(path: &str, vintage: &str, good: usize) -> transform::ValidationError {
    let mut read = blocks(path, vintage, None).await.unwrap();
    for _ in 0..good {
        read.next().await.unwrap();
    }
    match read.next().await.unwrap_err() {
        Error::Invalid(e) => e,
        other => panic!("a validation error, not {other}"),
    }
}

#[tokio::test]
async fn blocks_hold_whole_dates_and_a_resume_takes_up_at_the_next_block() {
    let (path, _) = archive("blocks", 75);
    let mut read = blocks(&path, "2020-06-01", None).await.unwrap();
    let mut firsts = Vec::new();
    let mut rows = 0;
    let mut resumes = Vec::new();
    while let Some(block) = read.next().await.unwrap() {
        firsts.push((block.first, block.last));
        rows += block.rows;
        resumes.extend(block.next);
    }
    assert_eq!(firsts.len(), 3, "75 dates in blocks of {BLOCK_DATES}");
    assert_eq!(firsts[0], (day("2020-03-01"), day("2020-03-30")));
    assert_eq!(firsts[2].1, day("2020-05-14"));
    assert_eq!(rows, 75 * 2 + 55);
    assert_eq!(read.known().len(), 3);
    // Line 2 is the first row; block 2 starts at the 31st date's first row.
    assert_eq!(resumes[0].line, 2 + 30 * 2 + 10);
    assert_eq!(resumes[0].after, day("2020-03-30"));
    let mut again = blocks(&path, "2020-06-01", Some(&resumes[1]))
        .await
        .unwrap();
    let block = again.next().await.unwrap().unwrap();
    assert_eq!((block.first, block.next), (day("2020-04-30"), None));
    assert!(again.next().await.unwrap().is_none());
}

#[tokio::test]
async fn a_bad_row_is_located_by_its_line_in_the_file_and_order_and_vintage_are_checked() {
    let (path, text) = archive("bad", 40);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 75, a row of Kings in the second block (it starts on line 72).
    lines[74] = lines[74].replace(",Kings,", ",Queens,");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let e = refused(&path, "2020-06-01", 1).await;
    assert_eq!(
        (e.kind, e.line, e.value.as_deref()),
        (
            transform::InvalidKind::RegionMismatch,
            Some(75),
            Some("Queens")
        ),
        "{e}"
    );

    let (path, text) = archive("order", 5);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.swap(3, 6);
    std::fs::write(&path, lines.join("\n")).unwrap();
    let e = refused(&path, "2020-06-01", 0).await;
    assert_eq!(
        (e.kind, e.line),
        (transform::InvalidKind::OutOfOrder, Some(5)),
        "{e}"
    );

    let (path, _) = archive("vintage", 5);
    let e = refused(&path, "2020-03-03", 0).await;
    assert_eq!(
        (e.kind, e.line),
        (transform::InvalidKind::BadDate, Some(8)),
        "{e}"
    );
    assert!(e.to_string().contains("after 2020-03-03"), "{e}");
}

#[tokio::test]
async fn a_load_cut_by_its_deadline_resumes_and_converges_and_a_second_load_writes_nothing() {
    let (path, _) = archive("load", 75);
    let store = MemoryStore::new();
    let vintage = day("2020-06-01");
    // A deadline already passed: one block a step.
    let mut resume = None;
    let mut steps = 0;
    let mut new = 0;
    loop {
        let read = blocks(&path, "2020-06-01", resume.as_ref()).await.unwrap();
        let (run, _, loaded, next) = load(&store, read, vintage, Some(Instant::now()))
            .await
            .unwrap();
        assert_eq!(loaded, 1);
        new += run.new;
        steps += 1;
        resume = next;
        if resume.is_none() {
            break;
        }
    }
    assert_eq!((steps, new), (3, 75 * 2 + 55));
    let ny = Region::by_id("NY").unwrap();
    let stored = store.read_county_days(ny, None, None).await.unwrap();
    assert_eq!(stored.len(), 75);
    assert_eq!(stored[74].counties["36047"].cases, 84);
    assert!(stored.iter().all(|d| d.created == vintage));
    let pr = Region::by_id("PR").unwrap();
    let adjuntas = store.read_county_days(pr, None, None).await.unwrap();
    assert_eq!(
        (adjuntas.len(), adjuntas[0].counties["72001"].deaths),
        (55, None)
    );

    let read = blocks(&path, "2020-06-01", None).await.unwrap();
    let (run, rows, loaded, next) = load(&store, read, vintage, None).await.unwrap();
    assert_eq!(
        (run.new, run.revised, run.items),
        (0, 0, 0),
        "nothing left to write"
    );
    assert_eq!((rows, loaded, next), (205, 3, None));
}

/// A listing made after an archive whose vintage is older than the stored listing's (a daily
/// window loaded first) is written, of every stored day, and keeps the later vintage.
#[tokio::test]
async fn listings_after_an_older_archive_are_written_and_keep_the_later_vintage() {
    use covid_store::CountyListing;
    let (path, _) = archive("older", 40);
    let store = MemoryStore::new();
    let ny = Region::by_id("NY").unwrap();
    let later = day("2021-07-08");
    let stored = CountyListing {
        vintage: later,
        rev: 0,
        counties: Vec::new(),
    };
    assert!(store.write_county_listing(ny, &stored).await.unwrap());
    let read = blocks(&path, "2020-06-01", None).await.unwrap();
    load(&store, read, day("2020-06-01"), None).await.unwrap();
    let names = BTreeMap::from([
        ("36047".to_string(), "Kings".to_string()),
        ("36NYC".to_string(), "New York City".to_string()),
    ]);
    let names = county_listing::Names {
        names: &names,
        populations: &BTreeMap::new(),
    };
    let written = county_listing::write(&store, vec![ny], &names, day("2020-06-01"))
        .await
        .unwrap();
    assert_eq!(written, 1);
    let listing = store.read_county_listing(ny).await.unwrap().unwrap();
    assert_eq!(listing.vintage, later);
    let kings = &listing.counties[0];
    assert_eq!((kings.id.as_str(), kings.count), ("36047", 40));
}

#[tokio::test]
async fn a_file_whose_first_column_is_not_its_date_is_refused_at_its_header() {
    let (path, text) = archive("header", 3);
    let swapped: Vec<String> = text
        .lines()
        .map(|line| {
            let (date, rest) = line.split_once(',').unwrap();
            let (county, rest) = rest.split_once(',').unwrap();
            format!("{county},{date},{rest}")
        })
        .collect();
    std::fs::write(&path, swapped.join("\n")).unwrap();
    let Err(Error::Invalid(e)) = blocks(&path, "2020-06-01", None).await else {
        panic!("a validation error")
    };
    assert_eq!(
        (e.kind, e.line, e.column.as_deref()),
        (transform::InvalidKind::MissingColumn, Some(1), Some("date")),
        "{e}"
    );
}

#[tokio::test]
async fn a_bad_row_after_a_blank_line_is_named_by_its_own_line() {
    let (path, text) = archive("blank", 10);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.insert(5, String::new());
    // Line 9 (after the blank line 6): a count that is not one.
    let mut fields: Vec<&str> = lines[8].split(',').collect();
    fields[4] = "1x";
    lines[8] = fields.join(",");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let e = refused(&path, "2020-06-01", 0).await;
    assert_eq!(
        (e.kind, e.line),
        (transform::InvalidKind::BadCount, Some(9)),
        "{e}"
    );
}
