//! The API as the site calls it: where it is, the one request the page makes, and the links
//! it offers. The wire types are the model crate's, shared with the server.

use covid_model::{DailyPoint, Day, SeriesResponse};
use leptos::prelude::{document, window};
use wasm_bindgen::JsCast;

/// The series as loaded once per page, with its daily values and 7-day averages computed by
/// the model crate, as the API computes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub days: Vec<Day>,
    pub daily: Vec<DailyPoint>,
    pub source: String,
    pub last_changed: Option<String>,
}

/// The API's base URL: `<meta name="api-base" content="...">`, empty for the same origin.
pub fn base() -> String {
    document()
        .query_selector("meta[name=api-base]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

/// The CSV download of the shown days, or of all of them.
pub fn csv_url(shown: Option<(chrono::NaiveDate, chrono::NaiveDate)>) -> String {
    match shown {
        Some((from, to)) => format!("{}/v1/series.csv?from={from}&to={to}", base()),
        None => format!("{}/v1/series.csv", base()),
    }
}

/// `GET /v1/series`: the whole series, or the text to show instead of the chart.
pub async fn load() -> Result<Data, String> {
    use wasm_bindgen_futures::JsFuture;
    let url = format!("{}/v1/series", base());
    let js = |e: wasm_bindgen::JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let response = JsFuture::from(window().fetch_with_str(&url))
        .await
        .map_err(js)?;
    let response: web_sys::Response = response.dyn_into().map_err(js)?;
    let text = JsFuture::from(response.text().map_err(js)?)
        .await
        .map_err(js)?
        .as_string()
        .unwrap_or_default();
    if !response.ok() {
        // The API answers errors as problem details; show their detail.
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or(text);
        return Err(format!("{url} answered {}: {detail}", response.status()));
    }
    let series: SeriesResponse =
        serde_json::from_str(&text).map_err(|e| format!("{url}: unexpected answer: {e}"))?;
    if series.data.is_empty() {
        return Err("The API has no days yet: the ETL has not loaded any data.".to_string());
    }
    Ok(Data {
        daily: covid_model::daily(&series.data),
        days: series.data,
        source: series.meta.source,
        last_changed: series.meta.last_changed,
    })
}
