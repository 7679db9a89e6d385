//! A state's county map: its counties as shapes (npm `us-atlas`, each state drawn to fill the
//! map's box by `scripts/us-county-map.mjs`: `us-counties.txt`), coloured by the chosen metric's
//! newest 7-day average per 100,000 residents from the state's county listing, with the state
//! map's bins and legend (`map.rs`). NYT's geographies without a shape (Puerto Rico's
//! municipios, each state's "Unknown", Kansas City, Joplin, the islands) are listed under the
//! legend with their figures, never dropped. One standalone SVG: the API serves it
//! (`/v1/regions/{id}/counties/map.svg`), and the site puts it in the page when a state is
//! shown; each shape and each listed name is a link to its county.

use covid_model::{CountySummary, Region};

use crate::map::{HEIGHT, bounds, colour, keys, legend, link, newest, open, shown};
use crate::metric::Metric;

/// One line per county shape: its id, its label's point, its path.
const SHAPES: &str = include_str!("us-counties.txt");

/// The first line of the list of geographies without a shape, and the lines' spacing (room
/// for the narrow legend's text size, `map::NARROW_TEXT`).
const LIST_TOP: u32 = HEIGHT + 30;
const LIST_STEP: u32 = 40;

/// `state`'s county shapes: (county id, label point, path data), by id.
pub fn shapes(state: Region) -> Vec<(&'static str, (i32, i32), &'static str)> {
    let prefix = format!("{:02}", state.fips);
    SHAPES
        .lines()
        .filter(|line| line.starts_with(&prefix))
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let id = parts.next()?;
            let (x, y) = parts.next()?.split_once(',')?;
            Some((id, (x.parse().ok()?, y.parse().ok()?), parts.next()?))
        })
        .collect()
}

/// The map of `state`'s `counties` (its listing) by `metric` (cases or deaths).
pub fn draw(state: Region, counties: &[CountySummary], metric: Metric) -> String {
    let mapped = |c: &CountySummary| newest(c.latest.as_ref(), metric);
    let values: Vec<f64> = counties.iter().filter_map(mapped).collect();
    let bounds = bounds(values.iter().copied());
    let below_zero = values.iter().any(|v| shown(*v) < 0.0);
    let shapes = shapes(state);
    let shapeless: Vec<&CountySummary> = counties
        .iter()
        .filter(|c| !shapes.iter().any(|s| s.0 == c.id))
        .collect();
    let what = metric.label().to_ascii_lowercase();
    let title = format!(
        "New {what} per 100,000 residents, 7-day average, by county: {}",
        state.name
    );
    let height = match shapeless.len() as u32 {
        0 => HEIGHT,
        n => LIST_TOP + (n - 1) * LIST_STEP + 14,
    };
    let mut out = open(&title, height);
    // A shape NYT has no county for (us-atlas's are the Census Bureau's) is drawn without data.
    for (id, at, path) in &shapes {
        let county = counties.iter().find(|c| c.id == *id);
        let value = county.and_then(mapped);
        let shape = format!("<path d=\"{path}\" fill=\"{}\"/>", colour(value, &bounds));
        let name = county.map_or(*id, |c| c.name.as_str());
        let full = format!("{name}, {}", state.name);
        link(&mut out, (id, name, &full), &shape, *at, value, metric);
    }
    legend(&mut out, &keys(&bounds, below_zero), &title);
    // The geographies without a shape: a swatch and a line each, under the legend.
    for (i, county) in shapeless.iter().enumerate() {
        let y = (LIST_TOP + i as u32 * LIST_STEP) as i32;
        let value = mapped(county);
        let full = format!("{}, {}", county.name, state.name);
        let label = crate::markup::escaped(&crate::map::label(&full, value, metric));
        out.push_str(&format!(
            "<a class=\"region\" href=\"?region={id}\" data-region=\"{id}\" aria-label=\"{label}\">\
             <rect x=\"20\" y=\"{}\" width=\"28\" height=\"14\" fill=\"{}\"/>\
             <text class=\"key\" x=\"56\" y=\"{y}\" aria-hidden=\"true\">{label}</text></a>",
            y - 12,
            colour(value, &bounds),
            id = crate::markup::escaped(&county.id),
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use covid_model::RegionLatest;

    fn county(id: &str, name: &str, per_100k: Option<f64>) -> CountySummary {
        CountySummary {
            id: id.to_string(),
            name: name.to_string(),
            state: "NY".to_string(),
            fips: None,
            population: per_100k.map(|_| 100_000),
            note: None,
            first_date: None,
            last_date: None,
            count: 1,
            latest: Some(RegionLatest {
                date: "2021-07-08".parse().unwrap(),
                cases: 0,
                deaths: None,
                avg7_cases: None,
                avg7_deaths: None,
                avg7_cases_per_100k: per_100k,
                avg7_deaths_per_100k: None,
            }),
        }
    }

    #[test]
    fn every_state_has_its_counties_and_nyt_s_merged_geographies_are_one_shape() {
        let ny = Region::by_id("NY").unwrap();
        let shapes = shapes(ny);
        let ids: Vec<&str> = shapes.iter().map(|s| s.0).collect();
        assert!(ids.contains(&"36NYC") && ids.contains(&"36001"));
        for borough in ["36005", "36047", "36061", "36081", "36085"] {
            assert!(
                !ids.contains(&borough),
                "{borough} is in New York City's shape"
            );
        }
        let ak: Vec<&str> = shapes_of("AK");
        assert!(ak.contains(&"02997") && ak.contains(&"02998") && !ak.contains(&"02060"));
        assert_eq!(shapes_of("TX").len(), 254);
        assert!(shapes_of("PR").is_empty(), "us-atlas has no municipios");
        // Each state fills the same box.
        for (_, (x, y), path) in shapes {
            assert!((0..=975).contains(&x) && (0..=610).contains(&y));
            assert!(path.starts_with('M') && path.ends_with('z'));
        }
    }

    fn shapes_of(state: &str) -> Vec<&'static str> {
        shapes(Region::by_id(state).unwrap())
            .into_iter()
            .map(|s| s.0)
            .collect()
    }

    #[test]
    fn each_county_is_a_named_link_and_one_without_a_shape_is_listed() {
        let ny = Region::by_id("NY").unwrap();
        let counties = [
            county("36001", "Albany", Some(12.34)),
            county("36NYC", "New York City", Some(3.0)),
            county("36UNK", "Unknown", None),
        ];
        let svg = draw(ny, &counties, Metric::Cases);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 975 724\"")
        );
        assert!(svg.contains(
            "aria-label=\"New cases per 100,000 residents, 7-day average, by county: New York\""
        ));
        assert!(svg.contains(
            "href=\"?region=36001\" data-region=\"36001\" aria-label=\"Albany, New York: 12.3 new \
             cases per 100,000, 7-day average\""
        ));
        assert!(svg.contains("data-region=\"36NYC\""));
        // Unknown has no shape: listed under the legend with its figure.
        assert!(svg.contains(
            "data-region=\"36UNK\" aria-label=\"Unknown, New York: no cases per 100,000 (no \
             population or no data)\""
        ));
        // A county of us-atlas that the listing lacks is drawn, without data.
        assert!(svg.contains("data-region=\"36003\""));
        assert_eq!(svg.matches("<a ").count(), shapes(ny).len() + 1);
    }
}
