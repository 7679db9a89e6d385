//! `/v1/places`: every place the API has a series of, by name, for a search ("kings", "cook
//! il", a FIPS code): the nation, the states and territories, and every county of every state's
//! listing. Names only: a place's figures are its own answers'.

use serde::{Deserialize, Serialize};

use crate::{CountySummary, Region};

/// `/v1/places`: the nation and the states first (as `/v1/regions` orders them), then each
/// state's counties (states by name, counties by id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacesResponse {
    pub places: Vec<PlaceName>,
}

/// One place: the `{id}` of `/v1/regions/{id}/…`, its name, and a county's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceName {
    /// `US`, a state's USPS code, or a county's id (`36047`, `36NYC`).
    pub id: String,
    /// As `/v1/regions` or NYT names it (`New York`, `Kings`, `Unknown`).
    pub name: String,
    /// A county's state (`NY`); absent for the nation and the states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl PlaceName {
    pub fn region(region: Region) -> Self {
        Self {
            id: region.id.to_string(),
            name: region.name.to_string(),
            state: None,
        }
    }

    pub fn county(county: &CountySummary) -> Self {
        Self {
            id: county.id.clone(),
            name: county.name.clone(),
            state: Some(county.state.clone()),
        }
    }
}
