//! `/v1/places` and `/v1/places.csv`: every place's id and name, for a search by name (the
//! site's search field reads the CSV when first focused). The counties come from every state's
//! listing, read side by side.

use std::sync::Arc;

use axum::extract::State;
use covid_model::{PlaceName, PlacesResponse, Region};

use crate::App;
use crate::answer::{Answer, Body, json, snapshot, unavailable};
use crate::extract::{IfNoneMatch, Range};
use crate::problem::Problem;
use crate::problem::responses::{NotModified, Unavailable};

/// The nation, the states and territories by name, then each one's listed counties (by id).
async fn places(app: &App) -> Result<Vec<PlaceName>, Problem> {
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
    Ok(regions
        .into_iter()
        .map(PlaceName::region)
        .chain(counties)
        .collect())
}

/// The answer `body` makes of every place, named by what it says (the listings change apart
/// from the national data).
async fn answer(
    app: &App,
    holds: &IfNoneMatch,
    kind: &str,
    body: impl FnOnce(Vec<PlaceName>) -> Body,
) -> Result<Answer, Problem> {
    let snapshot = snapshot(app).await?;
    let body = body(places(app).await?);
    let tag = format!(
        "places-{}",
        covid_model::fingerprint_text(&String::from_utf8_lossy(&body.1))
    );
    Ok(Answer::new(
        holds,
        &snapshot,
        &tag,
        kind,
        Range::default(),
        || body,
    ))
}

/// Every place with a series: the nation, then the states and territories by name, then each
/// one's counties (by id, NYT's geographies without a FIPS code included). Names only: each
/// place's figures are in its own answers.
#[utoipa::path(get, path = "/v1/places", operation_id = "places", tag = "regions", responses(
    (status = 200, description = "Every place's id and name", body = PlacesResponse),
    NotModified, Unavailable,
))]
pub async fn places_json(
    State(app): State<Arc<App>>,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    answer(&app, &holds, "places", |places| {
        json(&PlacesResponse { places })
    })
    .await
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180).
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The same as CSV: `id,name,state` (`state` empty for the nation and the states).
#[utoipa::path(get, path = "/v1/places.csv", operation_id = "places_csv", tag = "regions", responses(
    (status = 200, description = "CSV with the header id,name,state", body = String, content_type = "text/csv"),
    NotModified, Unavailable,
))]
pub async fn places_csv(
    State(app): State<Arc<App>>,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    answer(&app, &holds, "places-csv", |places| {
        let mut csv = String::with_capacity(16 + places.len() * 30);
        csv.push_str("id,name,state\n");
        for p in places {
            let state = p.state.as_deref().unwrap_or_default();
            csv.push_str(&format!("{},{},{state}\n", p.id, cell(&p.name)));
        }
        ("text/csv; charset=utf-8", csv.into_bytes())
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_is_quoted_only_when_it_must_be() {
        assert_eq!(super::cell("Kings"), "Kings");
        assert_eq!(super::cell("A, \"B\""), "\"A, \"\"B\"\"\"");
    }
}
