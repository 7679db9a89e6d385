//! The API as the site calls it: where it is, the series and regions the page loads (each
//! fetched once per page, when first needed), the subscription it sends, and the links it
//! offers. The answers are read by [`crate::decode`] into the model crate's wire types.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use chrono::NaiveDate;
use covid_model::{Place, RegionSummary, SubscriptionRequest};
use leptos::prelude::{document, window};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_futures::js_sys::{Array, Promise, Reflect};

use crate::decode::{self, Json, Series};

/// A series read: its place's id, the date it is as of (`None`: the current data), the series.
type Read = (String, Option<NaiveDate>, Rc<Series>);

thread_local! {
    /// The wire format's keys as JS strings, made once: a string made anew for each of the
    /// thousands of members read was most of the decoding time.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

impl Json for JsValue {
    fn member(&self, key: &'static str) -> Option<Self> {
        KEYS.with_borrow_mut(|keys| {
            let i = keys.iter().position(|(k, _)| *k == key).unwrap_or_else(|| {
                keys.push((key, JsValue::from_str(key)));
                keys.len() - 1
            });
            Reflect::get(self, &keys[i].1).ok()
        })
        .filter(|v| !v.is_null() && !v.is_undefined())
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.dyn_ref::<Array>().map(Array::to_vec)
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn text(&self) -> Option<String> {
        self.as_string()
    }
    fn flag(&self) -> Option<bool> {
        self.as_bool()
    }
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

/// A place's series path (`id` a region's or a county's): the national one for `US`,
/// `/v1/regions/{id}/series` otherwise.
fn series_path(id: &str) -> String {
    if id == covid_model::US.id {
        "/v1/series".to_string()
    } else {
        format!("/v1/regions/{id}/series")
    }
}

/// The CSV download of a place's shown days, or of all of them.
pub fn csv_url(id: &str, shown: Option<(chrono::NaiveDate, chrono::NaiveDate)>) -> String {
    let path = format!("{}{}.csv", base(), series_path(id));
    match shown {
        Some((from, to)) => format!("{path}?from={from}&to={to}"),
        None => path,
    }
}

/// The JS error as text.
fn js_text(e: JsValue) -> String {
    e.as_string()
        .or_else(|| e.member("message").and_then(|m| m.as_string()))
        .unwrap_or_else(|| "unknown error".to_string())
}

/// A request in flight: started at once, so that several run side by side.
struct Pending {
    url: String,
    answer: Promise,
}

fn start(path: &str) -> Pending {
    let url = format!("{}{path}", base());
    let answer = window().fetch_with_str(&url);
    Pending { url, answer }
}

/// Why a request failed: what happened, and the problem's `detail` when the API sent one.
struct Failure {
    context: String,
    detail: String,
}

impl Failure {
    fn text(self) -> String {
        if self.detail.is_empty() {
            self.context
        } else {
            format!("{}: {}", self.context, self.detail)
        }
    }
}

/// The parsed JSON answer (the text, a JS string, when `text`), or why there is none.
async fn finish(pending: Pending, text: bool) -> Result<JsValue, Failure> {
    let Pending { url, answer } = pending;
    let failure = |context: String, detail: String| Failure { context, detail };
    let response: web_sys::Response = JsFuture::from(answer)
        .await
        .map_err(|e| failure(format!("{url} could not be reached"), js_text(e)))?
        .unchecked_into();
    let body = if text {
        response.text()
    } else {
        response.json()
    };
    let json = match body {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    if !response.ok() {
        let detail = json
            .as_ref()
            .and_then(decode::problem_detail)
            .unwrap_or_default();
        return Err(failure(
            format!("{url} answered {}", response.status()),
            detail,
        ));
    }
    json.ok_or_else(|| failure(format!("{url}: the answer is not JSON"), String::new()))
}

/// A request's answer read by `decode`; its failure, or the decoder's error after the URL.
async fn read<T>(
    pending: Pending,
    decode: impl FnOnce(&JsValue) -> Result<T, String>,
) -> Result<T, String> {
    let url = pending.url.clone();
    let answer = finish(pending, false).await.map_err(Failure::text)?;
    decode(&answer).map_err(|e| format!("{url}: {e}"))
}

thread_local! {
    /// Series already read this page view: a place chosen again is not fetched again. As many
    /// entries as places read, found by a linear search (a map's code costs more wasm than it
    /// saves).
    static SERIES: RefCell<Vec<Read>> = const { RefCell::new(Vec::new()) };
}

/// The series of `place` as of `as_of` if read already this page view.
fn cached(place: Place, as_of: Option<NaiveDate>) -> Option<Rc<Series>> {
    SERIES.with_borrow(|s| {
        s.iter()
            .find(|(id, on, _)| id == place.id() && *on == as_of)
            .map(|(_, _, series)| series.clone())
    })
}

/// `/v1/places.csv`: every place's id, name and a county's state (`id,name,state`), as text (the
/// search reads it without a JSON decoder: the first-load budget).
pub async fn places() -> Result<String, String> {
    let answer = finish(start("/v1/places.csv"), true)
        .await
        .map_err(Failure::text)?;
    answer
        .as_string()
        .ok_or_else(|| "the places are not text".to_string())
}

/// The regions list's answer, or why there is none.
pub type RegionsList = Result<Arc<Vec<RegionSummary>>, String>;

/// `/v1/regions`: every region with its population and newest day. The request is sent at the
/// call, not when the answer is first awaited.
pub fn regions() -> impl Future<Output = RegionsList> {
    let pending = start("/v1/regions");
    async move { read(pending, decode::regions).await.map(Arc::new) }
}

/// The values the day `date` of the place `id` held before each of its revisions, in vintage
/// order (`/v1/regions/{id}/revisions` of that one day), or why there are none.
pub async fn replaced(id: &str, date: NaiveDate) -> Result<Vec<decode::Replaced>, String> {
    let path = format!("/v1/regions/{id}/revisions?from={date}&to={date}");
    read(start(&path), decode::replaced).await
}

/// A map's SVG markup (`path`: `/v1/map.svg?metric=…`, or a state's
/// `/v1/regions/{id}/counties/map.svg?metric=…`), or why there is none.
pub async fn map(path: &str) -> Result<String, String> {
    let pending = start(path);
    let answer = finish(pending, true).await.map_err(Failure::text)?;
    answer
        .as_string()
        .ok_or_else(|| "the map is not text".to_string())
}

/// `/v1/status`'s answer as the footer reads it, or why there is none.
pub type StatusAnswer = Result<decode::Freshness, String>;

/// `/v1/status`: the newest day, when the data last changed and the last run. The request is
/// sent at the call.
pub fn status() -> impl Future<Output = StatusAnswer> {
    let pending = start("/v1/status");
    async move { read(pending, decode::status).await }
}

/// The places named by `ids` (as the URL gave them), or the text to show instead.
fn resolve(ids: &[String]) -> Result<Vec<Place>, String> {
    ids.iter()
        .map(|id| {
            Place::by_id(id).ok_or_else(|| {
                format!("There is no place \"{id}\": search for the United States, a state, a territory or a county.")
            })
        })
        .collect()
}

/// A series loaded: its place and the series.
pub type Loaded = (Place, Rc<Series>);

/// The series of `places`: every one not yet read this page view is requested at the call,
/// all side by side.
fn load(
    places: Vec<Place>,
    as_of: Option<NaiveDate>,
) -> impl Future<Output = Result<Vec<Loaded>, String>> {
    let path = |p: Place| match as_of {
        Some(date) => format!("{}?as_of={date}", series_path(p.id())),
        None => series_path(p.id()),
    };
    let pending: Vec<_> = places
        .iter()
        .map(|&p| (p, cached(p, as_of).ok_or_else(|| start(&path(p)))))
        .collect();
    async move {
        let mut out = Vec::with_capacity(pending.len());
        for (place, known) in pending {
            let series = match known {
                Ok(series) => series,
                Err(request) => {
                    let series = read(request, decode::series).await?;
                    if series.days.is_empty() {
                        return Err(format!(
                            "The API has no days yet: the ETL has not loaded any data for {}.",
                            series.name
                        ));
                    }
                    let series = Rc::new(series);
                    SERIES.with_borrow_mut(|s| {
                        s.push((place.id().to_string(), as_of, series.clone()))
                    });
                    series
                }
            };
            out.push((place, series));
        }
        Ok(out)
    }
}

/// A series answer as the page holds it: the places' series, and whether they were asked for
/// as a comparison.
pub type SeriesAnswer = Result<(Vec<Loaded>, bool), String>;

/// The series of the places named by `ids` (as the URL gives them) as of `as_of` (`None`: the
/// current data), requested at the call.
pub fn series(
    ids: &[String],
    compare: bool,
    as_of: Option<NaiveDate>,
) -> impl Future<Output = SeriesAnswer> + use<> {
    let request = resolve(ids).map(|places| load(places, as_of));
    async move { Ok((request?.await?, compare)) }
}

/// `POST /v1/subscriptions`: `Ok` when SNS sends the confirmation email; otherwise the text to
/// show (the problem's `detail`).
/// Posts a subscription: how many subscriptions it made (each confirmed by its own email), or
/// the problem's detail.
pub async fn subscribe(request: &SubscriptionRequest) -> Result<u64, String> {
    let url = format!("{}/v1/subscriptions", base());
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().map_err(js_text)?;
    headers
        .set("Content-Type", "application/json")
        .map_err(js_text)?;
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&decode::subscription(request)));
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(js_text)?;
    let answer = window().fetch_with_request(&request);
    match finish(Pending { url, answer }, false).await {
        Ok(json) => decode::accepted(&json),
        Err(Failure { detail, .. }) if !detail.is_empty() => Err(detail),
        Err(failure) => Err(failure.text()),
    }
}
