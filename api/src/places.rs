//! `/v1/places`: every place's id and name, for a search by name (the site's search field reads
//! it when first focused). The counties come from every state's listing, read side by side.

use std::sync::Arc;

use axum::extract::State;
use covid_model::{PlaceName, PlacesResponse, Region};

use crate::App;
use crate::answer::{Answer, json, snapshot, unavailable};
use crate::extract::{IfNoneMatch, Range};
use crate::problem::Problem;
use crate::problem::responses::{NotModified, Unavailable};

/// Every place with a series: the nation, then the states and territories by name, then each
/// one's counties (by id, NYT's geographies without a FIPS code included). Names only: each
/// place's figures are in its own answers.
#[utoipa::path(get, path = "/v1/places", operation_id = "places", tag = "regions", responses(
    (status = 200, description = "Every place's id and name", body = PlacesResponse),
    NotModified, Unavailable,
))]
pub async fn places(State(app): State<Arc<App>>, holds: IfNoneMatch) -> Result<Answer, Problem> {
    let snapshot = snapshot(&app).await?;
    // `US`, then the states by name.
    let regions = Region::all();
    let listings = futures::future::try_join_all(
        regions[1..]
            .iter()
            .map(|&state| app.cache.county_listing(state)),
    )
    .await
    .map_err(unavailable)?;
    let counties = listings
        .iter()
        .flatten()
        .flat_map(|listing| listing.counties.iter().map(PlaceName::county));
    let places = regions.into_iter().map(PlaceName::region).chain(counties);
    let body = json(&PlacesResponse {
        places: places.collect(),
    });
    // Named by what it says: the listings change apart from the national data.
    let tag = format!(
        "places-{}",
        covid_model::fingerprint_text(&String::from_utf8_lossy(&body.1))
    );
    Ok(Answer::new(
        &holds,
        &snapshot,
        &tag,
        "places",
        Range::default(),
        || body,
    ))
}
