//! `GET /v1/regions/{id}/chart.svg` from the `api` binary over real HTTP, on DynamoDB Local
//! loaded by the real ETL with the bundled snapshot: a well-formed SVG of at most 20 KB that
//! carries the newest day and value, byte-identical to what the site's drawing code (the
//! `covid-chart` crate) draws from the API's own JSON for the same view, revalidated by its
//! tag, and bad parameters refused as problems.

mod common;

use covid_chart::data::Data;
use covid_chart::embed::Embed;
use covid_model::{Day, Region};
use reqwest::StatusCode;
use serde_json::Value;

/// Panics unless `svg` is one well-formed XML element (every tag closed, in order) named `svg`.
fn assert_well_formed(svg: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    for token in xmlparser::Tokenizer::from(svg) {
        match token.unwrap_or_else(|e| panic!("not XML: {e}")) {
            xmlparser::Token::ElementStart { local, .. } => {
                if open.is_empty() {
                    roots += 1;
                    assert_eq!(local.as_str(), "svg", "the root");
                }
                open.push(local.to_string());
            }
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Close(_, local) => {
                    assert_eq!(
                        open.pop().as_deref(),
                        Some(local.as_str()),
                        "closed in order"
                    )
                }
                xmlparser::ElementEnd::Empty => {
                    open.pop();
                }
            },
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    assert_eq!(roots, 1);
}

#[tokio::test]
async fn embeddable_charts_are_the_site_s_drawing_of_the_loaded_data() {
    let loaded = common::loaded_table_with_states("api-charts").await;
    let server = common::start_api(&loaded, &std::env::temp_dir()).await;
    let client = reqwest::Client::new();
    let get = |path: String| client.get(format!("{}{path}", server.base)).send();
    let json = |body: &[u8]| -> Value { serde_json::from_slice(body).unwrap() };

    let regions = json(
        &get("/v1/regions".into())
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    );
    for id in ["US", "NY", "PR"] {
        let population = regions["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["population"]
            .as_u64();
        let series = json(
            &get(format!("/v1/regions/{id}/series"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        );
        let days: Vec<Day> = serde_json::from_value(series["data"].clone()).unwrap();
        let revisions = common::revisions_of(&series);
        let newest = *days.last().unwrap();
        let data =
            Data::new(Region::by_id(id).unwrap(), days, population).with_revisions(revisions);
        for query in [
            "",
            "days=all",
            "metric=deaths&view=cumulative&days=all",
            "percap=1&days=365&scale=log",
        ] {
            let path = format!("/v1/regions/{id}/chart.svg?{query}");
            let response = get(path.clone()).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let headers = response.headers().clone();
            assert_eq!(headers["content-type"], "image/svg+xml", "{path}");
            assert_eq!(headers["access-control-allow-origin"], "*");
            assert!(headers.contains_key("cache-control"));
            let svg = response.text().await.unwrap();
            assert!(svg.len() <= 20_000, "{path}: {} bytes", svg.len());
            assert_well_formed(&svg);
            // What the site's drawing code draws from the API's own JSON, byte for byte.
            let pairs: Vec<(&str, &str)> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.split_once('='))
                .collect();
            let drawn = Embed::parse(pairs).unwrap().draw(&data).unwrap();
            assert!(svg == drawn, "{path}: not the site's drawing");
            if query.is_empty() || id == "US" {
                let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-artifacts");
                std::fs::create_dir_all(artifacts).unwrap();
                let name = query
                    .split('&')
                    .next()
                    .unwrap_or_default()
                    .replace('=', "-");
                std::fs::write(format!("{artifacts}/chart-{id}{name}.svg"), &svg).unwrap();
            }
            // The newest day, in the text.
            let day = covid_chart::format::date(newest.date);
            assert!(svg.contains(&format!(". {day}: ")), "{path}: {day}");
            let again = client
                .get(format!("{}{path}", server.base))
                .header("if-none-match", headers["etag"].clone())
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        }
        // The newest cumulative count, as the page says it.
        let svg = get(format!("/v1/regions/{id}/chart.svg?view=cumulative"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let count = covid_model::thousands(newest.cases);
        assert!(svg.contains(&format!(": {count}</text>")), "{id}: {count}");
    }
    // The README's example is this chart, as served from the bundled snapshot; it is written
    // again with UPDATE_DOCS=1.
    let readme_chart = get("/v1/regions/US/chart.svg?days=all".into())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/chart-US.svg");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(committed, &readme_chart).unwrap();
    }
    assert!(
        std::fs::read_to_string(committed).ok().as_deref() == Some(readme_chart.as_str()),
        "docs/chart-US.svg is not what the API draws: run `UPDATE_DOCS=1 cargo test -p api --test charts`"
    );
    // The map: 51 shapes and 4 tiles, each named with its /v1/regions figure, under 40 KB gzip.
    for metric in ["cases", "deaths"] {
        let response = get(format!("/v1/map.svg?metric={metric}")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<path ").count(), 51, "{metric}");
        assert_eq!(svg.matches("<rect class=\"tile\"").count(), 4, "{metric}");
        for region in regions["regions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] != "US")
        {
            let (id, name) = (
                region["id"].as_str().unwrap(),
                region["name"].as_str().unwrap(),
            );
            let value = region["latest"][format!("avg7_{metric}_per_100k")].as_f64();
            // To one decimal, never -0.0; a negative figure is a revision down.
            let label = match value.map(|v| (v * 10.0).round() / 10.0 + 0.0) {
                Some(v) if v < 0.0 => format!(
                    "{name}: {v:.1} new {metric} per 100,000, 7-day average (the source revised \
                     its total down)"
                ),
                Some(v) => format!("{name}: {v:.1} new {metric} per 100,000, 7-day average"),
                None => format!("{name}: no {metric} per 100,000 (no population or no data)"),
            };
            assert!(
                svg.contains(&format!("data-region=\"{id}\""))
                    && svg.contains(&format!("aria-label=\"{label}\"")),
                "{id}: {label}"
            );
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, svg.as_bytes()).unwrap();
        let gzipped = gz.finish().unwrap().len();
        assert!(gzipped <= 40_000, "{metric}: {gzipped} B gzip");
        let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-artifacts");
        std::fs::write(format!("{artifacts}/map-{metric}.svg"), &svg).unwrap();
    }
    for (path, status) in [
        ("/v1/map.svg?metric=recovered", 400),
        ("/v1/map.svg?metric=cases&metric=deaths", 400),
        ("/v1/regions/NY/chart.svg?metric=recovered", 400),
        ("/v1/regions/NY/chart.svg?width=5000", 400),
        ("/v1/regions/NY/chart.svg?days=7&from=2021-01-01", 400),
        ("/v1/regions/NY/chart.svg?from=2030-01-01", 400),
        ("/v1/regions/ZZ/chart.svg", 404),
    ] {
        let response = get(path.to_string()).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}
