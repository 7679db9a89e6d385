//! Every element id of the page, written once, here. The page's skeleton (`index.html`) and the
//! markup functions write them, the components look them up, and a native test (below) checks
//! that each id is written exactly once in the skeleton and the markup together, and that the
//! skeleton has none this module does not name. An id is never a string anywhere else.

/// The element the app is mounted in.
pub const APP: &str = "app";
/// The page's heading and the line under it, which the app rewrites for the regions shown.
pub const HEADING: &str = "heading";
pub const LEDE: &str = "lede";
/// The footer's line on the data's freshness (from `/v1/status`).
pub const FRESHNESS: &str = "freshness";
/// The search field's paragraph, the field (`view/search.rs`) and its list of places found.
pub const PICKER: &str = "region-picker";
pub const REGION: &str = "region";
pub const PLACES: &str = "places";
/// The dashboard's place.
pub const MAIN: &str = "main";
/// The ranking's section; the alerts section's heading and its link to the alerts page
/// (`alerts.html`), whose section holds the subscription form.
pub const RANKING_SECTION: &str = "ranking-section";
pub const ALERTS_HEADING: &str = "alerts-heading";
pub const ALERTS_LINK: &str = "alerts-link";
pub const SUBSCRIBE_SECTION: &str = "subscribe-section";

/// The chart options (`view/controls.rs`).
pub const CHART_OPTIONS: &str = "chart-options";
pub const PER_100K: &str = "view-per-100k";
/// The options after the view, folded on a phone.
pub const MORE: &str = "more-options";
pub const LOG: &str = "log-toggle";
pub const FROM: &str = "from";
pub const TO: &str = "to";
pub const AS_OF: &str = "as-of";
/// Why the data as published on the asked date is not shown.
pub const AS_OF_NOTE: &str = "as-of-note";
pub const COMPARE_ADD: &str = "compare-add";
pub const COMPARE_STOP: &str = "compare-stop";
/// A county's comparison with its state and the nation.
pub const COMPARE_LEVELS: &str = "compare-levels";
pub const TABLE_TOGGLE: &str = "table-toggle";
pub const COPY_LINK: &str = "copy-link";
pub const COPY_STATUS: &str = "copy-status";
/// What copying an embed's snippet did (`view/embed.rs`).
pub const EMBED_STATUS: &str = "embed-status";
/// The data table's box (`view/table.rs`) and the readout (`view/readout.rs`).
pub const DATA_TABLE: &str = "data-table";
pub const READOUT: &str = "readout";

/// The ranking (`view/rank.rs`) and the map above it (`view/map.rs`).
pub const RANKING_HEADING: &str = "ranking-heading";
pub const RANKING: &str = "ranking";
pub const MAP: &str = "map";

/// The subscription form (`view/subscribe.rs`).
pub const SUBSCRIBE_HEADING: &str = "subscribe-heading";
pub const SUBSCRIBE_FORM: &str = "subscribe-form";
pub const SUBSCRIBE_EMAIL: &str = "subscribe-email";
pub const SUBSCRIBE_REGIONS: &str = "subscribe-regions";
pub const SUBSCRIBE_STATUS: &str = "subscribe-status";

/// The search's option `i` in its list of places found: `place-0`.
pub fn place_option(i: usize) -> String {
    format!("place-{i}")
}

/// A view's radio button: `view-cumulative`, `view-daily`.
pub fn view(key: &str) -> String {
    format!("view-{key}")
}

/// A range preset's button: `range-30d`, …
pub fn range(key: &str) -> String {
    format!("range-{key}")
}

/// A metric's checkbox: `metric-cases`, …
pub fn metric(key: &str) -> String {
    format!("metric-{key}")
}

/// The map's metric button: `map-cases`, `map-deaths`.
/// The snippet that embeds a metric's chart (`view/embed.rs`).
pub fn embed(key: &str) -> String {
    format!("embed-{key}")
}

pub fn map_metric(key: &str) -> String {
    format!("map-{key}")
}

/// A ranking column's header: `sort-cases`, …
pub fn sort(key: &str) -> String {
    format!("sort-{key}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Metric;
    use crate::state::{Preset, View};

    /// The ids written by leptos views rather than by the skeleton or a markup function.
    const BY_VIEWS: [&str; 3] = [CHART_OPTIONS, DATA_TABLE, READOUT];

    fn ids_in(markup: &str) -> Vec<String> {
        markup
            .split(" id=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or_default().to_string())
            .collect()
    }

    /// Each id of `names` is written once in `written`, the page `skeleton`'s ids are all
    /// named, and no view's id is written as markup.
    fn check(page: &str, skeleton: &str, written: &str, names: &[String]) {
        let found = ids_in(written);
        for id in names {
            let n = found.iter().filter(|f| *f == id).count();
            assert_eq!(n, 1, "{page}: id {id:?} is written {n} times");
        }
        for id in BY_VIEWS {
            assert!(!found.iter().any(|f| f == id), "{id} is a view's");
        }
        for id in ids_in(skeleton) {
            assert!(
                names.contains(&id),
                "{page} has an id ids.rs does not name: {id}"
            );
        }
    }

    #[test]
    fn every_id_is_written_once_in_the_skeleton_and_the_markup() {
        let skeleton = include_str!("../index.html");
        let written = [skeleton.to_string(), crate::view::markup_for_tests()].concat();
        let mut ids = vec![
            APP,
            HEADING,
            LEDE,
            FRESHNESS,
            PICKER,
            REGION,
            PLACES,
            MAIN,
            RANKING_SECTION,
            ALERTS_HEADING,
            ALERTS_LINK,
            PER_100K,
            MORE,
            LOG,
            FROM,
            TO,
            AS_OF,
            AS_OF_NOTE,
            COMPARE_ADD,
            COMPARE_STOP,
            COMPARE_LEVELS,
            TABLE_TOGGLE,
            COPY_LINK,
            COPY_STATUS,
            RANKING_HEADING,
            RANKING,
            MAP,
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        ids.extend(View::ALL.map(|v| view(v.code())));
        ids.extend(Preset::ALL.map(|p| range(p.code())));
        ids.extend(Metric::ALL.map(|m| metric(m.code())));
        ids.extend(crate::view::SORT_KEYS.map(sort));
        ids.extend(crate::view::MAP_KEYS.map(map_metric));
        check("index.html", skeleton, &written, &ids);

        let skeleton = include_str!("../alerts.html");
        let written = [skeleton.to_string(), crate::view::alerts_markup_for_tests()].concat();
        let ids = [
            APP,
            SUBSCRIBE_SECTION,
            SUBSCRIBE_HEADING,
            SUBSCRIBE_FORM,
            SUBSCRIBE_EMAIL,
            SUBSCRIBE_REGIONS,
            SUBSCRIBE_STATUS,
        ]
        .map(str::to_string);
        check("alerts.html", skeleton, &written, &ids);
    }
}
