//! `/v1/regions/{id}/counties` through the `api` binary, signed in as the API function's role
//! (the IAM gate judges its reads by the template's policy), on a table the real ETL loaded
//! with NYT's real county window of 2021-07-08 and JHU's populations.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// NYT's rows of 2021-07-08 for `state`: county name -> (cases, deaths as written).
fn newest_rows(state: &str) -> BTreeMap<String, (u64, String)> {
    let bytes = testkit::file_bytes(&testkit::snapshot("nyt-us-counties-recent.csv.gz"));
    let text = String::from_utf8(bytes).unwrap();
    text.lines()
        .filter(|l| l.starts_with("2021-07-08,"))
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[2] == state)
        .map(|f| (f[1].to_string(), (f[4].parse().unwrap(), f[5].to_string())))
        .collect()
}

#[tokio::test]
async fn a_state_s_counties_with_their_newest_day_populations_and_notes() {
    let loaded = loaded_table_with_counties("counties").await;
    let server = start_api(&loaded, &std::env::temp_dir()).await;
    let get = |path: &str| reqwest::get(format!("{}{path}", server.base));
    // One county's entry in its state's answer.
    let county = |state: &str, id: &str| {
        let (answer, id) = (
            get(&format!("/v1/regions/{state}/counties")),
            id.to_string(),
        );
        async move {
            let body = answer.await.unwrap().bytes().await.unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap();
            let found = body["counties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == *id);
            found.cloned().unwrap_or_else(|| panic!("{id} in {body}"))
        }
    };

    let answer = get("/v1/regions/ny/counties").await.unwrap();
    assert_eq!(answer.status(), 200);
    let tag = answer.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["state"], "NY");
    let counties = body["counties"].as_array().unwrap();
    // Every geography NYT gives New York on its newest day, each once, nothing else.
    let rows = newest_rows("New York");
    let names: Vec<&str> = counties
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), rows.len());
    for county in counties {
        let name = county["name"].as_str().unwrap();
        let (cases, deaths) = &rows[name];
        let latest = &county["latest"];
        assert_eq!(latest["date"], "2021-07-08", "{county}");
        assert_eq!(latest["cases"], *cases, "{county}");
        assert_eq!(latest["deaths"].to_string(), *deaths, "{county}");
        assert_eq!(county["state"], "NY");
        assert_eq!(county["first_date"], "2021-06-09", "the window's first day");
        assert_eq!(county["count"], 30);
    }
    let nyc = counties.iter().find(|c| c["id"] == "36NYC").unwrap();
    assert_eq!(nyc["fips"], Value::Null);
    assert_eq!(nyc["population"], 8_336_817, "the five boroughs' sum");
    assert!(nyc["note"].as_str().unwrap().contains("boroughs"));
    assert!(nyc["latest"]["avg7_cases_per_100k"].as_f64().unwrap() > 0.0);
    assert!(!names.contains(&"Kings"), "NYT counts the boroughs as one");
    assert!(
        counties.iter().all(|c| c["id"] != "36UNK"),
        "none on these days"
    );

    // Puerto Rico's municipios report no deaths: null, never 0.
    let adjuntas = county("PR", "72001").await;
    assert_eq!(adjuntas["latest"]["deaths"], Value::Null, "{adjuntas}");
    assert_eq!(adjuntas["latest"]["avg7_deaths"], Value::Null);
    assert!(adjuntas["latest"]["avg7_cases"].is_number());

    // Connecticut's "Unknown": no population, so no per-100k figures, and the note says so.
    let unknown = county("CT", "09UNK").await;
    assert_eq!(unknown["population"], Value::Null);
    assert_eq!(unknown["latest"]["cases"], 1_181);
    assert_eq!(unknown["latest"]["avg7_cases_per_100k"], Value::Null);
    assert!(
        unknown["note"]
            .as_str()
            .unwrap()
            .contains("could not place")
    );

    // The same answer again is not sent again; the nation and a non-state have none.
    let again = reqwest::Client::new()
        .get(format!("{}/v1/regions/NY/counties", server.base))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    for path in ["/v1/regions/US/counties", "/v1/regions/ZZ/counties"] {
        let answer = get(path).await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        let problem: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        assert!(problem["detail"].is_string(), "{problem}");
    }
}

/// NYT's rows for the county `fips` in the window: (date, cases, deaths as written).
fn county_rows(fips: &str) -> Vec<(String, u64, String)> {
    let bytes = testkit::file_bytes(&testkit::snapshot("nyt-us-counties-recent.csv.gz"));
    let text = String::from_utf8(bytes).unwrap();
    text.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[3] == fips)
        .map(|f| (f[0].to_string(), f[4].parse().unwrap(), f[5].to_string()))
        .collect()
}

#[tokio::test]
async fn a_county_is_served_on_every_per_region_path() {
    let loaded = loaded_table_with_counties("county-paths").await;
    let server = start_api(&loaded, &std::env::temp_dir()).await;
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client.get(format!("{}{path}", server.base));
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            let tag = answer
                .headers()
                .get("etag")
                .map(|t| t.to_str().unwrap().to_string());
            let body = answer.text().await.unwrap();
            (status, tag, body)
        }
    };
    let json = |body: &str| -> Value { serde_json::from_str(body).unwrap() };

    // Cook County, Illinois: the series is NYT's rows, in date order.
    let cook = county_rows("17031");
    let (status, tag, body) = get("/v1/regions/17031/series".into()).await;
    assert_eq!(status, 200, "{body}");
    let series = json(&body);
    let days = series["data"].as_array().unwrap();
    assert_eq!(days.len(), cook.len());
    for (day, (date, cases, deaths)) in days.iter().zip(&cook) {
        assert_eq!(
            (
                day["date"].as_str().unwrap(),
                &day["cases"],
                day["deaths"].to_string()
            ),
            (date.as_str(), &Value::from(*cases), deaths.clone())
        );
        assert_eq!(day["revisions"], 0);
    }
    assert_eq!(series["meta"]["vintage"], "2021-07-08");
    // Revalidated by its tag; any case of the id names the same county.
    let again = client
        .get(format!("{}/v1/regions/17031/series", server.base))
        .header("If-None-Match", tag.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Puerto Rico's Adjuntas: deaths not reported are null in JSON, empty in CSV, and make no
    // daily change.
    let (status, _, body) = get("/v1/regions/72001/series.csv".into()).await;
    assert_eq!(status, 200, "{body}");
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("date,cases,deaths,recovered,revisions"));
    assert_eq!(lines.next(), Some("2021-06-09,552,,,0"));
    let (_, _, body) = get("/v1/regions/72001/daily".into()).await;
    let daily = json(&body);
    let newest = daily["data"].as_array().unwrap().last().unwrap().clone();
    assert!(newest["new_cases"].is_number(), "{newest}");
    assert_eq!(newest["new_deaths"], Value::Null);
    assert_eq!(newest["avg7_deaths"], Value::Null);
    assert!(
        newest["avg7_cases_per_100k"].is_number(),
        "JHU's population"
    );
    let (_, _, body) = get("/v1/regions/72001/latest".into()).await;
    let latest = json(&body);
    assert_eq!(
        (&latest["day"]["date"], &latest["day"]["deaths"]),
        (&Value::from("2021-07-08"), &Value::Null)
    );

    // Cook's entry in Illinois's listing (the ETL's) says what its series says (the API's).
    let (_, _, body) = get("/v1/regions/IL/counties".into()).await;
    let listing = json(&body);
    let entry = listing["counties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "17031")
        .unwrap()
        .clone();
    let (_, _, body) = get("/v1/regions/17031/latest".into()).await;
    let latest = json(&body);
    for (listed, served) in [
        ("date", &latest["day"]["date"]),
        ("cases", &latest["day"]["cases"]),
        ("deaths", &latest["day"]["deaths"]),
        ("avg7_cases", &latest["change"]["avg7_cases"]),
        (
            "avg7_cases_per_100k",
            &latest["change"]["avg7_cases_per_100k"],
        ),
        (
            "avg7_deaths_per_100k",
            &latest["change"]["avg7_deaths_per_100k"],
        ),
    ] {
        assert_eq!(&entry["latest"][listed], served, "{listed}");
    }
    assert_eq!(entry["count"], cook.len());

    // New York City, by its id in any case, with its five boroughs' population.
    let (status, _, body) = get("/v1/regions/36nyc/levels".into()).await;
    assert_eq!(status, 200, "{body}");
    let levels = json(&body);
    let level = levels["data"].as_array().unwrap().last().unwrap().clone();
    assert!(level["level"].is_string(), "{level}");

    // Every day of the window is one change, published by the run of 2021-07-08.
    let (status, _, body) = get("/v1/regions/17031/revisions".into()).await;
    assert_eq!(status, 200, "{body}");
    let changes = json(&body);
    let changes = changes["data"].as_array().unwrap();
    assert_eq!(changes.len(), cook.len());
    assert!(changes.iter().all(|c| c["region"] == "17031"
        && c["kind"] == "new"
        && c["vintage"] == "2021-07-08"
        && c["before"].is_null()));

    // As of its only vintage, the same days; before it, a 404 that names the county.
    let (status, _, body) = get("/v1/regions/17031/series?as_of=2021-07-08".into()).await;
    assert_eq!(
        (status, json(&body)["data"].as_array().unwrap().len()),
        (200, cook.len())
    );
    let (status, _, body) = get("/v1/regions/17031/series?as_of=2021-07-01".into()).await;
    assert_eq!(status, 404, "{body}");
    assert!(
        json(&body)["detail"]
            .as_str()
            .unwrap()
            .contains("Cook, Illinois (17031)")
    );

    // The chart embeds a county like a state, named with its state.
    let (status, _, body) = get("/v1/regions/17031/chart.svg?metric=deaths".into()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Cook, Illinois: new deaths a day"), "{body}");
    // Connecticut's "Unknown" has no population: no per-capita chart, and the problem says so.
    let (status, _, body) = get("/v1/regions/09UNK/chart.svg?percap=1".into()).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("Unknown, Connecticut has no population"),
        "{body}"
    );

    // A county id NYT does not publish, and another state's letters: 404.
    for path in ["/v1/regions/17999/series", "/v1/regions/17NYC/latest"] {
        let (status, _, body) = get(path.into()).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    // `/v1/regions` stays the nation and the states.
    let (_, _, body) = get("/v1/regions".into()).await;
    assert_eq!(json(&body)["regions"].as_array().unwrap().len(), 56);
}

#[tokio::test]
async fn the_revisions_of_every_region_page_through_every_county_change_once() {
    let loaded = loaded_table_with_counties("county-revisions").await;
    let server = start_api(&loaded, &std::env::temp_dir()).await;
    let client = reqwest::Client::new();
    let mut next = Some("/v1/revisions?limit=5000".to_string());
    let (mut pages, mut seen) = (0, Vec::new());
    while let Some(path) = next {
        let answer = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        let data = body["data"].as_array().unwrap();
        assert!(data.len() <= 5_000);
        seen.extend(data.iter().map(|c| {
            (
                c["vintage"].as_str().unwrap().to_string(),
                c["region"].as_str().unwrap().to_string(),
                c["date"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
            )
        }));
        next = body["meta"]["next"].as_str().map(str::to_string);
        pages += 1;
        assert!(pages < 100, "the pages end");
    }
    // Every row of the county window once (each a new county day of the run of 2021-07-08),
    // and every region's changes.
    let counties: Vec<_> = seen.iter().filter(|c| c.1.len() == 5).collect();
    assert_eq!(counties.len(), 97_393);
    assert!(counties.iter().all(|c| c.0 == "2021-07-08" && c.3 == "new"));
    let mut unique = counties.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), counties.len(), "none twice");
    let regions = seen.len() - counties.len();
    let (_, _, body) = {
        let answer = reqwest::get(format!(
            "{}/v1/regions/NY/revisions?limit=5000",
            server.base
        ))
        .await
        .unwrap();
        ((), (), answer.text().await.unwrap())
    };
    let ny: Value = serde_json::from_str(&body).unwrap();
    assert!(
        regions > ny["data"].as_array().unwrap().len(),
        "the states' too"
    );
    // In order: by vintage, then region (a state before its counties), then date.
    let vintages: Vec<&str> = seen.iter().map(|c| c.0.as_str()).collect();
    assert!(vintages.is_sorted());
    // `since` after the only vintage: nothing.
    let answer = reqwest::get(format!("{}/v1/revisions?since=2021-07-09", server.base))
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 0, "{body}");
}

/// `/v1/places` names every region and every county of the window once, each county with its
/// state, within the site's budget for the search's names (issue 37: 30 KB gzip).
#[tokio::test]
async fn every_place_is_named_once_within_the_search_s_budget() {
    use std::io::Write;
    let loaded = loaded_table_with_counties("places").await;
    let server = start_api(&loaded, &std::env::temp_dir()).await;
    let answer = reqwest::get(format!("{}/v1/places", server.base))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let bytes = answer.bytes().await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let places = body["places"].as_array().unwrap();

    // Every geography of the window (by state and name), as NYT writes them.
    let file = testkit::file_bytes(&testkit::snapshot("nyt-us-counties-recent.csv.gz"));
    let text = String::from_utf8(file).unwrap();
    let window: std::collections::BTreeSet<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|f| (f[2].to_string(), f[1].to_string()))
        .collect();
    let regions = covid_model::Region::all();
    assert_eq!(places.len(), regions.len() + window.len());
    assert_eq!(places[0]["id"], "US");
    let mut ids = std::collections::BTreeSet::new();
    let mut named = std::collections::BTreeSet::new();
    for place in places {
        let id = place["id"].as_str().unwrap();
        assert!(ids.insert(id.to_string()), "{id} twice");
        match place.get("state") {
            None => assert!(covid_model::Region::by_id(id).is_some(), "{place}"),
            Some(state) => {
                let state = covid_model::Region::by_id(state.as_str().unwrap()).unwrap();
                let county = covid_model::CountyId::parse(id).unwrap();
                assert_eq!(county.state(), state, "{place}");
                named.insert((
                    state.name.to_string(),
                    place["name"].as_str().unwrap().into(),
                ));
            }
        }
    }
    assert_eq!(named, window);

    // The CSV the site's search reads says the same, in the same order.
    let csv = reqwest::get(format!("{}/v1/places.csv", server.base))
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.bytes().await.unwrap();
    let text = std::str::from_utf8(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,name,state"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), places.len());
    for (row, place) in rows.iter().zip(places) {
        let state = place.get("state").and_then(Value::as_str).unwrap_or("");
        let expected = [
            place["id"].as_str().unwrap(),
            place["name"].as_str().unwrap(),
            state,
        ];
        assert_eq!(row[..], expected[..]);
    }

    let gzip = |bytes: &[u8]| {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(bytes).unwrap();
        gzip.finish().unwrap().len()
    };
    let (json_gz, csv_gz) = (gzip(&bytes), gzip(&csv));
    println!(
        "/v1/places: {} places, {} B, {json_gz} B gzip; /v1/places.csv: {} B, {csv_gz} B gzip",
        places.len(),
        bytes.len(),
        csv.len()
    );
    assert!(
        json_gz <= 30_000 && csv_gz <= 30_000,
        "{json_gz}, {csv_gz} B gzip"
    );
}

/// `/v1/regions/{state}/counties/map.svg`: every county of the state's listing is a link on
/// its state's map, as a shape or, without one, a line under the legend; the largest state's map
/// is within the 30 KB gzip.
#[tokio::test]
async fn a_state_s_county_map_links_every_county_within_its_budget() {
    use std::io::Write;
    let loaded = loaded_table_with_counties("county-map").await;
    let server = start_api(&loaded, &std::env::temp_dir()).await;
    let get = |path: String| reqwest::get(format!("{}{path}", server.base));
    let mut largest = (0, String::new());
    for state in covid_model::STATES {
        let answer = get(format!("/v1/regions/{}/counties/map.svg", state.id))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", state.id);
        assert_eq!(answer.headers()["content-type"], "image/svg+xml");
        let svg = answer.text().await.unwrap();
        let listing = get(format!("/v1/regions/{}/counties", state.id))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let listing: Value = serde_json::from_slice(&listing).unwrap();
        for county in listing["counties"].as_array().unwrap() {
            let link = format!("data-region=\"{}\"", county["id"].as_str().unwrap());
            assert_eq!(svg.matches(&link).count(), 1, "{}: {link}", state.id);
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(svg.as_bytes()).unwrap();
        let size = gzip.finish().unwrap().len();
        if size > largest.0 {
            largest = (size, format!("{} ({} B)", state.id, svg.len()));
        }
    }
    println!(
        "the largest county map: {} B gzip, {}",
        largest.0, largest.1
    );
    assert!(largest.0 <= 30_000, "{largest:?}");

    // New York City is one shape; Texas' counties are shapes, Puerto Rico's municipios lines.
    let ny = get("/v1/regions/ny/counties/map.svg?metric=deaths".into())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ny.contains("by county: New York"), "{}", &ny[..300]);
    let nyc = ny.split("data-region=\"36NYC\"").nth(1).unwrap();
    assert!(
        nyc.starts_with(" aria-label=\"New York City, New York: "),
        "{}",
        &nyc[..120]
    );
    assert!(nyc[..nyc.find("</a>").unwrap()].contains("<path d=\"M"));
    let pr = get("/v1/regions/PR/counties/map.svg".into())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!pr.contains("<path d=\"M"), "us-atlas draws no municipio");
    assert!(pr.contains("data-region=\"72001\" aria-label=\"Adjuntas, Puerto Rico: "));
    for (path, status) in [
        ("/v1/regions/US/counties/map.svg", 404),
        ("/v1/regions/36061/counties/map.svg", 404),
        ("/v1/regions/NY/counties/map.svg?metric=recovered", 400),
    ] {
        assert_eq!(get(path.into()).await.unwrap().status(), status, "{path}");
    }
}
