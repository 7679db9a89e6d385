//! What a read asks for, taken from the request before the handler runs, each refused as a
//! problem: the date range of the query (400), the region of the path (404), and the versions
//! the client holds (`If-None-Match`). A bad request is refused before any read of the data,
//! so it is a 400 or a 404 whatever the store's state.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use chrono::NaiveDate;
use covid_model::Region;

use crate::problem::Problem;

/// `from` and `to`: optional inclusive bounds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Range {
    /// First date, inclusive (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2020-12-01")]
    pub from: Option<NaiveDate>,
    /// Last date, inclusive (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2020-12-31")]
    pub to: Option<NaiveDate>,
}

impl Range {
    /// Parses the query string strictly; unknown parameters are ignored.
    ///
    /// ```
    /// use api::extract::Range;
    /// let range = Range::parse(Some("from=2020-12-01&to=2020-12-31&x=1")).unwrap();
    /// assert_eq!(range.from.unwrap().to_string(), "2020-12-01");
    /// assert!(Range::parse(Some("from=2020-12-31&to=2020-12-01")).is_err());
    /// assert!(Range::parse(Some("from=2021-02-30")).is_err());
    /// ```
    pub fn parse(query: Option<&str>) -> Result<Self, Problem> {
        let mut range = Range::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match name.as_ref() {
                "from" => &mut range.from,
                "to" => &mut range.to,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Problem::bad_request(format!(
                    "`{name}` is given twice: give it once."
                )));
            }
            *slot = Some(parse_date(&name, &value)?);
        }
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            return Err(Problem::bad_request(format!(
                "`from` ({from}) is after `to` ({to}): swap them, or drop one."
            )));
        }
        Ok(range)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Range {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        Range::parse(parts.uri.query())
    }
}

fn parse_date(name: &str, value: &str) -> Result<NaiveDate, Problem> {
    if value.chars().count() > 10 {
        let shown: String = value.chars().take(20).collect();
        return Err(Problem::bad_request(format!(
            "`{name}` is too long ({} characters, starting {shown:?}): give a date as YYYY-MM-DD.",
            value.chars().count()
        )));
    }
    let well_formed = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(Problem::bad_request(format!(
            "`{name}` is {value:?}: give a date as YYYY-MM-DD, e.g. 2020-12-01."
        )));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        Problem::bad_request(format!(
            "`{name}` is {value:?}, which is not a day of the calendar."
        ))
    })
}

/// The region of a `/v1/regions/{id}/…` path: a USPS code in any case; anything else (an
/// unknown code, a hostile string of any length) is a 404 problem, never a 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionPath(pub Region);

impl<S: Send + Sync> FromRequestParts<S> for RegionPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let id = Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| id)
            .unwrap_or_default();
        Region::by_id(&id)
            .map(RegionPath)
            .ok_or_else(|| unknown_region(&id))
    }
}

/// The 404 of a region that is unknown, or has no data.
pub fn unknown_region(id: &str) -> Problem {
    let shown: String = id.chars().take(20).flat_map(char::escape_debug).collect();
    Problem::new(
        StatusCode::NOT_FOUND,
        "Unknown region",
        format!(
            "\"{shown}\" is not a region with data: use `US` or a state's or territory's USPS \
             code (see /v1/regions)."
        ),
    )
}

/// The entity tags the client holds (`If-None-Match`, every header and list item).
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(Vec<String>);

impl IfNoneMatch {
    /// Whether the client holds the version tagged `tag` (weak comparison; `*` matches all).
    pub fn holds(&self, tag: &str) -> bool {
        self.0.iter().any(|candidate| {
            candidate == "*" || candidate.trim_start_matches("W/") == tag.trim_start_matches("W/")
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfNoneMatch(
            parts
                .headers
                .get_all(header::IF_NONE_MATCH)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_string())
                .collect(),
        ))
    }
}
