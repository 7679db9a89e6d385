//! The map above the ranking, drawn by the API with the chart crate: the states and territories
//! coloured by their newest 7-day average per 100,000 residents (`/v1/map.svg`, the figures of
//! `/v1/regions`), or while one state or one of its counties is shown, that state's counties
//! (`/v1/regions/{id}/counties/map.svg`); fetched once the dashboard and its first chart are
//! built, and again when the reader chooses the other metric (`?map=deaths`) or another state. Its shapes are links to their regions, named
//! for screen readers, which the ranking's listener shows in place.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::metric::Metric;
use crate::state::ViewState;
use crate::{api, html, ids};

use super::dom;

/// The metrics a map shows.
pub const METRICS: [Metric; 2] = [Metric::Cases, Metric::Deaths];

/// The map's buttons (`data-map`) and its place, in the ranking's section.
pub(super) fn markup() -> String {
    let mut out = String::from("<div class=\"map-options\" role=\"group\" aria-label=\"Map\">");
    for m in METRICS {
        let id = ids::map_metric(m.code());
        let values = [("id", id.as_str()), ("data-map", m.code())];
        html::element_with(&mut out, "button", "type=\"button\"", &values, m.label());
    }
    // 55 links: keyboard readers may pass them by.
    out.push_str(&format!(
        "</div><a class=\"skip\" href=\"#{}\">Skip the map to the table</a>\
         <div id=\"{}\" class=\"map-figure\"></div>",
        ids::RANKING,
        ids::MAP
    ));
    out
}

/// Follows the map's metric: each choice fetches its map, and an answer to a choice since
/// replaced is dropped.
pub(super) fn follow(state: RwSignal<ViewState>) {
    // The map's path: the states', or while one state or one of its counties is shown (not
    // compared), that state's counties'.
    let path = Memo::new(move |_| {
        state.with(|s| {
            let place = covid_model::Place::by_id(&s.region).filter(|_| s.compare.is_empty());
            let base = match place.map(|p| p.region()).filter(|r| !r.is_us()) {
                Some(r) => format!("/v1/regions/{}/counties/map.svg", r.id),
                None => "/v1/map.svg".to_string(),
            };
            format!("{base}?metric={}", s.map.code())
        })
    });
    Effect::new(move |_| {
        let asked = path.get();
        let metric = state.with_untracked(|s| s.map);
        for m in METRICS {
            dom::set(
                &ids::map_metric(m.code()),
                "aria-pressed",
                dom::pressed(m == metric),
            );
        }
        spawn_local(async move {
            let answer = api::map(&asked).await;
            if path.with_untracked(|p| *p != asked) {
                return;
            }
            let markup = answer.unwrap_or_else(|error| {
                let mut out = String::from("<p class=\"error\">");
                html::escape(&mut out, &format!("The map could not be loaded. {error}"));
                out.push_str("</p>");
                out
            });
            if let Some(e) = dom::by_id(ids::MAP) {
                e.set_inner_html(&markup);
            }
        });
    });
}
