//! The one error type of the ETL. Every message names where the problem is.

use covid_store::StoreError;

use crate::source::Source;
use crate::transform::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{origin}: {location}: {detail}")]
    Fetch {
        origin: Source,
        location: String,
        detail: String,
    },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("DynamoDB: {0}")]
    Conflict(String),
    #[error("SNS publish to {topic}: {detail}")]
    Publish { topic: String, detail: String },
    #[error("event {event_id} is being processed by another invocation until {until}")]
    InProgress { event_id: String, until: String },
    #[error("Lambda runtime: {0}")]
    Lambda(lambda_runtime::Error),
}

impl Error {
    /// A short machine-readable kind, for logs and alerts.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Fetch { .. } => "fetch",
            Error::Invalid(e) => e.kind.as_str(),
            Error::Store(_) => "store",
            Error::Conflict(_) => "conflict",
            Error::Publish { .. } => "publish",
            Error::InProgress { .. } => "in_progress",
            Error::Lambda(_) => "lambda_runtime",
        }
    }

    /// Where the problem is, as `(label, value)` lines that are safe to publish: which source,
    /// and for data errors its line, column, a short escaped excerpt of the value, and the
    /// date. Never a URL, a table, a topic, an account or a raw error.
    pub fn public_location(&self) -> Vec<(&'static str, String)> {
        self.lines(true)
    }

    /// Where the problem is, in full, for the operator: [`Error::public_location`] with the
    /// source's URL or the topic, and the value as read.
    pub fn location(&self) -> Vec<(&'static str, String)> {
        self.lines(false)
    }

    fn lines(&self, public: bool) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        match self {
            Error::Invalid(e) => {
                lines.push((
                    "Source",
                    e.origin
                        .map_or("the joined series".to_string(), |o| o.to_string()),
                ));
                if let Some(line) = e.line {
                    lines.push(("Line", line.to_string()));
                }
                // The column is one the transform looked for by name: its own text.
                if let Some(column) = &e.column {
                    lines.push(("Column", column.clone()));
                }
                if let Some(value) = &e.value {
                    let shown = if public {
                        excerpt(value)
                    } else {
                        format!("{value:?}")
                    };
                    lines.push(("Value", shown));
                }
                if let Some(date) = e.date {
                    lines.push(("Date", date.to_string()));
                }
            }
            Error::Fetch { origin, .. } if public => lines.push(("Source", origin.to_string())),
            Error::Fetch {
                origin, location, ..
            } => lines.push(("Source", format!("{origin} ({location})"))),
            Error::Store(_) | Error::Conflict(_) => lines.push(("Source", "DynamoDB".to_string())),
            Error::Publish { .. } if public => lines.push(("Source", "SNS".to_string())),
            Error::Publish { topic, .. } => lines.push(("Source", format!("SNS topic {topic}"))),
            Error::Config(_) | Error::InProgress { .. } | Error::Lambda(_) => {}
        }
        lines
    }
}

/// The most characters of a source's text an alert quotes.
pub const EXCERPT_MAX: usize = 40;

/// Text from a source file as a public alert may quote it: at most [`EXCERPT_MAX`] characters,
/// in quotes, every character outside printable ASCII (and every quote and backslash) escaped,
/// so no hostile text (markup, control characters, look-alikes) reaches an email verbatim.
///
/// ```
/// use etl::error::excerpt;
/// assert_eq!(excerpt("-1"), r#""-1""#);
/// assert_eq!(excerpt("a\nb<é>"), r#""a\nb<\u{e9}>""#);
/// assert_eq!(excerpt(&"x".repeat(50)), format!("\"{}\"… (50 characters)", "x".repeat(40)));
/// ```
pub fn excerpt(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars().take(EXCERPT_MAX) {
        if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out.push('"');
    let count = text.chars().count();
    if count > EXCERPT_MAX {
        out.push_str(&format!("… ({count} characters)"));
    }
    out
}
