//! The page: the skeleton in `index.html` (header, main, the ranking's and the form's sections,
//! the credits) filled in place. [`start`] sends the first requests; [`mount`] then mounts each
//! component into its section, sharing the view state (kept in the URL), the series of the
//! regions shown, and the heading and title that follow them.

use leptos::prelude::*;
use leptos::task::spawn_local;

use covid_model::{Region, US};

use crate::api;
use crate::data::Data;
use crate::frame::Frame;
use crate::ids;
use crate::state::ViewState;
use crate::text;
use crate::view::{Dashboard, Ranking, Subscribe, dom, search};

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
    status: api::StatusAnswer,
    /// Why the data as published on the URL's date is not shown (the current data is).
    as_of_note: Option<String>,
}

/// Sends the first requests at the call and resolves when both are answered, so that the page
/// is built once, with its data (one layout, rather than an empty page laid out first). When the
/// data as published on the URL's date cannot be loaded, the current data is, with a note.
pub fn start() -> impl Future<Output = Start> {
    let mut state = ViewState::from_query(&window().location().search().unwrap_or_default());
    let regions = api::regions();
    let series = api::series(
        &state.shown_regions(),
        !state.compare.is_empty(),
        state.as_of,
    );
    let status = api::status();
    async move {
        let mut series = series.await;
        let mut as_of_note = None;
        if let (Err(failure), Some(asked)) = (&series, state.as_of) {
            as_of_note = Some(text::as_of_note(asked, failure));
            state.as_of = None;
            let compare = !state.compare.is_empty();
            series = api::series(&state.shown_regions(), compare, None).await;
        }
        Start {
            state,
            regions: regions.await,
            series,
            status: status.await,
            as_of_note,
        }
    }
}

/// The shown places of a series answer on one axis, each with the name and residents its
/// answer gives (a county named with its state).
fn frame_of(answer: api::SeriesAnswer) -> Result<Frame, String> {
    let (loaded, compare) = answer?;
    let data = loaded
        .iter()
        .map(|(place, s)| {
            let mut data = Data::new(place.region(), s.days.clone(), s.population)
                .with_revisions(s.revisions.clone());
            if let covid_model::Place::County(county) = place {
                data.county = Some((county.to_string(), s.name.clone()));
            }
            data
        })
        .collect();
    Ok(Frame::new(data, compare))
}

/// Mounts `view` in place of what the skeleton's element `id` holds (type-erased: one mount
/// function in the wasm for every section).
fn mount_in(id: &str, view: impl FnOnce() -> AnyView + 'static) {
    if let Some(element) = dom::by_id(id) {
        element.set_inner_html("");
        let element: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(element);
        leptos::mount::mount_to(element, view).forget();
    }
}

/// Fills the skeleton: the components mounted in their sections, the heading and the title
/// kept for the regions shown. Everything lives as long as the page.
pub fn mount(start: Start) {
    // Effects are created below before any root is mounted: the executor must run first.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.with(move || {
        let Start {
            state,
            regions,
            series,
            status,
            as_of_note,
        } = start;
        let state = RwSignal::new(state);
        // The regions shown: the one thing that loads data (a memo, so other choices do not),
        // with the date the data is shown as of.
        let ids = Memo::new(move |_| state.with(ViewState::shown_regions));
        let as_of = Memo::new(move |_| state.with(|s| s.as_of));
        // The shown regions on one axis, made anew for each answer, which the dashboard follows;
        // or why they could not be loaded. Until the next answer arrives, the page keeps drawing
        // the last one as it was. An answer to a superseded choice is dropped.
        let made = frame_of(series);
        let failure = RwSignal::new(made.as_ref().err().cloned());
        let frame = RwSignal::new(made.unwrap_or_else(|_| Frame::new(Vec::new(), false)));
        let asked = StoredValue::new(0u32);
        // Later choices of regions (the first run only subscribes: the first answer is in).
        Effect::new(move |first: Option<()>| {
            let (ids, as_of) = (ids.get(), as_of.get());
            if first.is_none() {
                return;
            }
            let compare = state.with_untracked(|s| !s.compare.is_empty());
            let request = api::series(&ids, compare, as_of);
            let ticket = asked.with_value(|n| n + 1);
            asked.set_value(ticket);
            spawn_local(async move {
                let answer = request.await;
                if asked.get_value() != ticket {
                    return;
                }
                match (&answer, as_of) {
                    // No data as published then: the current data, with a note, and every
                    // control kept (the answer before stays drawn until it arrives).
                    (Err(failure), Some(asked)) => {
                        show_as_of_note(&text::as_of_note(asked, failure));
                        state.update(|s| s.as_of = None);
                        return;
                    }
                    (Ok(_), Some(_)) => show_as_of_note(""),
                    _ => {}
                }
                match frame_of(answer) {
                    Ok(made) => {
                        frame.set(made);
                        // Only a change rebuilds the dashboard.
                        if failure.with_untracked(Option::is_some) {
                            failure.set(None);
                        }
                    }
                    Err(error) => failure.set(Some(error)),
                }
            });
        });
        let states = regions.as_ref().ok().and_then(|list| {
            list.iter()
                .filter_map(|r| r.latest.as_ref())
                .map(|l| l.date)
                .max()
        });
        page_text(state, (frame, failure), status, states);
        crate::view::search::attach(state);
        mount_in(ids::MAIN, move || {
            view! { <Main failure=failure frame=frame state=state/> }.into_any()
        });
        // The note beside "As published on" (in the dashboard's controls, mounted above).
        show_as_of_note(as_of_note.as_deref().unwrap_or_default());
        mount_in(ids::RANKING_SECTION, move || {
            view! { <Ranking regions=regions state=state/> }.into_any()
        });
    });
    std::mem::forget(owner);
}

/// Fills the alerts page (`alerts.html`): the subscription form, with the region of the URL's
/// view (`?region=`, as the charts' links give it).
pub fn mount_alerts() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let state = ViewState::from_query(&window().location().search().unwrap_or_default());
    let owner = Owner::new();
    owner.with(move || {
        let state = RwSignal::new(state);
        mount_in(ids::SUBSCRIBE_SECTION, move || {
            view! { <Subscribe state=state/> }.into_any()
        });
    });
    std::mem::forget(owner);
}

/// Says beside "As published on" why the data as published on the asked date is not shown
/// (empty: it is).
fn show_as_of_note(note: &str) {
    if let Some(e) = dom::by_id(ids::AS_OF_NOTE) {
        e.set_text_content(Some(note));
    }
}

/// The words that follow the view and its data, in one effect: the URL (which reproduces the
/// view), the heading, the line under it, the page's title, and the footer's line on each shown
/// region's newest day (`states`: the newest day of any region).
fn page_text(
    state: RwSignal<ViewState>,
    (frame, failure): (RwSignal<Frame>, RwSignal<Option<String>>),
    status: api::StatusAnswer,
    states: Option<chrono::NaiveDate>,
) {
    Effect::new(move |_| {
        let (query, compared, chosen) = state.with(|s| {
            (
                s.to_query(),
                !s.compare.is_empty(),
                Region::by_id(&s.region),
            )
        });
        replace_url(&query);
        // The alerts page takes the view's region for level changes.
        dom::set(ids::ALERTS_LINK, "href", &format!("alerts.html?{query}"));
        let failed = failure.with(Option::is_some);
        let (text, freshness) = frame.with(|f| {
            // Without data (its failure is shown instead), no dates, and the chosen region's name.
            let data = if failed { &[][..] } else { &f.data[..] };
            let newest: Vec<_> = data
                .iter()
                .filter_map(|d| Some((d.name(), d.days.last()?.date)))
                .collect();
            let names: Vec<&str> = data.iter().map(|d| d.name()).collect();
            let name = match data.first() {
                Some(d) => d.name(),
                None => chosen.map_or(US.name, |r| r.name),
            };
            let one = (name != US.name).then_some(name);
            let span = if failed {
                text::Span::default()
            } else {
                text::Span::of(f)
            };
            if !failed {
                search::show(if compared { "" } else { name });
            }
            let freshness = match &status {
                Ok(status) => text::freshness(status, &newest, states),
                Err(error) => format!("How fresh the data is cannot be said: {error}"),
            };
            let names = names.join(", ");
            (
                text::heading(one, compared.then_some(&names), &span),
                freshness,
            )
        });
        for (id, line) in [
            (ids::HEADING, &text.heading),
            (ids::LEDE, &text.lede),
            (ids::FRESHNESS, &freshness),
        ] {
            if let Some(e) = dom::by_id(id) {
                e.set_text_content(Some(line));
            }
        }
        document().set_title(&text.title);
    });
}

/// The dashboard, or why the data could not be loaded. The dashboard is built once and follows
/// the data; only a failure (or the answer after one) replaces it.
#[component]
fn Main(
    failure: RwSignal<Option<String>>,
    frame: RwSignal<Frame>,
    state: RwSignal<ViewState>,
) -> impl IntoView {
    move || {
        match failure.get() {
        Some(error) => view! {
            <p class="status error" role="alert">{format!("The data could not be loaded. {error}")}</p>
        }
        .into_any(),
        None => view! { <Dashboard frame=frame state=state/> }.into_any(),
    }
    }
}
