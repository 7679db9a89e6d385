//! The map of the states: the 50 states and DC as shapes (npm `us-atlas`, pre-projected to
//! Albers USA, turned into path data by `scripts/us-map.mjs`: `us-states.txt`), the four
//! territories as labelled tiles beside them, each coloured by the chosen metric's newest 7-day
//! average per 100,000 residents from the regions' list, with a legend of the bins. One
//! standalone SVG: the API serves it (`/v1/map.svg`), and the site puts it in the page, where
//! each shape is a link to its region that names its value for screen readers and shows it on
//! hover and focus.

use covid_model::{Region, RegionLatest, RegionSummary};

use crate::format::compact;
use crate::metric::Metric;

/// One line per state: its FIPS code, its label's point, its path.
const SHAPES: &str = include_str!("us-states.txt");

/// The territories, drawn as tiles: Albers USA has no room for them.
pub const TERRITORIES: [&str; 4] = ["PR", "GU", "VI", "MP"];

/// The bins' colours, light to dark (viridis): told apart with the common colour-vision
/// deficiencies, by lightness alone too, and on dark backgrounds (each shape is outlined).
pub(crate) const COLOURS: [&str; 6] = [
    "#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154",
];
/// A region without a value (no population, or no days).
pub(crate) const NO_DATA: &str = "#9aa0a6";
/// A negative average: the source revised its total down over the week (a hue outside viridis'
/// range, and named in the legend and the region's label).
pub(crate) const BELOW_ZERO: &str = "#e66101";

/// The map's box: the states' 975 x 610, the legend and the tiles below.
pub(crate) const WIDTH: u32 = 975;
pub(crate) const HEIGHT: u32 = 680;

/// Below this width of the page (inline) or of the image, the legend takes its narrow layout.
const NARROW_MAP: &str = "48rem";
/// The narrow layout's text size, in the map's units: about 11 px on a 360 px phone.
const NARROW_TEXT: i32 = 32;
/// The narrow legend's band: left of the territories' tiles.
const NARROW_WIDTH: i32 = 700;

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
    newest(summary.latest.as_ref(), metric)
}

/// A newest day's 7-day average of `metric` per 100,000 residents (a region's or a county's).
pub(crate) fn newest(latest: Option<&RegionLatest>, metric: Metric) -> Option<f64> {
    let latest = latest?;
    match metric {
        Metric::Deaths => latest.avg7_deaths_per_100k,
        _ => latest.avg7_cases_per_100k,
    }
}

/// A value as the map shows it: to one decimal (never `-0.0`).
pub(crate) fn shown(value: f64) -> f64 {
    let v = (value * 10.0).round() / 10.0;
    if v == 0.0 { 0.0 } else { v }
}

/// The bins' lower bounds: round steps from 0 up to the highest value as shown (at most six
/// bins), never finer than the tenths the map shows, so each label is its own and a value
/// lies in the bin its shown figure says.
pub(crate) fn bounds(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let high = values.map(shown).fold(0.0, f64::max);
    let ticks = crate::draw::round_ticks(0.0, high, COLOURS.len());
    if ticks.len() >= 2 && ticks[1] - ticks[0] < 0.1 - 1e-9 {
        let tenths = (high * 10.0 + 1e-9).floor() as u32;
        return (0..=tenths).map(|t| f64::from(t) / 10.0).collect();
    }
    if ticks.is_empty() { vec![0.0] } else { ticks }
}

/// The colour of `value` among `bounds`, by its figure as shown: the bins are spread over the
/// whole scale; below 0 has its own.
pub(crate) fn colour(value: Option<f64>, bounds: &[f64]) -> &'static str {
    let Some(v) = value.map(shown) else {
        return NO_DATA;
    };
    if v < 0.0 {
        return BELOW_ZERO;
    }
    let bin = bounds.iter().rposition(|b| v >= *b - 1e-9).unwrap_or(0);
    let step = (COLOURS.len() - 1) as f64 / (bounds.len().max(2) - 1) as f64;
    COLOURS[((bin as f64) * step).round() as usize]
}

/// A bound as the legend names it: with as many decimals as the steps need.
fn bound_label(bound: f64, bounds: &[f64]) -> String {
    let fine = bounds.windows(2).any(|w| w[1] - w[0] < 1.0 - 1e-9);
    if fine && bound < 1000.0 {
        format!("{bound:.1}")
    } else {
        compact(bound)
    }
}

/// `New York: 31.2 new cases per 100,000, 7-day average`; a negative one says the source
/// revised its total down.
pub fn label(name: &str, value: Option<f64>, metric: Metric) -> String {
    let what = metric.label().to_ascii_lowercase();
    match value.map(shown) {
        Some(v) if v < 0.0 => format!(
            "{name}: {v:.1} new {what} per 100,000, 7-day average (the source revised its total down)"
        ),
        Some(v) => format!("{name}: {v:.1} new {what} per 100,000, 7-day average"),
        None => format!("{name}: no {what} per 100,000 (no population or no data)"),
    }
}

/// One place's shape (or tile, or line): a link to it (`id`), named for screen readers by
/// `name`, its value shown on hover and focus after `short` (hidden from screen readers, which
/// hear the name).
pub(crate) fn link(
    out: &mut String,
    (id, short, name): (&str, &str, &str),
    shape: &str,
    text: (i32, i32),
    value: Option<f64>,
    metric: Metric,
) {
    let label = crate::markup::escaped(&label(name, value, metric));
    let figure = value.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}", shown(v)));
    let short = crate::markup::escaped(short);
    out.push_str(&format!(
        "<a class=\"region\" href=\"?region={id}\" data-region=\"{id}\" aria-label=\"{label}\"><title>{label}</title>{shape}\
         <text class=\"value\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" aria-hidden=\"true\">{short} {figure}</text></a>",
        x = text.0,
        y = text.1,
    ));
}

/// The map of `regions` (the `/v1/regions` list) by `metric` (cases or deaths).
pub fn draw(regions: &[RegionSummary], metric: Metric) -> String {
    let of = |id: &str| regions.iter().find(|r| r.id == id);
    let mapped = |region: Region| of(region.id).and_then(|r| value(r, metric));
    let shapes = shapes();
    let values: Vec<f64> = shapes
        .iter()
        .map(|s| s.0)
        .chain(TERRITORIES.iter().filter_map(|id| Region::by_id(id)))
        .filter_map(mapped)
        .collect();
    let bounds = bounds(values.iter().copied());
    let below_zero = values.iter().any(|v| shown(*v) < 0.0);
    let what = metric.label().to_ascii_lowercase();
    let title = format!("New {what} per 100,000 residents, 7-day average, by state");
    let mut out = open(&title, HEIGHT);
    for (region, at, path) in &shapes {
        let value = mapped(*region);
        let shape = format!("<path d=\"{path}\" fill=\"{}\"/>", colour(value, &bounds));
        link(
            &mut out,
            (region.id, region.id, region.name),
            &shape,
            *at,
            value,
            metric,
        );
    }
    // The territories: tiles in a row at the bottom right.
    for (i, id) in TERRITORIES.iter().enumerate() {
        let Some(region) = Region::by_id(id) else {
            continue;
        };
        let value = mapped(region);
        let x = 715 + 62 * i as i32;
        let shape = format!(
            "<rect class=\"tile\" x=\"{x}\" y=\"614\" width=\"54\" height=\"36\" rx=\"4\" fill=\"{}\"/>",
            colour(value, &bounds),
        );
        let names = (region.id, region.id, region.name);
        link(&mut out, names, &shape, (x + 27, 607), value, metric);
        // The tile's name, outside its link: the link's accessible name is its full sentence.
        out.push_str(&format!(
            "<text class=\"key\" x=\"{}\" y=\"676\" text-anchor=\"middle\" aria-hidden=\"true\">{id}</text>",
            x + 27
        ));
    }
    legend(&mut out, &keys(&bounds, below_zero), &title);
    out.push_str("</svg>");
    out
}

/// A map's opening: the SVG, `height` units high, named `title`, with its style.
pub(crate) fn open(title: &str, height: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" class=\"map\" \
         role=\"group\" aria-label=\"{title}\"><title>{title}</title>\
         <style>.map .region path,.map .region rect{{stroke:#ffffff;stroke-width:0.75}}\
         .map .value{{display:none;font:bold 14px sans-serif;fill:#111;paint-order:stroke;\
         stroke:#fff;stroke-width:3px}}.map .region:hover .value,.map .region:focus .value{{display:inline}}\
         .map .region:focus path,.map .region:focus rect{{stroke:#111;stroke-width:2.5}}\
         .map .key{{font:13px sans-serif;fill:currentColor}}.map .narrow{{display:none}}\
         @media (max-width:{NARROW_MAP}){{.map .wide{{display:none}}.map .narrow{{display:inline}}\
         .map .key{{font-size:{NARROW_TEXT}px}}}}</style>"
    )
}

/// The legend's keys: "below 0" when a value is, each bin's colour and lower bound, and "no
/// data".
pub(crate) fn keys(bounds: &[f64], below_zero: bool) -> Vec<(&'static str, String)> {
    let mut keys: Vec<(&str, String)> = Vec::new();
    if below_zero {
        keys.push((BELOW_ZERO, "< 0".to_string()));
    }
    for (i, bound) in bounds.iter().enumerate() {
        let last = if i + 1 == bounds.len() { "≥ " } else { "" };
        keys.push((
            colour(Some(*bound), bounds),
            format!("{last}{}", bound_label(*bound, bounds)),
        ));
    }
    keys.push((NO_DATA, "no data".to_string()));
    keys
}

/// The legend's two layouts, of which the map's style shows one: on a wide map, one row of
/// keys at the text size of the tiles' names, and the title; on a narrow one (a phone's page,
/// or an `<img>` of the map that narrow), where that text would be a few pixels high, keys
/// [`NARROW_TEXT`] units high flowing over two rows in the same band.
pub(crate) fn legend(out: &mut String, keys: &[(&str, String)], title: &str) {
    out.push_str("<g class=\"legend wide\">");
    let mut x = 20;
    for (fill, text) in keys {
        let width = if *fill == NO_DATA { 28 } else { 60 };
        if *fill == NO_DATA {
            x += 16;
        }
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"626\" width=\"{width}\" height=\"14\" fill=\"{fill}\"/>\
             <text class=\"key\" x=\"{x}\" y=\"656\">{}</text>",
            crate::markup::escaped(text)
        ));
        x += 64;
    }
    out.push_str(&format!(
        "<text class=\"key\" x=\"20\" y=\"676\">{title}</text></g><g class=\"legend narrow\">"
    ));
    let (mut x, mut y) = (0, 632);
    for (fill, text) in keys {
        // A swatch, the label at about 0.6 em a character, and a gap.
        let width = 30 + 8 + (text.chars().count() as i32 * NARROW_TEXT * 6 + 9) / 10 + 24;
        if x + width > NARROW_WIDTH {
            (x, y) = (0, y + NARROW_TEXT + 10);
        }
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"30\" height=\"{}\" fill=\"{fill}\"/>\
             <text class=\"key\" x=\"{}\" y=\"{y}\">{}</text>",
            y - NARROW_TEXT + 6,
            NARROW_TEXT - 6,
            x + 38,
            crate::markup::escaped(text)
        ));
        x += width;
    }
    out.push_str("</g>");
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
                deaths: Some(0),
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

    #[test]
    fn each_legend_label_is_its_own_and_a_value_sits_in_the_bin_its_figure_names() {
        // Deaths per 100k run 0 to 0.23: steps of 0.05 would read "0, 0.1, 0.1, 0.1, 0.2".
        let bounds = bounds([0.0, 0.12, 0.23].into_iter());
        assert_eq!(bounds, [0.0, 0.1, 0.2]);
        let labels: Vec<String> = bounds.iter().map(|b| bound_label(*b, &bounds)).collect();
        assert_eq!(labels, ["0.0", "0.1", "0.2"]);
        // Whole steps keep whole labels.
        let whole = [0.0, 10.0, 20.0];
        assert_eq!(bound_label(10.0, &whole), "10");
        // 9.988 is shown as 10.0, so it is in the bin of 10, not of 5.
        let fives = [0.0, 5.0, 10.0, 15.0];
        assert_eq!(colour(Some(9.988), &fives), colour(Some(10.0), &fives));
        assert_ne!(colour(Some(9.988), &fives), colour(Some(5.0), &fives));
        assert_eq!(
            label("Virgin Islands", Some(9.988), Metric::Cases)
                .split(": ")
                .nth(1)
                .unwrap(),
            "10.0 new cases per 100,000, 7-day average"
        );
        // Every legend label of the drawn map differs from the others.
        let regions: Vec<RegionSummary> = ["NY", "CA", "TX", "FL", "WA"]
            .iter()
            .zip([0.23, 0.12, 0.05, 0.0, 0.17])
            .map(|(id, v)| deaths(id, Some(v)))
            .collect();
        let svg = draw(&regions, Metric::Deaths);
        let keys: Vec<&str> = svg
            .split("<text class=\"key\" x=\"")
            .skip(1)
            .filter(|t| t.contains("y=\"656\""))
            .map(|t| &t[t.find('>').unwrap() + 1..t.find('<').unwrap()])
            .collect();
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), keys.len(), "{keys:?}");
    }

    #[test]
    fn a_narrow_map_has_the_same_legend_in_larger_keys_over_two_rows() {
        let regions = vec![deaths("CA", Some(-0.08)), deaths("NY", Some(0.55))];
        let svg = draw(&regions, Metric::Deaths);
        let (wide, narrow) = svg.split_once("<g class=\"legend narrow\">").unwrap();
        let wide = wide.split("<g class=\"legend wide\">").nth(1).unwrap();
        let labels = |g: &str| -> Vec<(i32, i32, String)> {
            g.split("<text class=\"key\" x=\"")
                .skip(1)
                .map(|t| {
                    let (x, rest) = t.split_once("\" y=\"").unwrap();
                    let (y, rest) = rest.split_once('"').unwrap();
                    let text = &rest[1..rest.find('<').unwrap()];
                    (x.parse().unwrap(), y.parse().unwrap(), text.to_string())
                })
                .collect()
        };
        let (wide, narrow) = (labels(wide), labels(narrow));
        let texts =
            |l: &[(i32, i32, String)]| -> Vec<String> { l.iter().map(|k| k.2.clone()).collect() };
        // The wide legend's keys, then its title.
        assert_eq!(texts(&narrow), texts(&wide[..wide.len() - 1]));
        assert_eq!(texts(&narrow).first().unwrap(), "&lt; 0");
        assert_eq!(texts(&narrow).last().unwrap(), "no data");
        let rows: std::collections::BTreeSet<i32> = narrow.iter().map(|k| k.1).collect();
        assert!(
            rows.len() <= 2 && *rows.last().unwrap() < HEIGHT as i32,
            "{narrow:?}"
        );
        for (x, _, text) in &narrow {
            let end = x + (text.chars().count() as i32 * NARROW_TEXT * 6 + 9) / 10;
            assert!(end <= NARROW_WIDTH, "{text} ends at {end}");
        }
        assert!(svg.contains(&format!(
            "@media (max-width:{NARROW_MAP}){{.map .wide{{display:none}}"
        )));
    }

    #[test]
    fn a_negative_average_has_its_own_bin_and_says_the_source_revised_down() {
        let regions = vec![deaths("CA", Some(-0.08)), deaths("NY", Some(0.2))];
        let svg = draw(&regions, Metric::Deaths);
        assert!(
            svg.contains(">&lt; 0</text>"),
            "the legend names the bin below 0"
        );
        assert!(svg.contains(&format!("fill=\"{BELOW_ZERO}\"")));
        assert!(svg.contains(
            "aria-label=\"California: -0.1 new deaths per 100,000, 7-day average (the source \
             revised its total down)\""
        ));
        assert_eq!(colour(Some(-0.08), &[0.0, 0.1]), BELOW_ZERO);
        // Without a negative value there is no such bin; -0.04 is shown as 0.0.
        let svg = draw(&[deaths("CA", Some(-0.04))], Metric::Deaths);
        assert!(!svg.contains("&lt; 0"));
        assert!(svg.contains("California: 0.0 new deaths"));
    }

    fn deaths(id: &str, per_100k: Option<f64>) -> RegionSummary {
        let mut r = summary(id, None);
        if let Some(latest) = r.latest.as_mut() {
            latest.avg7_deaths_per_100k = per_100k;
        }
        r
    }
}
