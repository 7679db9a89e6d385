//! What a read asks for, taken from the request before the handler runs, each refused as a
//! problem: the date range of the query (400), the region of the path (404), and the versions
//! the client holds (`If-None-Match`). A bad request is refused before any read of the data,
//! so it is a 400 or a 404 whatever the store's state.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use chrono::NaiveDate;
use covid_model::{CountyId, Place, Region};

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
    /// The query names it reads.
    pub const NAMES: &'static [&'static str] = &["from", "to"];

    /// Parses the query string strictly; other parameters are left to the others' parsers
    /// (the route's guard, [`crate::query::guarded`], has refused any it does not read).
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

/// The one value of the query parameter `wanted`; refused when given twice.
fn single(query: Option<&str>, wanted: &str) -> Result<Option<String>, Problem> {
    let mut found = None;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name == wanted {
            if found.is_some() {
                return Err(Problem::bad_request(format!(
                    "`{name}` is given twice: give it once."
                )));
            }
            found = Some(value.into_owned());
        }
    }
    Ok(found)
}

/// `as_of`: the data as it stood after the last run whose vintage is on or before this date.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// The series as published on this date (`YYYY-MM-DD`): after the last run whose vintage
    /// (the newest day of its national source) is on or before it. Before the first vintage,
    /// a 404 problem names it.
    #[param(value_type = Option<String>, format = Date, example = "2021-01-15")]
    pub as_of: Option<NaiveDate>,
}

impl AsOf {
    /// The query names it reads.
    pub const NAMES: &'static [&'static str] = &["as_of"];

    /// ```
    /// use api::extract::AsOf;
    /// assert_eq!(AsOf::parse(Some("as_of=2021-01-15")).unwrap().as_of.unwrap().to_string(), "2021-01-15");
    /// assert!(AsOf::parse(Some("as_of=2021-01-15&as_of=2021-01-16")).is_err());
    /// assert!(AsOf::parse(Some("as_of=yesterday")).is_err());
    /// ```
    pub fn parse(query: Option<&str>) -> Result<Self, Problem> {
        Ok(Self {
            as_of: single(query, "as_of")?
                .map(|v| parse_date("as_of", &v))
                .transpose()?,
        })
    }

    /// What it adds to an answer's entity tag.
    pub fn tag(&self) -> String {
        self.as_of.map(|d| format!("-a{d}")).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AsOf {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        AsOf::parse(parts.uri.query())
    }
}

/// Where in the revisions a page starts: the position after the last change of the page
/// before, as `<vintage>~<region or county>~<date>~<n>` (the `n`th change of that day in that
/// vintage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub vintage: NaiveDate,
    /// The region's place in [`Region::all`] (a county's state's).
    pub region: usize,
    /// A county's id; `None`, the region's own (before its counties').
    pub county: Option<CountyId>,
    pub date: NaiveDate,
    pub n: u32,
}

impl Cursor {
    /// The position of `place`'s change of `date` in `vintage`, the `n`th of that day.
    pub fn new(place: Place, vintage: NaiveDate, date: NaiveDate, n: u32) -> Self {
        Self {
            vintage,
            region: place.region().index(),
            county: match place {
                Place::Region(_) => None,
                Place::County(county) => Some(county),
            },
            date,
            n,
        }
    }

    pub fn encode(&self) -> String {
        let id = match &self.county {
            Some(county) => county.as_str(),
            None => Region::all()[self.region].id,
        };
        format!("{}~{id}~{}~{}", self.vintage, self.date, self.n)
    }

    fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split('~');
        let vintage = parts.next()?.parse().ok()?;
        let id = parts.next()?;
        // As `encode` writes it: upper case.
        let place = Place::by_id(id).filter(|p| p.id() == id)?;
        let date = parts.next()?.parse().ok()?;
        let n = parts.next()?.parse().ok()?;
        parts
            .next()
            .is_none()
            .then(|| Self::new(place, vintage, date, n))
    }
}

/// The most changes one page lists, and how many when `limit` is not given.
pub const MAX_PAGE: usize = 5_000;
pub const DEFAULT_PAGE: usize = 2_000;

/// `since`, `cursor` and `limit`: which revisions a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Only changes whose vintage is on or after this date (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2021-01-01")]
    pub since: Option<NaiveDate>,
    /// The page after the one that gave this `meta.next_cursor`:
    /// `<vintage>~<region>~<date>~<n>`.
    #[param(value_type = Option<String>, pattern = "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])~(US|AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|GU|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|MP|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VI|VA|WA|WV|WI|WY|(01|02|04|05|06|08|09|10|11|12|13|66|15|16|17|18|19|20|21|22|23|24|25|26|27|28|29|30|31|32|33|34|35|36|37|38|69|39|40|41|42|72|44|45|46|47|48|49|50|78|51|53|54|55|56)(\\d{3}|UNK)|36NYC|29KSC|29JOP)~\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])~\\d{1,9}$", example = "2021-01-15~NY~2021-01-10~0")]
    pub cursor: Option<Cursor>,
    /// Changes on a page: 1 to 5,000 (default 2,000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 5000, example = 500)]
    pub limit: usize,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            since: None,
            cursor: None,
            limit: DEFAULT_PAGE,
        }
    }
}

impl Page {
    /// The query names it reads.
    pub const NAMES: &'static [&'static str] = &["since", "cursor", "limit"];

    /// ```
    /// use api::extract::Page;
    /// let page = Page::parse(Some("since=2021-01-01&cursor=2021-01-15~NY~2021-01-10~0")).unwrap();
    /// assert_eq!(page.cursor.unwrap().encode(), "2021-01-15~NY~2021-01-10~0");
    /// assert!(Page::parse(Some("cursor=2021-01-15~ZZ~2021-01-10~0")).is_err());
    /// ```
    pub fn parse(query: Option<&str>) -> Result<Self, Problem> {
        let since = single(query, "since")?
            .map(|v| parse_date("since", &v))
            .transpose()?;
        let cursor = match single(query, "cursor")? {
            None => None,
            Some(value) => Some(Cursor::parse(&value).ok_or_else(|| {
                let shown = shown(&value, 40);
                Problem::bad_request(format!(
                    "`cursor` is \"{shown}\", which no page gave: use the `meta.next_cursor` \
                     of the page before, or leave it out for the first page."
                ))
            })?),
        };
        let limit = match single(query, "limit")? {
            None => DEFAULT_PAGE,
            Some(value) => value
                .parse()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    let shown = shown(&value, 20);
                    Problem::bad_request(format!(
                        "`limit` is \"{shown}\": give a whole number from 1 to {MAX_PAGE}."
                    ))
                })?,
        };
        Ok(Self {
            since,
            cursor,
            limit,
        })
    }

    /// What it adds to an answer's entity tag.
    pub fn tag(&self) -> String {
        let mut tag = String::new();
        if let Some(since) = self.since {
            tag.push_str(&format!("-s{since}"));
        }
        if let Some(cursor) = self.cursor {
            tag.push_str(&format!("-c{}", cursor.encode()));
        }
        if self.limit != DEFAULT_PAGE {
            tag.push_str(&format!("-l{}", self.limit));
        }
        tag
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        Page::parse(parts.uri.query())
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

/// What a `/v1/regions/{id}/…` path names: `US`, a USPS code or a county id, in any case;
/// anything else (an unknown code, a hostile string of any length) is a 404 problem, never a
/// 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionPath(pub Place);

/// The `{id}` path parameter in the OpenAPI document, as [`RegionPath`] reads it.
impl utoipa::IntoParams for RegionPath {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(Place::id_pattern()))
            .examples(["NY", "36047", "36NYC"]);
        vec![
            utoipa::openapi::path::ParameterBuilder::new()
                .name("id")
                .parameter_in(utoipa::openapi::path::ParameterIn::Path)
                .required(utoipa::openapi::Required::True)
                .description(Some(
                    "`US`, a state's or territory's USPS code (`NY`, `pr`, …), or a county's \
                     id (`/v1/regions/{id}/counties` lists them): its 5-digit FIPS code \
                     (`36047`), or for NYT's geographies without one the state's FIPS code and \
                     three letters: `36NYC` (New York City), `29KSC` (Kansas City), `29JOP` \
                     (Joplin), `<ss>UNK` (a state's \"Unknown\"). Any case.",
                ))
                .schema(Some(schema))
                .build(),
        ]
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RegionPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let id = Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| id)
            .unwrap_or_default();
        Place::by_id(&id)
            .map(RegionPath)
            .ok_or_else(|| unknown_region(&id))
    }
}

/// A refused value as a problem quotes it: its first `most` characters, escaped.
pub(crate) fn shown(value: &str, most: usize) -> String {
    value
        .chars()
        .take(most)
        .flat_map(char::escape_debug)
        .collect()
}

/// The 404 of a region that is unknown, or has no data.
pub fn unknown_region(id: &str) -> Problem {
    let shown = shown(id, 20);
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
