//! Made-up daily publications of the sources, for the history tests and the replay benchmark:
//! the bundled NYT publication cut at each vintage (its rows up to that day), with the last two
//! days under-reported as first publications are (2% and 1% fewer cases and deaths), so every
//! day is published and then revised twice. Real past publications are fewer (13 monthly ones
//! in `data/publications/`, which the demo replays); these give every day of a span.

use std::path::Path;

use chrono::NaiveDate;

/// `count` as first published `age` days after its day: 2% short on the day, 1% the day after.
fn first_published(count: u64, age: i64) -> u64 {
    match age {
        0 => count - count / 50,
        1 => count - count / 100,
        _ => count,
    }
}

/// The bundled NYT file `name` as published on `vintage`, with `counts` the indices of its
/// count columns.
fn cut(name: &str, vintage: NaiveDate, counts: &[usize]) -> String {
    let text = std::fs::read_to_string(crate::snapshot(name)).expect("the bundled snapshot");
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().expect("a header"));
    for line in lines {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        let day: NaiveDate = fields[0].parse().expect("a date");
        if day > vintage {
            continue;
        }
        for &i in counts {
            let count: u64 = fields[i].parse().expect("a count");
            fields[i] = first_published(count, (vintage - day).num_days()).to_string();
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Writes `count` daily snapshots from `first` on under `root`, one folder per vintage
/// (`root/2020-03-08/us.csv`, `us-states.csv`), as `etl backfill` reads them; returns the
/// vintages.
pub fn write_snapshots(root: &Path, first: NaiveDate, count: u64) -> Vec<NaiveDate> {
    let _ = std::fs::remove_dir_all(root);
    let vintages: Vec<NaiveDate> = (0..count).map(|i| first + chrono::Days::new(i)).collect();
    for vintage in &vintages {
        let folder = root.join(vintage.to_string());
        std::fs::create_dir_all(&folder).expect("a snapshot folder");
        std::fs::write(folder.join("us.csv"), cut("nyt-us.csv", *vintage, &[1, 2]))
            .expect("us.csv");
        std::fs::write(
            folder.join("us-states.csv"),
            cut("nyt-us-states.csv", *vintage, &[3, 4]),
        )
        .expect("us-states.csv");
    }
    vintages
}
