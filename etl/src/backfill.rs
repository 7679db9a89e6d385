//! `etl backfill`: a dated sequence of the sources' past publications, replayed in vintage order
//! through the same validation and conditional writes as a daily run, so the history it leaves
//! is the one the daily runs would have left. Idempotent and resumable: a publication whose vintage
//! is not after the last stored run's is skipped (it was applied), so a backfill that was
//! interrupted is run again as it was. No alert is sent for a past publication.
//!
//! The sequence is a folder of snapshot folders, replayed in the order of their names (name
//! them by date: `2020-03-01/`, …), each holding NYT's `us.csv` and, to load the states,
//! `us-states.csv`, and the counties, `us-counties.csv`; or a file listing one snapshot per
//! line, `<us.csv> [<us-states.csv>|-] [<us-counties.csv>]` (`-`: none), each an https URL or a
//! path (`#` starts a comment), such as the raw files of the NYT repository at past commits
//! (`us-counties-recent.csv`, its 30-day county window, at each). JHU's files (frozen in March
//! 2023) come from the configuration.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use covid_store::ReadState;
use serde::Serialize;

use crate::error::Error;
use crate::load::Progress;
use crate::pipeline::{Etl, RunFailure};

/// One past publication of the NYT files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// Where it is named in errors and logs: its folder, or its line.
    pub label: String,
    /// NYT `us.csv`.
    pub nyt: String,
    /// NYT `us-states.csv`; `None`: the states are not loaded from this snapshot.
    pub states: Option<String>,
    /// NYT's county file (`us-counties-recent.csv`, or a whole history of its columns);
    /// `None`: no county is loaded from this snapshot.
    pub counties: Option<String>,
}

/// The publications of `path`: a folder of snapshot folders in name order, or a file listing
/// them, one snapshot per line.
pub fn publications(path: &Path) -> Result<Vec<Publication>, Error> {
    let config = |detail: String| Error::Config(format!("backfill {}: {detail}", path.display()));
    if path.is_dir() {
        let mut folders: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| config(e.to_string()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        let found: Vec<Publication> = folders
            .iter()
            .filter(|folder| folder.join("us.csv").is_file())
            .map(|folder| {
                let file = |name: &str| {
                    let path = folder.join(name);
                    path.is_file().then(|| path.display().to_string())
                };
                Publication {
                    label: folder.display().to_string(),
                    nyt: folder.join("us.csv").display().to_string(),
                    states: file("us-states.csv"),
                    counties: file("us-counties.csv"),
                }
            })
            .collect();
        if found.is_empty() {
            return Err(config("no folder in it holds a us.csv".to_string()));
        }
        return Ok(found);
    }
    let text = std::fs::read_to_string(path).map_err(|e| config(e.to_string()))?;
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() > 3 || fields[0] == "-" {
            return Err(config(format!(
                "line {}: {} fields; give `<us.csv> [<us-states.csv>|-] [<us-counties.csv>]`",
                i + 1,
                fields.len()
            )));
        }
        let given = |i: usize| fields.get(i).filter(|f| **f != "-").map(|f| f.to_string());
        found.push(Publication {
            label: format!("{} line {}", path.display(), i + 1),
            nyt: fields[0].to_string(),
            states: given(1),
            counties: given(2),
        });
    }
    if found.is_empty() {
        return Err(config("it lists no snapshot".to_string()));
    }
    Ok(found)
}

/// What a backfill did: the last stdout line of `etl backfill`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BackfillReport {
    /// Snapshots replayed by this backfill.
    pub applied: usize,
    /// Snapshots skipped: their vintage was applied already.
    pub skipped: usize,
    pub first_vintage: Option<NaiveDate>,
    pub last_vintage: Option<NaiveDate>,
    /// Days inserted and revised over every region and publication.
    pub inserted: u64,
    pub updated: u64,
    /// County days new, revised or withdrawn over every publication.
    pub county_days: u64,
    pub dynamodb_requests: u64,
    pub duration_ms: u64,
}

/// The last stdout line of `etl backfill`: `{"status":"ok","applied",…}`.
pub fn report_line(report: &BackfillReport) -> String {
    #[derive(Serialize)]
    struct Line<'a> {
        status: covid_model::RunStatus,
        #[serde(flatten)]
        report: &'a BackfillReport,
    }
    serde_json::to_string(&Line {
        status: covid_model::RunStatus::Ok,
        report,
    })
    .expect("a report serialises")
}

/// Replays `publications` in order through `etl`, without alerts. Stops at the first failure
/// (nothing more is written; a re-run resumes there). A publication whose vintage is not after
/// the one before it in the sequence is refused: the sequence is out of order.
pub async fn replay(etl: &Etl, publications: &[Publication]) -> Result<BackfillReport, RunFailure> {
    let stopwatch = std::time::Instant::now();
    let requests = etl.store().requests();
    let mut report = BackfillReport::default();
    let mut previous: Option<(NaiveDate, &str)> = None;
    for publication in publications {
        let replaying = etl.replaying(
            &publication.nyt,
            publication.states.as_deref(),
            publication.counties.as_deref(),
        );
        let progress = Progress::default();
        let failed = |error: Error, written| {
            tracing::error!(snapshot = %publication.label, kind = error.kind(), %error, written, "backfill stopped");
            RunFailure { error, written }
        };
        let inputs = replaying.inputs().await.map_err(|e| failed(e, 0))?;
        let vintage = inputs.vintage;
        if let Some((before, label)) = previous
            && vintage <= before
        {
            return Err(failed(
                Error::Config(format!(
                    "backfill {}: its vintage {vintage} is not after {before}, the vintage \
                         of {label}: give the snapshots in the order they were published",
                    publication.label
                )),
                0,
            ));
        }
        previous = Some((vintage, &publication.label));
        let applied = replaying
            .store()
            .read_state()
            .await
            .map_err(|e| failed(e.into(), 0))?
            .meta
            .and_then(|m| m.last_run)
            .and_then(|r| r.vintage);
        if applied.is_some_and(|a| vintage <= a) {
            tracing::info!(snapshot = %publication.label, %vintage, "already applied; skipped");
            report.skipped += 1;
            continue;
        }
        let pass = replaying
            .load_sources(inputs, &progress)
            .await
            .map_err(|e| failed(e, progress.written()))?;
        let summary = &pass.report.summary;
        let states = summary.states.unwrap_or_default();
        report.applied += 1;
        report.inserted += summary.inserted + states.inserted;
        report.updated += summary.updated + states.updated;
        if let Some(counties) = &summary.counties {
            report.county_days += counties.new + counties.revised + counties.withdrawn;
        }
        report.first_vintage.get_or_insert(vintage);
        report.last_vintage = Some(vintage);
    }
    report.dynamodb_requests = etl.store().requests() - requests;
    report.duration_ms = stopwatch.elapsed().as_millis() as u64;
    tracing::info!(
        applied = report.applied,
        skipped = report.skipped,
        inserted = report.inserted,
        updated = report.updated,
        county_days = report.county_days,
        dynamodb_requests = report.dynamodb_requests,
        duration_ms = report.duration_ms,
        "backfill ok"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_read_in_name_order_and_a_list_line_by_line() {
        let root = std::env::temp_dir().join(format!("backfill-{}", std::process::id()));
        for (name, states) in [
            ("2020-03-02", true),
            ("2020-03-01", false),
            ("notes", false),
        ] {
            let folder = root.join(name);
            std::fs::create_dir_all(&folder).unwrap();
            if name != "notes" {
                std::fs::write(folder.join("us.csv"), "date,cases,deaths\n").unwrap();
            }
            if states {
                std::fs::write(folder.join("us-states.csv"), "").unwrap();
                std::fs::write(folder.join("us-counties.csv"), "").unwrap();
            }
        }
        let found = publications(&root).unwrap();
        let names: Vec<(bool, bool, bool)> = found
            .iter()
            .map(|s| {
                let given = (s.states.is_some(), s.counties.is_some());
                (s.nyt.contains("2020-03-01"), given.0, given.1)
            })
            .collect();
        assert_eq!(names, [(true, false, false), (false, true, true)]);

        let list = root.join("list.txt");
        std::fs::write(
            &list,
            "# NYT at two commits\nhttps://a/us.csv https://a/us-states.csv\n\nhttps://b/us.csv # no states\n",
        )
        .unwrap();
        let found = publications(&list).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].states.as_deref(), Some("https://a/us-states.csv"));
        assert_eq!(
            (found[1].nyt.as_str(), &found[1].states),
            ("https://b/us.csv", &None)
        );
        assert!(found[1].label.ends_with("line 4"), "{}", found[1].label);

        std::fs::write(
            &list,
            "https://c/us.csv - https://c/us-counties-recent.csv\n",
        )
        .unwrap();
        let found = publications(&list).unwrap();
        assert_eq!(
            (&found[0].states, found[0].counties.as_deref()),
            (&None, Some("https://c/us-counties-recent.csv"))
        );
        std::fs::write(&list, "a b c d\n").unwrap();
        let error = publications(&list).unwrap_err().to_string();
        assert!(error.contains("line 1: 4 fields"), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
