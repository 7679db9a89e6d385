//! The page: the skeleton in `index.html` (header, main, the ranking's and the form's sections,
//! the credits) filled in place. [`start`] sends the first requests; [`mount`] then mounts each
//! component into its section, sharing the view state (kept in the URL), the series of the
//! regions shown, and the heading and title that follow them.

use leptos::prelude::*;
use leptos::task::spawn_local;

use covid_model::{Region, RegionSummary};

use crate::api;
use crate::data::Data;
use crate::frame::Frame;
use crate::html;
use crate::ids;
use crate::state::ViewState;
use crate::text;
use crate::view::{Dashboard, Ranking, Subscribe, dom};

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

/// The shown regions of a series answer on one axis, each with its population from the
/// regions list (`populations`; empty when it could not be loaded).
fn frame_of(answer: api::SeriesAnswer, populations: &[RegionSummary]) -> Result<Frame, String> {
    let (loaded, compare) = answer?;
    let data = loaded
        .iter()
        .map(|(region, s)| {
            let population = populations
                .iter()
                .find(|r| r.id == region.id)
                .and_then(|r| r.population);
            Data::new(*region, s.days.clone(), population).with_revisions(s.revisions.clone())
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
        // The regions list is read once; without it the page still draws counts (per capita and
        // the ranking need it).
        let populations = std::rc::Rc::new(regions.as_ref().ok().cloned().unwrap_or_default());
        // The shown regions on one axis, made anew for each answer, which the dashboard follows;
        // or why they could not be loaded. Until the next answer arrives, the page keeps drawing
        // the last one as it was. An answer to a superseded choice is dropped.
        let made = frame_of(series, &populations);
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
            let populations = populations.clone();
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
                match frame_of(answer, &populations) {
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
        mount_in(ids::PICKER, move || {
            view! { <RegionPicker state=state/> }.into_any()
        });
        mount_in(ids::MAIN, move || {
            view! { <Main failure=failure frame=frame state=state/> }.into_any()
        });
        // The note beside "As published on" (in the dashboard's controls, mounted above).
        show_as_of_note(as_of_note.as_deref().unwrap_or_default());
        mount_in(ids::RANKING_SECTION, move || {
            view! { <Ranking regions=regions state=state/> }.into_any()
        });
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
        let (query, compared, region, shown) = state.with(|s| {
            let shown: Vec<Region> = s
                .shown_regions()
                .iter()
                .filter_map(|id| Region::by_id(id))
                .collect();
            (
                s.to_query(),
                !s.compare.is_empty(),
                Region::by_id(&s.region),
                shown,
            )
        });
        replace_url(&query);
        let names: Vec<&str> = shown.iter().map(|r| r.name).collect();
        let names = names.join(", ");
        // Without data (its failure is shown instead), no dates.
        let failed = failure.with(Option::is_some);
        let (span, newest) = frame.with(|f| {
            if failed {
                return (text::Span::default(), Vec::new());
            }
            let newest: Vec<_> = f
                .data
                .iter()
                .filter_map(|d| Some((d.region, d.days.last()?.date)))
                .collect();
            (text::Span::of(f), newest)
        });
        let text = text::heading(region, compared.then_some(names.as_str()), &span);
        let freshness = match &status {
            Ok(status) => text::freshness(status, &newest, states),
            Err(error) => format!("How fresh the data is cannot be said: {error}"),
        };
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

/// The region list: every region by name, the shown one chosen; while regions are compared,
/// it names no single one.
#[component]
fn RegionPicker(state: RwSignal<ViewState>) -> impl IntoView {
    let all = Region::all();
    let options = move || {
        let mut out = String::new();
        let (compared, chosen) = state.with(|s| (!s.compare.is_empty(), s.region.clone()));
        if compared {
            out.push_str("<option value=\"\" selected disabled>Several (compared below)</option>");
        }
        html::region_options(&mut out, &all, (!compared).then_some(chosen.as_str()));
        out
    };
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        state.update(|s| s.choose_region(id));
    };
    view! {
        <label for=ids::REGION>"Region "</label>
        <select id=ids::REGION name="region" on:change=choose inner_html=options></select>
    }
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
