//! The page: its first requests, its heading and credits, the series of the regions shown, and
//! the view state kept in the URL.

use leptos::prelude::*;
use leptos::task::spawn_local;

use covid_model::Region;

use crate::api::{self, Data};
use crate::frame::Frame;
use crate::html;
use crate::state::ViewState;
use crate::view::{Dashboard, Ranking, Subscribe};

/// Keeps the view state in the URL, so that a link reproduces the view.
fn replace_url(query: &str) {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/".to_string());
    let url = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// What the page starts from: the reader's choices in the URL and the answers to the first
/// requests.
pub struct Start {
    state: ViewState,
    regions: api::RegionsList,
    series: api::SeriesAnswer,
}

/// Sends the first requests at the call and resolves when both are answered, so that the page
/// is built once, with its data (one layout, rather than an empty page laid out first).
pub fn start() -> impl Future<Output = Start> {
    let state = ViewState::from_query(&window().location().search().unwrap_or_default());
    let regions = api::regions();
    let series = api::series(&state.shown_regions(), !state.compare.is_empty());
    async move {
        Start {
            state,
            regions: regions.await,
            series: series.await,
        }
    }
}

#[component]
pub fn App(start: Start) -> impl IntoView {
    let Start {
        state,
        regions,
        series,
    } = start;
    let state = RwSignal::new(state);
    Effect::new(move |_| replace_url(&state.get().to_query()));
    let region = move || state.with(|s| s.region.clone());
    let compared = move || state.with(|s| !s.compare.is_empty());
    // The regions shown: the one thing that loads data (a memo, so other choices do not).
    let ids = Memo::new(move |_| state.with(ViewState::shown_regions));
    // The regions list is read once; without it the page still draws counts (per capita and the
    // ranking need it).
    let populations = regions.as_ref().ok().cloned();
    // Each answer keeps whether it was asked for a comparison: until the next one arrives, the
    // page keeps drawing the last one as it was. An answer to a superseded choice is dropped.
    let series = RwSignal::new_local(series);
    let asked = StoredValue::new(0u32);
    // Later choices of regions (the first run only subscribes: the first answer is in).
    Effect::new(move |first: Option<()>| {
        let ids = ids.get();
        if first.is_none() {
            return;
        }
        let request = api::series(&ids, state.with_untracked(|s| !s.compare.is_empty()));
        let ticket = asked.with_value(|n| n + 1);
        asked.set_value(ticket);
        spawn_local(async move {
            let answer = request.await;
            if asked.get_value() == ticket {
                series.set(answer);
            }
        });
    });
    let frame = move || -> Result<Frame, String> {
        series.get().map(|(loaded, compare)| {
            let list = populations.as_deref().map(Vec::as_slice);
            let data = loaded
                .iter()
                .map(|(region, s)| Data::new(*region, s, list))
                .collect();
            Frame::new(data, compare)
        })
    };
    let named = move || Region::by_id(&region()).filter(|r| !r.is_us());
    let names = move || {
        let ids = ids.get();
        let names: Vec<&str> = ids
            .iter()
            .filter_map(|id| Region::by_id(id))
            .map(|r| r.name)
            .collect();
        names.join(", ")
    };
    let heading = move || match named() {
        _ if compared() => format!("Compared: {}", names()),
        Some(r) => format!("{} COVID-19: cases and deaths", r.name),
        None => "US COVID-19: cases, deaths and recoveries".to_string(),
    };
    Effect::new(move |_| {
        let title = match named() {
            _ if compared() => format!("COVID-19 compared: {}", names()),
            Some(r) => format!("{} COVID-19: cases and deaths, 2020–2021", r.name),
            None => "US COVID-19: cases, deaths and recoveries, 2020–2021".to_string(),
        };
        document().set_title(&title);
    });
    // The list's options, the shown region chosen; while regions are compared, the list names
    // no single one.
    let all = Region::all();
    let region_options = move || {
        let mut out = String::new();
        if compared() {
            out.push_str("<option value=\"\" selected disabled>Several (compared below)</option>");
        }
        let chosen = region();
        html::region_options(&mut out, &all, (!compared()).then_some(chosen.as_str()));
        out
    };
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        state.update(|s| s.choose_region(id));
    };
    view! {
        <header class="top">
            <h1>{heading}</h1>
            <p class="lede">{move || match named() {
                _ if compared() => "Side by side, each line one region (The New York Times; residents: Johns Hopkins University), January 2020 to July 2021.".to_string(),
                Some(r) => format!("Daily cumulative counts for {} (The New York Times), January 2020 to July 2021, with daily new values and 7-day averages.", r.name),
                None => "Daily cumulative counts for the United States, January 2020 to March 2021, with daily new values and 7-day averages.".to_string(),
            }}</p>
            <p class="region-picker">
                <label for="region">"Region "</label>
                <select id="region" name="region" on:change=choose inner_html=region_options></select>
            </p>
        </header>
        <main id="main">
            {move || match frame() {
                Err(error) => view! {
                    <p class="status error" role="alert">{format!("The data could not be loaded. {error}")}</p>
                }.into_any(),
                Ok(frame) => view! { <Dashboard frame=frame state=state/> }.into_any(),
            }}
        </main>
        // After `main`, which reserves the viewport: the arriving chart does not move them.
        <Ranking regions=regions state=state/>
        <Subscribe/>
        <footer class="credits">
            <p>
                "Cases and deaths: "<a href="https://github.com/nytimes/covid-19-data">"The New York Times"</a>
                " (CC BY-NC 4.0). Recoveries: "<a href="https://github.com/CSSEGISandData/COVID-19">"Johns Hopkins University CSSE"</a>
                " (CC BY 4.0), via "<a href="https://github.com/datasets/covid-19">"datasets/covid-19"</a>". "
                "JHU stopped reporting US recoveries on 2020-12-14. Data: "<a href="/v1/openapi.json">"JSON API"</a>"."
            </p>
        </footer>
    }
}
