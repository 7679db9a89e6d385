//! The map above the ranking: `/v1/map.svg`, drawn by the API with the chart crate (the states
//! and territories coloured by their newest 7-day average per 100,000 residents, the figures of
//! `/v1/regions`), fetched once the dashboard and its first chart are built, and again when the
//! reader chooses the other metric (`?map=deaths`). Its shapes are links to their regions, named
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
    let metric = Memo::new(move |_| state.with(|s| s.map));
    Effect::new(move |_| {
        let metric = metric.get();
        for m in METRICS {
            dom::set(
                &ids::map_metric(m.code()),
                "aria-pressed",
                dom::pressed(m == metric),
            );
        }
        spawn_local(async move {
            let answer = api::map(metric).await;
            if state.with_untracked(|s| s.map) != metric {
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
