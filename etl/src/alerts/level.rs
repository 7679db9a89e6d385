//! Level alerts: each region's community transmission level on the newest day of the series a
//! run leaves stored, and the email that tells a region's subscribers it moved to another band.
//! Pure.

use std::collections::BTreeMap;

use covid_model::{Day, LevelChange, LevelDay, Region, newest_level};

use crate::alerts::{region_links, region_name, subject};
use crate::transform::StateSeries;

/// Each region's level on its newest day (`US` from the national series, each state from its
/// own), for the regions whose level is known: a population and 8 days at least.
pub fn current(
    national: &[Day],
    states: Option<&StateSeries>,
    populations: &BTreeMap<Region, u64>,
) -> BTreeMap<String, LevelDay> {
    let us = std::iter::once((covid_model::US, national));
    let states = states
        .into_iter()
        .flatten()
        .map(|(region, days)| (*region, days.as_slice()));
    us.chain(states)
        .filter_map(|(region, days)| {
            let level = newest_level(days, populations.get(&region).copied())?;
            Some((region.id.to_string(), level))
        })
        .collect()
}

/// The subject and body of the email to `change.region`'s level subscribers. `site`: the
/// public site's URL, for the links (none without it).
pub fn letter(change: &LevelChange, site: Option<&str>) -> (String, String) {
    let name = region_name(&change.region);
    let direction = if change.to > change.from {
        "up"
    } else {
        "down"
    };
    let subject = subject(format!(
        "{name}: COVID-19 transmission now {} (was {})",
        change.to.as_str(),
        change.from.as_str()
    ));
    let mut body = vec![
        format!(
            "{name}'s community transmission level is now {}, {direction} from {}.",
            change.to.as_str(),
            change.from.as_str()
        ),
        String::new(),
        format!(
            "New cases over the 7 days to {}: {:.1} per 100,000 residents.",
            change.date.format("%B %-d, %Y"),
            change.cases_per_100k_7d
        ),
        "CDC's levels of new cases per 100,000 over 7 days: low below 10, moderate 10 to \
         49.99, substantial 50 to 99.99, high 100 and above."
            .to_string(),
    ];
    body.extend(region_links(name, &change.region, site));
    body.extend([
        String::new(),
        "You get this email because you asked for level alerts of this place; the link \
         below ends them."
            .to_string(),
    ]);
    (subject, body.join("\n"))
}

#[cfg(test)]
mod tests {
    use covid_model::Level;

    use super::*;

    #[test]
    fn only_regions_with_a_population_and_a_week_have_a_level() {
        let days: Vec<Day> = (0..10u64)
            .map(|i| covid_model::testing::day(&format!("2020-03-{:02}", i + 1), 70 * i, 0, None))
            .collect();
        let ny = Region::by_id("NY").unwrap();
        let gu = Region::by_id("GU").unwrap();
        let states = StateSeries::from([(ny, days.clone()), (gu, days[..7].to_vec())]);
        let populations = BTreeMap::from([(ny, 1_000_000), (gu, 160_000)]);
        let levels = current(&days, Some(&states), &populations);
        // New York: 490 over 7 days in a million, 49 per 100k: moderate. Guam: 7 days only.
        // The nation: no population.
        assert_eq!(levels.keys().collect::<Vec<_>>(), ["NY"]);
        assert_eq!(levels["NY"].level, Some(Level::Moderate));
        assert_eq!(levels["NY"].date, days[9].date);
    }

    #[test]
    fn the_letter_names_the_place_both_levels_the_figure_and_the_links() {
        let change = LevelChange {
            region: "NY".to_string(),
            from: Level::Moderate,
            to: Level::Substantial,
            date: "2021-07-08".parse().unwrap(),
            cases_per_100k_7d: 63.249,
        };
        let (subject, body) = letter(&change, Some("https://covid.example"));
        assert_eq!(
            subject,
            "New York: COVID-19 transmission now substantial (was moderate)"
        );
        assert!(body.starts_with(
            "New York's community transmission level is now substantial, up from moderate."
        ));
        assert!(
            body.contains("7 days to July 8, 2021: 63.2 per 100,000"),
            "{body}"
        );
        assert!(body.contains("https://covid.example/?region=NY"), "{body}");
        assert!(
            body.contains("https://covid.example/v1/regions/NY/chart.svg"),
            "{body}"
        );
        let (_, plain) = letter(
            &LevelChange {
                from: Level::High,
                ..change
            },
            None,
        );
        assert!(plain.contains("down from high"), "{plain}");
        assert!(!plain.contains("http"), "{plain}");
    }
}
