//! The revisions: every change of a published value, `{"region","date","vintage","kind",
//! "before","after"}`, in vintage order, paged with a cursor, as JSON or CSV. A region's or
//! county's from the histories the cache holds (a region's costs its one read, a county's its
//! state's); every region's one read per region, and the counties' from the change batches
//! each county transaction wrote (`county_revisions.rs`).

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use covid_model::{
    Counts, Place, Region, Revision, RevisionKind, RevisionsMeta, RevisionsResponse,
};
use futures::{StreamExt, TryStreamExt};

use crate::App;
use crate::answer::{Answer, Body, json};
use crate::answer::{SOURCE, csv_cell, snapshot, unavailable};
use crate::cache::{REGIONS_IN_FLIGHT, RegionSeries, Snapshot};
use crate::county_revisions::county_changes_after;
use crate::extract::{Cursor, IfNoneMatch, Page, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{BadRange, NotModified, Unavailable, UnknownRegion};
use crate::regions::{region_tag, with_data};

/// `series`' changes, each with its place in the order of every region's changes.
fn placed(series: &RegionSeries) -> Vec<(Cursor, Revision)> {
    let mut placed: Vec<(Cursor, Revision)> = Vec::new();
    for change in covid_model::revisions(series.place.id(), &series.history) {
        // The how-manyth change of this day in this vintage.
        let n = match placed.last() {
            Some((c, last)) if last.vintage == change.vintage && last.date == change.date => {
                c.n + 1
            }
            _ => 0,
        };
        let cursor = Cursor::new(series.place, change.vintage, change.date, n);
        placed.push((cursor, change));
    }
    placed
}

/// Every region's changes in cursor order, made once per version of the data (named by the
/// tags of every region's series) and shared by the requests of that version.
#[derive(Default)]
pub struct Held(Mutex<Option<(String, Placed)>>);

/// Changes, each with its place in the order of every region's changes.
type Placed = Arc<[(Cursor, Revision)]>;

impl Held {
    fn get(&self, tag: &str, make: impl FnOnce() -> Vec<(Cursor, Revision)>) -> Placed {
        let mut held = self.0.lock().expect("revisions lock");
        match &*held {
            Some((made_for, changes)) if made_for == tag => changes.clone(),
            _ => {
                let changes: Placed = make().into();
                *held = Some((tag.to_string(), changes.clone()));
                changes
            }
        }
    }
}

/// One page of `changes` (in cursor order) after `page.cursor`, with the next page's cursor.
fn page_of(changes: &[(Cursor, Revision)], page: Page) -> (Vec<Revision>, Option<Cursor>) {
    let start = page
        .cursor
        .map_or(0, |after| changes.partition_point(|(c, _)| *c <= after));
    let rest = &changes[start..];
    let taken = &rest[..page.limit.min(rest.len())];
    let data = taken.iter().map(|(_, change)| change.clone()).collect();
    let next = (taken.len() < rest.len())
        .then(|| taken.last().map(|(c, _)| *c))
        .flatten();
    (data, next)
}

/// The query of the next page: this one's with `cursor`.
fn next_link(path: &str, range: Range, page: Page, next: Option<Cursor>) -> Option<String> {
    let next = next?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(from) = range.from {
        query.append_pair("from", &from.to_string());
    }
    if let Some(to) = range.to {
        query.append_pair("to", &to.to_string());
    }
    if let Some(since) = page.since {
        query.append_pair("since", &since.to_string());
    }
    query.append_pair("cursor", &next.encode());
    if page.limit != crate::extract::DEFAULT_PAGE {
        query.append_pair("limit", &page.limit.to_string());
    }
    Some(format!("{path}?{}", query.finish()))
}

/// The JSON or CSV body of a page.
fn body(data: Vec<Revision>, next: Option<Cursor>, link: Option<String>, csv: bool) -> Body {
    if csv {
        return ("text/csv; charset=utf-8", csv_of(&data).into_bytes());
    }
    json(&RevisionsResponse {
        meta: RevisionsMeta {
            source: SOURCE.to_string(),
            count: data.len(),
            next_cursor: next.map(|c| c.encode()),
            next: link,
        },
        data,
    })
}

/// `region,date,vintage,kind,before_cases,before_deaths,before_recovered,after_cases,
/// after_deaths,after_recovered` (empty: none, or not reported).
pub fn csv_of(changes: &[Revision]) -> String {
    let mut csv = String::with_capacity(120 + changes.len() * 64);
    csv.push_str(
        "region,date,vintage,kind,before_cases,before_deaths,before_recovered,after_cases,\
         after_deaths,after_recovered\n",
    );
    let counts = |c: Option<Counts>| match c {
        None => ",,".to_string(),
        Some(c) => format!(
            "{},{},{}",
            c.cases,
            csv_cell(c.deaths),
            csv_cell(c.recovered)
        ),
    };
    for c in changes {
        let kind = match c.kind {
            RevisionKind::New => "new",
            RevisionKind::Revised => "revised",
            RevisionKind::Withdrawn => "withdrawn",
        };
        csv.push_str(&format!(
            "{},{},{},{kind},{},{}\n",
            c.region,
            c.date,
            c.vintage,
            counts(c.before),
            counts(c.after)
        ));
    }
    csv
}

/// What a revisions request asks: the days, the page, JSON or CSV, and the version it holds.
struct Asked<'a> {
    range: Range,
    page: Page,
    csv: bool,
    holds: &'a IfNoneMatch,
}

impl Asked<'_> {
    /// The page of `changes` (in cursor order) this asks for, at `path` (`.csv` added for CSV),
    /// tagged with the data's `tag`; the next page in a `Link` header too.
    fn answer(
        &self,
        snapshot: &Snapshot,
        tag: &str,
        path: &str,
        changes: &[(Cursor, Revision)],
    ) -> Response {
        let (range, page, csv) = (self.range, self.page, self.csv);
        let (data, next) = page_of(changes, page);
        let path = format!("{path}{}", if csv { ".csv" } else { "" });
        let link = next_link(&path, range, page, next);
        let kind = format!("revisions{}{}", if csv { "-csv" } else { "" }, page.tag());
        let made = Answer::new(self.holds, snapshot, tag, &kind, range, || {
            body(data, next, link.clone(), csv)
        });
        let mut response = made.into_response();
        if let Some(link) = link
            && let Ok(value) = HeaderValue::from_str(&format!("<{link}>; rel=\"next\""))
        {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

/// A region's changes with `from <= date <= to` (and vintage since `since`).
async fn region_page(app: &App, place: Place, asked: Asked<'_>) -> Result<Response, Problem> {
    let (snapshot, series) = with_data(app, place).await?;
    let (range, page) = (asked.range, asked.page);
    let changes: Vec<(Cursor, Revision)> = placed(&series)
        .into_iter()
        .filter(|(_, c)| range.from.is_none_or(|f| c.date >= f))
        .filter(|(_, c)| range.to.is_none_or(|t| c.date <= t))
        .filter(|(_, c)| page.since.is_none_or(|s| c.vintage >= s))
        .collect();
    let path = format!("/v1/regions/{}/revisions", place.id());
    Ok(asked.answer(&snapshot, &region_tag(&series), &path, &changes))
}

/// Every change of a region's values, in vintage order, one page at a time: each day's first
/// publication (`new`) and every revision (`revised`, with the value it replaced).
#[utoipa::path(get, path = "/v1/regions/{id}/revisions", operation_id = "region_revisions", tag = "revisions", params(RegionPath, Range, Page), responses(
    (status = 200, description = "A page of the region's changes, in vintage order", body = RevisionsResponse),
    NotModified, BadRange, UnknownRegion, Unavailable,
))]
pub async fn region(
    State(app): State<Arc<App>>,
    RegionPath(region): RegionPath,
    range: Range,
    page: Page,
    holds: IfNoneMatch,
) -> Result<Response, Problem> {
    let asked = Asked {
        range,
        page,
        csv: false,
        holds: &holds,
    };
    region_page(&app, region, asked).await
}

/// [`region`] as CSV (`region,date,vintage,kind,before_*,after_*`); the next page in `Link`.
#[utoipa::path(get, path = "/v1/regions/{id}/revisions.csv", operation_id = "region_revisions_csv", tag = "revisions", params(RegionPath, Range, Page), responses(
    (status = 200, description = "CSV with the header region,date,vintage,kind,before_cases,before_deaths,before_recovered,after_cases,after_deaths,after_recovered", body = String, content_type = "text/csv"),
    NotModified, BadRange, UnknownRegion, Unavailable,
))]
pub async fn region_csv(
    State(app): State<Arc<App>>,
    RegionPath(region): RegionPath,
    range: Range,
    page: Page,
    holds: IfNoneMatch,
) -> Result<Response, Problem> {
    let asked = Asked {
        range,
        page,
        csv: true,
        holds: &holds,
    };
    region_page(&app, region, asked).await
}

/// Every region's changes since `since`, and every county's.
async fn all_page(app: &App, asked: Asked<'_>) -> Result<Response, Problem> {
    let snapshot = snapshot(app).await?;
    let every: Vec<Option<Arc<RegionSeries>>> = futures::stream::iter(Region::all())
        .map(|region| snapshot.series(region))
        .buffered(REGIONS_IN_FLIGHT)
        .try_collect()
        .await
        .map_err(unavailable)?;
    let every: Vec<Arc<RegionSeries>> = every.into_iter().flatten().collect();
    let tags: Vec<String> = every.iter().map(|s| region_tag(s)).collect();
    let tag = covid_model::fingerprint_text(&tags.join(","));
    let changes = app.revisions.get(&tag, || {
        let mut changes: Vec<(Cursor, Revision)> = every.iter().flat_map(|s| placed(s)).collect();
        changes.sort_unstable_by_key(|(c, _)| *c);
        changes
    });
    // In vintage order: the changes since `since` are a tail, and those after the cursor.
    let page = asked.page;
    let start = page.cursor.map_or_else(
        || {
            page.since
                .map_or(0, |s| changes.partition_point(|(c, _)| c.vintage < s))
        },
        |after| changes.partition_point(|(c, _)| *c <= after),
    );
    let regions = changes[start..]
        .iter()
        .filter(|(c, _)| page.since.is_none_or(|s| c.vintage >= s));
    // The counties' from their change batches: a page's worth and one more (is there a next?).
    let (counties, keys) =
        county_changes_after(&snapshot, page.since, page.cursor, page.limit + 1).await?;
    let mut merged: Vec<(Cursor, Revision)> = regions
        .take(page.limit + 1)
        .cloned()
        .chain(counties)
        .collect();
    merged.sort_unstable_by_key(|(c, _)| *c);
    merged.truncate(page.limit + 1);
    let tag = match keys.is_empty() {
        true => tag,
        false => covid_model::fingerprint_text(&format!("{tag},{}", keys.join(","))),
    };
    Ok(asked.answer(&snapshot, &tag, "/v1/revisions", &merged))
}

/// Every change of every region's values since `since`, in vintage order (then by region and
/// date), one page at a time.
#[utoipa::path(get, path = "/v1/revisions", operation_id = "revisions", tag = "revisions", params(Page), responses(
    (status = 200, description = "A page of every region's changes, in vintage order", body = RevisionsResponse),
    NotModified, BadRange, Unavailable,
))]
pub async fn all(
    State(app): State<Arc<App>>,
    page: Page,
    holds: IfNoneMatch,
) -> Result<Response, Problem> {
    let asked = Asked {
        range: Range::default(),
        page,
        csv: false,
        holds: &holds,
    };
    all_page(&app, asked).await
}

/// [`all`] as CSV; the next page in `Link`.
#[utoipa::path(get, path = "/v1/revisions.csv", operation_id = "revisions_csv", tag = "revisions", params(Page), responses(
    (status = 200, description = "CSV with the header region,date,vintage,kind,before_cases,before_deaths,before_recovered,after_cases,after_deaths,after_recovered", body = String, content_type = "text/csv"),
    NotModified, BadRange, Unavailable,
))]
pub async fn all_csv(
    State(app): State<Arc<App>>,
    page: Page,
    holds: IfNoneMatch,
) -> Result<Response, Problem> {
    let asked = Asked {
        range: Range::default(),
        page,
        csv: true,
        holds: &holds,
    };
    all_page(&app, asked).await
}
