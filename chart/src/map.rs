//! The map of the states: the 50 states and DC as shapes (npm `us-atlas`, pre-projected to
//! Albers USA, turned into path data by `scripts/us-map.mjs`: `us-states.txt`), the four
//! territories as labelled tiles beside them, each coloured by the chosen metric's newest 7-day
//! average per 100,000 residents from the regions' list, with a legend of the bins. One
//! standalone SVG: the API serves it (`/v1/map.svg`), and the site puts it in the page, where
//! each shape is a link to its region that names its value for screen readers and shows it on
//! hover and focus.

use covid_model::{Region, RegionSummary};

use crate::format::compact;
use crate::metric::Metric;

/// One line per state: its FIPS code, its label's point, its path.
const SHAPES: &str = include_str!("us-states.txt");

/// The territories, drawn as tiles: Albers USA has no room for them.
pub const TERRITORIES: [&str; 4] = ["PR", "GU", "VI", "MP"];

/// The bins' colours, light to dark (viridis): told apart with the common colour-vision
/// deficiencies, by lightness alone too, and on dark backgrounds (each shape is outlined).
const COLOURS: [&str; 6] = [
    "#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154",
];
/// A region without a value (no population, or no days).
const NO_DATA: &str = "#9aa0a6";

/// The map's box: the states' 975 x 610, the legend and the tiles below.
const WIDTH: u32 = 975;
const HEIGHT: u32 = 680;

/// The states' shapes: (region, label point, path data), in FIPS order.
pub fn shapes() -> Vec<(Region, (i32, i32), &'static str)> {
    SHAPES
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let region = Region::by_fips(parts.next()?.parse().ok()?)?;
            let (x, y) = parts.next()?.split_once(',')?;
            Some((region, (x.parse().ok()?, y.parse().ok()?), parts.next()?))
        })
        .collect()
}

/// A region's newest 7-day average of `metric` per 100,000 residents.
pub fn value(summary: &RegionSummary, metric: Metric) -> Option<f64> {
    let latest = summary.latest.as_ref()?;
    match metric {
        Metric::Deaths => latest.avg7_deaths_per_100k,
        _ => latest.avg7_cases_per_100k,
    }
}

/// The bins' lower bounds: round steps from 0 up to the highest value (at most six bins).
fn bounds(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let high = values.fold(0.0, f64::max);
    let ticks = crate::draw::round_ticks(0.0, high, COLOURS.len());
    if ticks.is_empty() { vec![0.0] } else { ticks }
}

/// The colour of `value` among `bounds`: the bins are spread over the whole scale.
fn colour(value: Option<f64>, bounds: &[f64]) -> &'static str {
    let Some(v) = value else {
        return NO_DATA;
    };
    let bin = bounds.iter().rposition(|b| v >= *b).unwrap_or(0);
    let step = (COLOURS.len() - 1) as f64 / (bounds.len().max(2) - 1) as f64;
    COLOURS[((bin as f64) * step).round() as usize]
}

/// `New York: 31.2 new cases per 100,000, 7-day average`.
pub fn label(name: &str, value: Option<f64>, metric: Metric) -> String {
    let what = metric.label().to_ascii_lowercase();
    match value {
        Some(v) => format!("{name}: {v:.1} new {what} per 100,000, 7-day average"),
        None => format!("{name}: no {what} per 100,000 (no population or no data)"),
    }
}

/// One region's shape (or tile): a link to its region, named for screen readers, its value
/// shown on hover and focus (hidden from screen readers, which hear the name).
fn link(
    out: &mut String,
    region: Region,
    shape: &str,
    text: (i32, i32),
    value: Option<f64>,
    metric: Metric,
) {
    let label = crate::markup::escaped(&label(region.name, value, metric));
    let shown = value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}"));
    out.push_str(&format!(
        "<a class=\"region\" href=\"?region={id}\" data-region=\"{id}\" aria-label=\"{label}\"><title>{label}</title>{shape}\
         <text class=\"value\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" aria-hidden=\"true\">{id} {shown}</text></a>",
        id = region.id,
        x = text.0,
        y = text.1,
    ));
}

/// The map of `regions` (the `/v1/regions` list) by `metric` (cases or deaths).
pub fn draw(regions: &[RegionSummary], metric: Metric) -> String {
    let of = |id: &str| regions.iter().find(|r| r.id == id);
    let mapped = |region: Region| of(region.id).and_then(|r| value(r, metric));
    let shapes = shapes();
    let bounds = bounds(
        shapes
            .iter()
            .map(|s| s.0)
            .chain(TERRITORIES.iter().filter_map(|id| Region::by_id(id)))
            .filter_map(mapped),
    );
    let what = metric.label().to_ascii_lowercase();
    let title = format!("New {what} per 100,000 residents, 7-day average, by state");
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" class=\"map\" \
         role=\"group\" aria-label=\"{title}\"><title>{title}</title>\
         <style>.map .region path,.map .region rect{{stroke:#ffffff;stroke-width:0.75}}\
         .map .value{{display:none;font:bold 14px sans-serif;fill:#111;paint-order:stroke;\
         stroke:#fff;stroke-width:3px}}.map .region:hover .value,.map .region:focus .value{{display:inline}}\
         .map .region:focus path,.map .region:focus rect{{stroke:#111;stroke-width:2.5}}\
         .map .key{{font:13px sans-serif;fill:currentColor}}</style>"
    );
    for (region, at, path) in &shapes {
        let value = mapped(*region);
        let shape = format!("<path d=\"{path}\" fill=\"{}\"/>", colour(value, &bounds));
        link(&mut out, *region, &shape, *at, value, metric);
    }
    // The territories: tiles in a row at the bottom right.
    for (i, id) in TERRITORIES.iter().enumerate() {
        let Some(region) = Region::by_id(id) else {
            continue;
        };
        let value = mapped(region);
        let x = 715 + 62 * i as i32;
        let shape = format!(
            "<rect class=\"tile\" x=\"{x}\" y=\"622\" width=\"54\" height=\"36\" rx=\"4\" fill=\"{}\"/>",
            colour(value, &bounds),
        );
        link(&mut out, region, &shape, (x + 27, 615), value, metric);
        // The tile's name, outside its link: the link's accessible name is its full sentence.
        out.push_str(&format!(
            "<text class=\"key\" x=\"{}\" y=\"676\" text-anchor=\"middle\" aria-hidden=\"true\">{id}</text>",
            x + 27
        ));
    }
    // The legend: each bin's colour and lower bound, and "no data".
    out.push_str("<g class=\"legend\">");
    for (i, bound) in bounds.iter().enumerate() {
        let x = 20 + 64 * i as i32;
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"626\" width=\"60\" height=\"14\" fill=\"{}\"/>\
             <text class=\"key\" x=\"{x}\" y=\"656\">{}{}</text>",
            colour(Some(*bound), &bounds),
            if i + 1 == bounds.len() { "≥ " } else { "" },
            compact(*bound)
        ));
    }
    let x = 20 + 64 * bounds.len() as i32 + 16;
    out.push_str(&format!(
        "<rect x=\"{x}\" y=\"626\" width=\"28\" height=\"14\" fill=\"{NO_DATA}\"/>\
         <text class=\"key\" x=\"{x}\" y=\"656\">no data</text>\
         <text class=\"key\" x=\"20\" y=\"676\">{title}</text></g></svg>"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use covid_model::RegionLatest;

    fn summary(id: &str, per_100k: Option<f64>) -> RegionSummary {
        let region = Region::by_id(id).unwrap();
        RegionSummary {
            id: id.to_string(),
            name: region.name.to_string(),
            fips: Some(format!("{:02}", region.fips)),
            population: per_100k.map(|_| 1_000_000),
            first_date: None,
            last_date: None,
            count: 1,
            latest: Some(RegionLatest {
                date: "2021-07-08".parse().unwrap(),
                cases: 0,
                deaths: 0,
                avg7_cases: None,
                avg7_deaths: None,
                avg7_cases_per_100k: per_100k,
                avg7_deaths_per_100k: per_100k.map(|v| v / 100.0),
            }),
        }
    }

    #[test]
    fn the_shapes_are_the_50_states_and_dc() {
        let shapes = shapes();
        assert_eq!(shapes.len(), 51);
        let ids: Vec<&str> = shapes.iter().map(|s| s.0.id).collect();
        for id in ["NY", "CA", "DC", "AK", "HI"] {
            assert!(ids.contains(&id), "{id}");
        }
        for id in TERRITORIES {
            assert!(!ids.contains(&id), "{id} is a tile");
        }
        assert!(
            shapes
                .iter()
                .all(|s| s.2.starts_with('M') && s.2.ends_with('Z'))
        );
    }

    #[test]
    fn each_region_is_a_named_link_coloured_by_its_bin() {
        let regions: Vec<RegionSummary> = Region::all()
            .into_iter()
            .filter(|r| !r.is_us())
            .enumerate()
            .map(|(i, r)| summary(r.id, (r.id != "GU").then_some(i as f64)))
            .collect();
        let svg = draw(&regions, Metric::Cases);
        assert_eq!(svg.matches("<a class=\"region\"").count(), 55);
        assert_eq!(svg.matches("<path ").count(), 51);
        assert_eq!(svg.matches("<rect class=\"tile\"").count(), 4);
        let ny = regions.iter().find(|r| r.id == "NY").unwrap();
        let v = value(ny, Metric::Cases).unwrap();
        assert!(svg.contains(&format!(
            "aria-label=\"New York: {v:.1} new cases per 100,000, 7-day average\""
        )));
        assert!(
            svg.contains("aria-label=\"Guam: no cases per 100,000 (no population or no data)\"")
        );
        // Values 0 to 54: bins of 10, each its own colour, the last the darkest.
        assert_eq!(
            bounds([0.0, 54.0].into_iter()),
            [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
        );
        assert_eq!(colour(Some(0.0), &[0.0, 10.0]), COLOURS[0]);
        assert_eq!(
            colour(Some(54.0), &[0.0, 10.0, 20.0, 30.0, 40.0, 50.0]),
            COLOURS[5]
        );
        assert_eq!(colour(Some(12.0), &[0.0, 10.0, 20.0]), COLOURS[3]);
        assert_eq!(colour(None, &[0.0]), NO_DATA);
        let deaths = draw(&regions, Metric::Deaths);
        assert!(deaths.contains("new deaths per 100,000"));
        assert!(deaths.len() < 90_000, "{} bytes", deaths.len());
    }
}
