//! A state's counties (issue 36): `/v1/regions/{id}/counties`, each county shaped like a
//! `/v1/regions` entry with its state, from the one listing item the ETL writes per state.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use covid_model::{CountiesResponse, Place, Region, fingerprint_text};
use covid_store::CountyListing;

use crate::App;
use crate::answer::{Answer, json, snapshot, unavailable};
use crate::cache::Snapshot;
use crate::extract::{IfNoneMatch, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{NotModified, Unavailable, UnknownRegion};

/// A state's or territory's counties, with each one's newest day and 7-day averages, absolute
/// and per 100,000 residents (NYT's geographies without a FIPS code included: New York City,
/// Kansas City, Joplin, "Unknown"). Deaths are `null` where not reported.
#[utoipa::path(get, path = "/v1/regions/{id}/counties", operation_id = "region_counties", tag = "regions", params(RegionPath), responses(
    (status = 200, description = "The state's counties, by id", body = CountiesResponse),
    NotModified, UnknownRegion, Unavailable,
))]
pub async fn counties(
    State(app): State<Arc<App>>,
    RegionPath(place): RegionPath,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    let (snapshot, region, listing) = listing(&app, place).await?;
    let body = json(&CountiesResponse {
        state: region.id.to_string(),
        counties: listing.counties,
    });
    // Named by what it says: a county listing changes apart from the national data.
    let tag = format!(
        "{}-{}",
        region.id,
        fingerprint_text(&String::from_utf8_lossy(&body.1))
    );
    Ok(Answer::new(
        &holds,
        &snapshot,
        &tag,
        "counties",
        Range::default(),
        || body,
    ))
}

/// The current view, and the county listing of the state `place` names: a 404 problem for the
/// nation, a county, or a state with no county stored.
pub(crate) async fn listing(
    app: &App,
    place: Place,
) -> Result<(Arc<Snapshot>, Region, CountyListing), Problem> {
    let region = match place {
        Place::Region(region) if !region.is_us() => region,
        _ => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "No counties",
                "Counties are listed by state: use a state's or territory's USPS code (see \
                 /v1/regions).",
            ));
        }
    };
    let snapshot = snapshot(app).await?;
    let listing = app
        .cache
        .county_listing(region)
        .await
        .map_err(unavailable)?
        .filter(|l| !l.counties.is_empty())
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "No counties",
                format!("No county of {} is stored.", region.name),
            )
        })?;
    Ok((snapshot, region, listing))
}
