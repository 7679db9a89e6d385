//! A county archive file read as it arrives, line by line: from a path or an https URL, gzip
//! decoded when it is gzip, from any line on (a resumed load starts at a line's offset). Only
//! one piece of the body is held at a time, never the file.

use std::io::Write as _;

use flate2::write::MultiGzDecoder;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// The longest line taken (NYT's are under 100 bytes).
pub const MAX_LINE_BYTES: usize = 4 * 1024;
/// The piece of a file read at once.
const PIECE_BYTES: usize = 256 * 1024;

/// One line of the file, without its line end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based.
    pub number: u64,
    /// Where it starts in the (decoded) file.
    pub offset: u64,
    pub text: Vec<u8>,
}

enum Body {
    File(tokio::fs::File),
    Http(reqwest::Response),
}

/// The lines of a file from a given line on.
pub struct Lines {
    body: Body,
    /// Set once the file is seen to be gzip.
    decoder: Option<MultiGzDecoder<Vec<u8>>>,
    /// Whether the first bytes were looked at (gzip or not).
    sniffed: bool,
    /// Decoded bytes, of which `pending[start..]` (from `offset` on) are not yet cut into lines.
    pending: Vec<u8>,
    start: usize,
    /// Decoded bytes still to drop before `offset` (a resume the source could not seek to).
    skip: u64,
    offset: u64,
    number: u64,
    ended: bool,
}

impl Lines {
    /// The lines of the file at `location` from line `number`, which starts at byte `offset` of
    /// the decoded file (1 and 0: the whole file). `client` reads a remote file.
    pub async fn open(
        client: &reqwest::Client,
        location: &str,
        offset: u64,
        number: u64,
    ) -> Result<Self, String> {
        let mut skip = offset;
        let body = if location.starts_with("http://") || location.starts_with("https://") {
            crate::fetch::check_remote(location)?;
            let mut request = client.get(location);
            // A gzip file's offsets are of its decoded bytes: read from its start.
            let ranged = offset > 0 && !location.ends_with(".gz");
            if ranged {
                request = request.header(reqwest::header::RANGE, format!("bytes={offset}-"));
            }
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            if status == reqwest::StatusCode::PARTIAL_CONTENT && ranged {
                let range = response
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !range.starts_with(&format!("bytes {offset}-")) {
                    return Err(format!(
                        "asked for bytes from {offset}, got the range {range:?}"
                    ));
                }
                skip = 0;
            } else if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if content_type.starts_with("text/html") {
                return Err(format!(
                    "got an HTML page (Content-Type {content_type}), not CSV"
                ));
            }
            Body::Http(response)
        } else {
            let path = location.strip_prefix("file://").unwrap_or(location);
            let mut file = tokio::fs::File::open(path)
                .await
                .map_err(|e| format!("cannot read the file: {e}"))?;
            let mut magic = [0u8; 2];
            let gzip = file.read_exact(&mut magic).await.is_ok() && magic == [0x1f, 0x8b];
            let size = file
                .metadata()
                .await
                .map_err(|e| format!("cannot read the file: {e}"))?
                .len();
            if !gzip && size < offset {
                return Err(format!(
                    "the file ends {} bytes before the offset to resume at",
                    offset - size
                ));
            }
            let start = if gzip { 0 } else { offset };
            file.seek(std::io::SeekFrom::Start(start))
                .await
                .map_err(|e| format!("cannot read the file: {e}"))?;
            skip -= start;
            Body::File(file)
        };
        Ok(Self {
            body,
            decoder: None,
            sniffed: false,
            pending: Vec::new(),
            start: 0,
            skip,
            offset,
            number,
            ended: false,
        })
    }

    /// The next line; `None` at the end of the file.
    pub async fn next(&mut self) -> Result<Option<Line>, String> {
        loop {
            let rest = &self.pending[self.start..];
            if let Some(end) = rest.iter().position(|b| *b == b'\n') {
                return Ok(Some(self.cut(end, end + 1)));
            }
            if rest.len() > MAX_LINE_BYTES {
                return Err(format!(
                    "line {} is longer than {MAX_LINE_BYTES} bytes: not a county file",
                    self.number
                ));
            }
            if self.ended {
                if rest.is_empty() {
                    return Ok(None);
                }
                let end = rest.len();
                return Ok(Some(self.cut(end, end)));
            }
            self.fill().await?;
        }
    }

    /// The line of the next `end` bytes, `next` bytes consumed.
    fn cut(&mut self, end: usize, next: usize) -> Line {
        let line = &self.pending[self.start..self.start + end];
        let text = line.strip_suffix(b"\r").unwrap_or(line).to_vec();
        let line = Line {
            number: self.number,
            offset: self.offset,
            text,
        };
        self.start += next;
        self.offset += next as u64;
        self.number += 1;
        line
    }

    /// Reads the next piece of the body into `pending` (decoded, the resume's bytes dropped).
    async fn fill(&mut self) -> Result<(), String> {
        let piece = match &mut self.body {
            Body::File(file) => {
                let mut piece = vec![0u8; PIECE_BYTES];
                let n = file
                    .read(&mut piece)
                    .await
                    .map_err(|e| format!("cannot read the file: {e}"))?;
                piece.truncate(n);
                piece
            }
            Body::Http(response) => response
                .chunk()
                .await
                .map_err(|e| format!("the body broke off: {e}"))?
                .map(|b| b.to_vec())
                .unwrap_or_default(),
        };
        let finished = piece.is_empty();
        if !self.sniffed && !finished {
            self.sniffed = true;
            if piece.starts_with(&[0x1f, 0x8b]) {
                self.decoder = Some(MultiGzDecoder::new(Vec::new()));
            }
        }
        let mut decoded = match &mut self.decoder {
            Some(decoder) => {
                let bad = |e: std::io::Error| format!("bad gzip data: {e}");
                if finished {
                    decoder.try_finish().map_err(bad)?;
                } else {
                    decoder.write_all(&piece).map_err(bad)?;
                }
                std::mem::take(decoder.get_mut())
            }
            None => piece,
        };
        self.ended = finished;
        let dropped = self.skip.min(decoded.len() as u64);
        decoded.drain(..dropped as usize);
        self.skip -= dropped;
        if self.ended && self.skip > 0 {
            return Err(format!(
                "the file ends {} bytes before the offset to resume at",
                self.skip
            ));
        }
        // What was cut is let go once per piece, not once per line.
        self.pending.drain(..self.start);
        self.start = 0;
        self.pending.extend_from_slice(&decoded);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn all(lines: &mut Lines) -> Vec<Line> {
        let mut out = Vec::new();
        while let Some(line) = lines.next().await.unwrap() {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn lines_are_numbered_and_a_resume_starts_at_a_line_in_plain_and_gzip_files() {
        let dir = std::env::temp_dir().join(format!("archive-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = "date,cases\r\n2020-01-21,1\n2020-01-22,2\n2020-01-23,3";
        let plain = dir.join("h.csv");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.join("h.csv.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
        let fetcher =
            crate::fetch::Fetcher::new(std::time::Duration::from_secs(5), 1 << 20).unwrap();
        let client = fetcher.stream_client();
        for path in [&plain, &gz] {
            let location = path.display().to_string();
            let mut lines = Lines::open(client, &location, 0, 1).await.unwrap();
            let read = all(&mut lines).await;
            assert_eq!(read.len(), 4, "{location}");
            assert_eq!(read[0].text, b"date,cases", "the CR dropped");
            assert_eq!(
                (read[3].number, read[3].text.as_slice()),
                (4, &b"2020-01-23,3"[..])
            );
            let third = &read[2];
            let mut resumed = Lines::open(client, &location, third.offset, third.number)
                .await
                .unwrap();
            assert_eq!(all(&mut resumed).await, read[2..].to_vec(), "{location}");
            let past = Lines::open(client, &location, text.len() as u64 + 5, 9).await;
            let error = match past {
                Ok(mut lines) => lines.next().await.unwrap_err(),
                Err(e) => e,
            };
            assert!(error.contains("before the offset"), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A host that ignores `Range` answers the whole file (200): the lines before the resume
    /// are read and dropped. A range it answers from elsewhere is refused.
    #[tokio::test]
    async fn a_resume_from_a_host_without_ranges_drops_what_comes_before() {
        use testkit::{HttpStub, Reply};
        let text = "date,cases\n2020-01-21,1\n2020-01-22,2\n";
        let fetcher =
            crate::fetch::Fetcher::new(std::time::Duration::from_secs(5), 1 << 20).unwrap();
        let whole = HttpStub::start(vec![Reply::ok(text)]);
        let offset = "date,cases\n2020-01-21,1\n".len() as u64;
        let mut lines = Lines::open(
            fetcher.stream_client(),
            &whole.url("/us-counties.csv"),
            offset,
            3,
        )
        .await
        .unwrap();
        let read = all(&mut lines).await;
        assert_eq!(read.len(), 1);
        assert_eq!((read[0].number, read[0].offset), (3, offset));
        assert_eq!(read[0].text, b"2020-01-22,2");

        let elsewhere = HttpStub::start(vec![
            Reply::status(206, &text[4..]).header("Content-Range", "bytes 4-37/38"),
        ]);
        let error = Lines::open(
            fetcher.stream_client(),
            &elsewhere.url("/us-counties.csv"),
            offset,
            3,
        )
        .await
        .err()
        .unwrap();
        assert!(error.contains("got the range"), "{error}");
    }
}
