//! A county archive file in blocks of whole dates: the lines of up to [`BLOCK_DATES`] consecutive
//! dates, parsed and validated as a county file of their own (the same rules as a daily
//! window's), each county keeping its name from block to block. A block is what one load step
//! holds in memory: a daily window's size, whatever the size of the file.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::stream::{Line, Lines};
use crate::error::Error;
use crate::source::Source;
use crate::transform::{self, County, CountySeries};

/// The most dates in a block: NYT's daily window's 30, so an archive's block takes what a
/// daily run takes (memory, and a transaction of each state's days).
pub const BLOCK_DATES: usize = 30;
/// The most bytes of a block (the daily county file's cap).
pub const MAX_BLOCK_BYTES: usize = crate::config::MAX_COUNTY_BODY_BYTES as usize;

/// Where an archive file is taken up again: the first line of a block not yet loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The line's number (1-based) and its offset in the decoded file.
    pub line: u64,
    pub offset: u64,
    /// The file's header line (its columns), read at its start.
    pub header: String,
    /// The date of the line before: the file goes on from it.
    pub after: NaiveDate,
}

/// The rows of up to [`BLOCK_DATES`] whole dates of an archive file, validated.
#[derive(Debug)]
pub struct Block {
    pub series: CountySeries,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub rows: u64,
    /// Where the next block starts; `None`: this is the file's last.
    pub next: Option<Resume>,
}

/// The blocks of one archive file.
pub struct Blocks {
    location: String,
    lines: Lines,
    header: Vec<u8>,
    vintage: NaiveDate,
    /// The first line of the next block, read ahead.
    held: Option<Line>,
    after: Option<NaiveDate>,
    /// Every county of the blocks read so far.
    known: BTreeMap<String, County>,
}

impl Blocks {
    /// The blocks of the file at `location` from `resume` (`None`: its start), none of its
    /// days after `vintage`.
    pub async fn open(
        client: &reqwest::Client,
        location: &str,
        vintage: NaiveDate,
        resume: Option<&Resume>,
    ) -> Result<Self, Error> {
        let fetch = |detail: String| Error::Fetch {
            origin: Source::NytCounties,
            location: location.to_string(),
            detail,
        };
        let (offset, number) = resume.map_or((0, 1), |r| (r.offset, r.line));
        let mut lines = Lines::open(client, location, offset, number)
            .await
            .map_err(fetch)?;
        let header = match resume {
            Some(resume) => resume.header.clone().into_bytes(),
            None => match lines.next().await.map_err(fetch)? {
                Some(line) => line.text,
                None => return Err(transform::empty_county_file().into()),
            },
        };
        transform::check_archive_header(&header)?;
        Ok(Self {
            location: location.to_string(),
            lines,
            header,
            vintage,
            held: None,
            after: resume.map(|r| r.after),
            known: BTreeMap::new(),
        })
    }

    /// Every county of the blocks read so far, by id.
    pub fn known(&self) -> &BTreeMap<String, County> {
        &self.known
    }

    /// The next block; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Block>, Error> {
        let fetch = |detail: String| Error::Fetch {
            origin: Source::NytCounties,
            location: self.location.clone(),
            detail,
        };
        let mut bytes = self.header.clone();
        bytes.push(b'\n');
        let (mut first_line, mut dates, mut rows) = (None, Vec::<NaiveDate>::new(), 0u64);
        let mut next = None;
        loop {
            let line = match self.held.take() {
                Some(line) => line,
                None => match self.lines.next().await.map_err(fetch)? {
                    Some(line) => line,
                    None => break,
                },
            };
            if line.text.trim_ascii().is_empty() {
                // Kept within a block, so that its rows keep their line numbers.
                if first_line.is_some() {
                    bytes.push(b'\n');
                }
                continue;
            }
            let date =
                transform::archive_line_date(line.number, &line.text, self.after, self.vintage)?;
            if dates.last() != Some(&date) {
                if dates.len() == BLOCK_DATES {
                    next = Some(Resume {
                        line: line.number,
                        offset: line.offset,
                        header: String::from_utf8_lossy(&self.header).into_owned(),
                        after: self.after.expect("a date before"),
                    });
                    self.held = Some(line);
                    break;
                }
                dates.push(date);
            }
            self.after = Some(date);
            first_line.get_or_insert(line.number);
            rows += 1;
            bytes.extend_from_slice(&line.text);
            bytes.push(b'\n');
            if bytes.len() > MAX_BLOCK_BYTES {
                return Err(fetch(format!(
                    "the {} dates from {} are over {} MiB (line {}): not a county file",
                    dates.len(),
                    dates[0],
                    MAX_BLOCK_BYTES / (1024 * 1024),
                    line.number
                )));
            }
        }
        let Some(first_line) = first_line else {
            return Ok(None);
        };
        let series = transform::parse_county_block(&bytes, first_line, &self.known)?;
        for (id, (county, _)) in &series {
            self.known
                .entry(id.clone())
                .or_insert_with(|| county.clone());
        }
        Ok(Some(Block {
            series,
            first: dates[0],
            last: *dates.last().expect("a date"),
            rows,
            next,
        }))
    }
}
