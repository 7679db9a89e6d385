//! The ranking: every region's newest 7-day averages per 100,000 residents, from the one
//! `/v1/regions` answer; sortable by each column, each row linking to its region. The map of the
//! same figures (`map.rs`) stands above it, and its shapes' links are heard here too.

use std::cmp::Ordering;

use covid_model::{Region, RegionSummary};
use leptos::prelude::*;

use crate::api::RegionsList;
use crate::format::per_100k;
use crate::html;
use crate::ids::{self, RANKING, RANKING_HEADING};
use crate::metric::Metric;
use crate::state::ViewState;

use super::dom;

/// The columns the ranking sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Cases,
    Deaths,
}

/// The sortable columns, in the table's order.
const COLUMNS: [Column; 3] = [Column::Name, Column::Cases, Column::Deaths];

/// Their keys (`data-sort`, and their headers' ids).
#[cfg(test)]
pub(super) const COLUMN_KEYS: [&str; 3] = ["name", "cases", "deaths"];

impl Column {
    fn code(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Cases => "cases",
            Column::Deaths => "deaths",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Column::Name => "Region",
            Column::Cases => "Cases per 100k",
            Column::Deaths => "Deaths per 100k",
        }
    }

    fn value(self, region: &RegionSummary) -> Option<f64> {
        let latest = region.latest.as_ref()?;
        match self {
            Column::Name => None,
            Column::Cases => latest.avg7_cases_per_100k,
            Column::Deaths => latest.avg7_deaths_per_100k,
        }
    }
}

/// `regions` in the order of `column`; regions without a value come last either way, and
/// equal ones keep their order (a stable sort).
///
/// An insertion sort: at 56 rows it costs nothing to run, and a few hundred bytes of wasm where
/// the standard library's stable sort costs 3.4 KB before gzip (the first-load budget).
pub fn sorted(regions: &[RegionSummary], column: Column, descending: bool) -> Vec<&RegionSummary> {
    let order = |a: &RegionSummary, b: &RegionSummary| {
        let order = match column {
            Column::Name => a.name.cmp(&b.name),
            _ => match (column.value(a), column.value(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => return a.name.cmp(&b.name),
            },
        };
        if descending { order.reverse() } else { order }
    };
    let mut out: Vec<&RegionSummary> = Vec::with_capacity(regions.len());
    for r in regions {
        let at = out.partition_point(|o| order(o, r) != Ordering::Greater);
        out.insert(at, r);
    }
    out
}

/// The table's rows, in the order given: each region's name links to its chart.
fn rows(regions: &[&RegionSummary]) -> String {
    let mut out = String::new();
    for r in regions {
        let Some(region) = Region::by_id(&r.id) else {
            continue;
        };
        let latest = r.latest.as_ref();
        out.push_str("<tr><th scope=\"row\">");
        let href = format!("?region={}", region.id);
        let link = [("href", href.as_str()), ("data-region", region.id)];
        html::element_with(&mut out, "a", "", &link, region.name);
        out.push_str("</th>");
        html::element(
            &mut out,
            "td",
            "",
            &per_100k(latest.and_then(|l| l.avg7_cases_per_100k)),
        );
        html::element(
            &mut out,
            "td",
            "",
            &per_100k(latest.and_then(|l| l.avg7_deaths_per_100k)),
        );
        let date = latest.map(|l| l.date.to_string()).unwrap_or_default();
        html::element(&mut out, "td", "", &date);
        out.push_str("</tr>");
    }
    out
}

/// The section: its heading and hint, the failure if the list could not be loaded, and the
/// table with a sort button per column. The effect of [`Ranking`] writes the body and each
/// column's `aria-sort`.
pub(super) fn markup(failed: Option<&str>, note: &str) -> String {
    let mut out = format!(
        "<h2 id=\"{RANKING_HEADING}\">Regions by their newest 7-day averages</h2>\
         <p class=\"hint\">Per 100,000 residents, on each region's newest day. Choose a column to \
         sort by it; choose a region, on the map or in the table, to chart it.</p>",
    );
    out.push_str(&super::map::markup());
    if let Some(error) = failed {
        html::element(
            &mut out,
            "p",
            "class=\"error\"",
            &format!("The ranking could not be loaded. {error}"),
        );
    }
    out.push_str(&format!(
        "<div class=\"table-wrap rank-wrap\"><table id=\"{RANKING}\"><thead><tr>"
    ));
    for column in COLUMNS {
        let (key, id) = (column.code(), ids::sort(column.code()));
        out.push_str(&format!(
            "<th scope=\"col\" id=\"{id}\"><button type=\"button\" data-sort=\"{key}\">"
        ));
        html::escape(&mut out, column.label());
        out.push_str("</button></th>");
    }
    out.push_str("<th scope=\"col\">Newest day</th></tr></thead><tbody></tbody></table></div>");
    if !note.is_empty() {
        html::element(&mut out, "p", "class=\"note\"", note);
    }
    out
}

/// Why a row's newest day is earlier than the others': the nation's series ends with Johns
/// Hopkins' recoveries (empty when it does not end earlier).
fn note(list: &[RegionSummary]) -> String {
    let newest = |us: bool| {
        list.iter()
            .filter(|r| (r.id == covid_model::US.id) == us)
            .filter_map(|r| r.latest.as_ref().map(|l| l.date))
            .max()
    };
    match (newest(true), newest(false)) {
        (Some(nation), Some(states)) if nation < states => crate::text::nation_ends(nation, states),
        _ => String::new(),
    }
}

#[component]
pub fn Ranking(regions: RegionsList, state: RwSignal<ViewState>) -> impl IntoView {
    let order = RwSignal::new((Column::Cases, true));
    let failed = regions.as_ref().err().cloned();
    let list = regions.ok();
    let note = list.as_ref().map(|l| note(l)).unwrap_or_default();
    // The body in the chosen order; the sort buttons stay, and so does the focus.
    Effect::new(move |_| {
        let (chosen, descending) = order.get();
        for column in COLUMNS {
            let sort = match (column == chosen, descending) {
                (true, true) => "descending",
                (true, false) => "ascending",
                _ => "none",
            };
            dom::set(&ids::sort(column.code()), "aria-sort", sort);
        }
        let body = dom::by_id(RANKING).and_then(|t| t.query_selector("tbody").ok().flatten());
        if let (Some(list), Some(body)) = (list.as_ref(), body) {
            body.set_inner_html(&rows(&sorted(list, chosen, descending)));
        }
    });
    // A column chosen again turns its order round; a new one starts with the highest values
    // (names: A to Z). A row's link shows its region here, without reloading the page; the
    // address is a real link, so it also opens in a new tab.
    super::map::follow(state);
    let click = move |ev: leptos::ev::MouseEvent| {
        if let Some(key) =
            dom::closest(&ev, "button[data-map]").and_then(|b| b.get_attribute("data-map"))
        {
            let deaths = key == Metric::Deaths.code();
            state.update(|s| {
                s.map = if deaths {
                    Metric::Deaths
                } else {
                    Metric::Cases
                }
            });
            return;
        }
        if let Some(key) =
            dom::closest(&ev, "button[data-sort]").and_then(|b| b.get_attribute("data-sort"))
        {
            if let Some(column) = COLUMNS.into_iter().find(|c| c.code() == key) {
                order.update(|(c, descending)| {
                    *descending = if *c == column {
                        !*descending
                    } else {
                        column != Column::Name
                    };
                    *c = column;
                });
            }
            return;
        }
        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
            return;
        }
        let Some(id) =
            dom::closest(&ev, "a[data-region]").and_then(|a| a.get_attribute("data-region"))
        else {
            return;
        };
        ev.prevent_default();
        state.update(|s| s.choose_region(id));
        window().scroll_to_with_x_and_y(0.0, 0.0);
    };
    // In the skeleton's section (index.html), which names it by its heading.
    view! { <div on:click=click inner_html=markup(failed.as_deref(), &note)></div> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use covid_model::RegionLatest;

    fn region(id: &str, name: &str, cases: Option<f64>) -> RegionSummary {
        RegionSummary {
            id: id.to_string(),
            name: name.to_string(),
            fips: None,
            population: None,
            first_date: None,
            last_date: None,
            count: 0,
            latest: Some(RegionLatest {
                date: crate::data::parse_date("2021-07-08").unwrap(),
                cases: 0,
                deaths: Some(0),
                avg7_cases: None,
                avg7_deaths: None,
                avg7_cases_per_100k: cases,
                avg7_deaths_per_100k: None,
            }),
        }
    }

    #[test]
    fn sorts_by_a_column_with_missing_values_last() {
        let all = [
            region("NY", "New York", Some(5.0)),
            region("GU", "Guam", None),
            region("CA", "California", Some(9.5)),
            region("AL", "Alabama", Some(1.25)),
        ];
        fn ids(v: Vec<&RegionSummary>) -> Vec<&str> {
            v.into_iter().map(|r| r.id.as_str()).collect()
        }
        assert_eq!(
            ids(sorted(&all, Column::Cases, true)),
            ["CA", "NY", "AL", "GU"]
        );
        assert_eq!(
            ids(sorted(&all, Column::Cases, false)),
            ["AL", "NY", "CA", "GU"]
        );
        assert_eq!(
            ids(sorted(&all, Column::Name, false)),
            ["AL", "CA", "GU", "NY"]
        );
        assert_eq!(
            ids(sorted(&all, Column::Deaths, true)),
            ["AL", "CA", "GU", "NY"],
            "none have deaths: by name"
        );
        let tied = [
            region("TX", "Texas", Some(2.0)),
            region("OH", "Ohio", Some(2.0)),
            region("UT", "Utah", Some(3.0)),
            region("IA", "Iowa", Some(2.0)),
        ];
        assert_eq!(
            ids(sorted(&tied, Column::Cases, false)),
            ["TX", "OH", "IA", "UT"],
            "equal values keep their order"
        );
        assert_eq!(
            ids(sorted(&tied, Column::Cases, true)),
            ["UT", "TX", "OH", "IA"]
        );
        assert_eq!(per_100k(Some(1.25)), "1.2");
        assert_eq!(per_100k(None), "n/a");
    }

    #[test]
    fn the_table_has_a_sort_button_per_column_and_tells_a_failure() {
        let out = markup(None, "");
        for column in COLUMNS {
            let (key, id) = (column.code(), ids::sort(column.code()));
            assert!(out.contains(&format!(
                "<th scope=\"col\" id=\"{id}\"><button type=\"button\" data-sort=\"{key}\">"
            )));
        }
        assert!(out.ends_with("<tbody></tbody></table></div>") && !out.contains("error"));
        assert!(markup(Some("HTTP 503 <x>"), "").contains(
            "<p class=\"error\">The ranking could not be loaded. HTTP 503 &lt;x&gt;</p>"
        ));
    }

    #[test]
    fn the_nations_earlier_newest_day_is_explained_under_the_table() {
        let mut us = region("US", "United States", Some(16.6));
        let ny = region("NY", "New York", Some(5.0));
        assert_eq!(note(&[us.clone(), ny.clone()]), "", "the same newest day");
        us.latest.as_mut().unwrap().date = crate::data::parse_date("2021-03-16").unwrap();
        let said = note(&[us, ny]);
        assert_eq!(
            said,
            crate::text::nation_ends(
                crate::data::parse_date("2021-03-16").unwrap(),
                crate::data::parse_date("2021-07-08").unwrap()
            )
        );
        assert!(markup(None, &said).ends_with(&format!("<p class=\"note\">{}</p>", said)));
    }

    #[test]
    fn rows_link_each_known_region_and_skip_others() {
        let all = [
            region("NY", "New York", Some(5.0)),
            region("ZZ", "Nowhere", Some(1.0)),
        ];
        assert_eq!(
            rows(&[&all[0], &all[1]]),
            "<tr><th scope=\"row\"><a href=\"?region=NY\" data-region=\"NY\">New York</a></th>\
             <td>5.0</td><td>n/a</td><td>2021-07-08</td></tr>"
        );
    }
}
