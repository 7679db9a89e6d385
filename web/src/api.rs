//! The API as the site calls it: where it is, the series the page loads, the subscription it
//! sends, and the links it offers. The wire types are the model crate's, shared with the server.

use covid_model::{DailyPoint, Day, Region, RegionsResponse, SeriesResponse, SubscriptionRequest};
use leptos::prelude::{document, window};
use wasm_bindgen::JsCast;

/// The series as loaded once per page, with its daily values and 7-day averages computed by
/// the model crate, as the API computes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub region: Region,
    /// Residents, from `/v1/regions`; `None` when unknown (no per-capita figures).
    pub population: Option<u64>,
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

/// A region's series path: the national one for `US`, `/v1/regions/{id}/series` otherwise.
fn series_path(region: Region) -> String {
    if region.is_us() {
        "/v1/series".to_string()
    } else {
        format!("/v1/regions/{}/series", region.id)
    }
}

/// The CSV download of the shown days, or of all of them.
pub fn csv_url(region: Region, shown: Option<(chrono::NaiveDate, chrono::NaiveDate)>) -> String {
    let path = format!("{}{}.csv", base(), series_path(region));
    match shown {
        Some((from, to)) => format!("{path}?from={from}&to={to}"),
        None => path,
    }
}

/// The JS error as text.
fn js_text(e: wasm_bindgen::JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// The `detail` of a problem answer, or the body itself.
fn problem_detail(text: String) -> String {
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_string))
        .unwrap_or(text)
}

/// `POST /v1/subscriptions`: `Ok` when SNS sends the confirmation email; otherwise the text to
/// show (the problem's `detail`).
pub async fn subscribe(request: &SubscriptionRequest) -> Result<(), String> {
    use wasm_bindgen_futures::JsFuture;
    let url = format!("{}/v1/subscriptions", base());
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().map_err(js_text)?;
    headers
        .set("Content-Type", "application/json")
        .map_err(js_text)?;
    init.set_headers(&headers);
    let body = serde_json::to_string(request).map_err(|e| e.to_string())?;
    init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(js_text)?;
    let response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(|e| format!("The request could not be sent: {}", js_text(e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(js_text)?;
    if response.ok() {
        return Ok(());
    }
    let text = JsFuture::from(response.text().map_err(js_text)?)
        .await
        .map_err(js_text)?
        .as_string()
        .unwrap_or_default();
    Err(problem_detail(text))
}

/// The region's population from the `/v1/regions` answer; `None` if it is not there.
async fn population(answer: wasm_bindgen_futures::js_sys::Promise, region: Region) -> Option<u64> {
    use wasm_bindgen_futures::JsFuture;
    let response: web_sys::Response = JsFuture::from(answer).await.ok()?.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    let regions: RegionsResponse = serde_json::from_str(&text).ok()?;
    regions
        .regions
        .into_iter()
        .find(|r| r.id == region.id)?
        .population
}

/// A region's whole series (`id` as the URL gave it), or the text to show instead of the chart.
pub async fn load(id: String) -> Result<Data, String> {
    use wasm_bindgen_futures::JsFuture;
    let region = Region::by_id(&id).ok_or_else(|| {
        format!("There is no region {id:?}: choose the United States or a state or territory in the list.")
    })?;
    let url = format!("{}{}", base(), series_path(region));
    // Both requests in flight at once: the populations come with the regions list.
    let regions = window().fetch_with_str(&format!("{}/v1/regions", base()));
    let response = JsFuture::from(window().fetch_with_str(&url))
        .await
        .map_err(js_text)?;
    let response: web_sys::Response = response.dyn_into().map_err(js_text)?;
    let text = JsFuture::from(response.text().map_err(js_text)?)
        .await
        .map_err(js_text)?
        .as_string()
        .unwrap_or_default();
    if !response.ok() {
        // The API answers errors as problem details; show their detail.
        let detail = problem_detail(text);
        return Err(format!("{url} answered {}: {detail}", response.status()));
    }
    let series: SeriesResponse =
        serde_json::from_str(&text).map_err(|e| format!("{url}: unexpected answer: {e}"))?;
    if series.data.is_empty() {
        return Err("The API has no days yet: the ETL has not loaded any data.".to_string());
    }
    let population = population(regions, region).await;
    Ok(Data {
        region,
        population,
        daily: covid_model::daily_per_capita(&series.data, population),
        days: series.data,
        source: series.meta.source,
        last_changed: series.meta.last_changed,
    })
}
