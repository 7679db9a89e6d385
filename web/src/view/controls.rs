//! The chart options: view (cumulative, daily new or per capita), scale, range, metrics, the
//! places compared (up to six, `?compare=NY,CA,TX`; "Add a place…" hands the next pick of the
//! search field to the comparison, `search.rs`), the table toggle, the CSV downloads, the
//! link to this view and the snippets that embed its charts (`embed.rs`); on a phone, all but
//! the view fold under "More options".
//!
//! The options are written once as markup ([`markup`], the same for every state), when the
//! section is built (the dashboard stays mounted, so once per page). One effect sets every
//! control from the state and the data, and the section hears clicks and changes once: a button
//! by its `data-action` ([`Action`]) or `data-range`/`data-remove`, a field by its name or id.
//! No control is built again, so the browser keeps the focus and a date being typed in place.
//! One markup string, one effect and two listeners cost less wasm than a reactive binding per
//! control (the first-load budget).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::ids::{
    self, AS_OF, AS_OF_NOTE, COMPARE_ADD, COMPARE_LEVELS, COMPARE_STOP, COPY_LINK, COPY_STATUS,
    DATA_TABLE, FROM, LOG, MORE, PER_100K, TABLE_TOGGLE, TO,
};
use crate::metric::Metric;
use crate::state::{MAX_COMPARED, Preset, Scale, View, ViewState};
use crate::{api, html};

use super::dom::{self, by_id, flag, pressed, set};

/// What a chart option's button does: its `data-action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Log,
    StopComparing,
    StateAndNation,
    AddPlace,
    Table,
    CopyLink,
}

impl Action {
    const ALL: [Action; 6] = [
        Action::Log,
        Action::StopComparing,
        Action::StateAndNation,
        Action::AddPlace,
        Action::Table,
        Action::CopyLink,
    ];

    fn code(self) -> &'static str {
        match self {
            Action::Log => "log",
            Action::StopComparing => "stop-comparing",
            Action::StateAndNation => "state-and-nation",
            Action::AddPlace => "add-place",
            Action::Table => "table",
            Action::CopyLink => "copy-link",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    /// What it does to the view state (copying the link changes none).
    fn apply(self, s: &mut ViewState) {
        match self {
            Action::Log => {
                s.scale = if s.scale == Scale::Log {
                    Scale::Linear
                } else {
                    Scale::Log
                }
            }
            Action::StopComparing => s.stop_comparing(),
            Action::StateAndNation => s.compare_with_state_and_nation(),
            // The search field adds the place it finds next (`view/search.rs`).
            Action::AddPlace => {}
            Action::Table => s.table = !s.table,
            Action::CopyLink => {}
        }
    }
}

/// The third view, beside [`View::ALL`]: 7-day averages per 100,000 residents.
const PER_100K_VIEW: &str = "per-100k";

/// Every option, unset: [`Controls`]' effect sets them from the state. The view is one choice
/// of three, so that the one checked is what the charts show (per capita, they show 7-day
/// averages whatever the view was).
pub fn markup() -> String {
    let mut out = String::from("<fieldset class=\"view\"><legend>View</legend>");
    let views = View::ALL.map(|v| (ids::view(v.code()), v.code()));
    let labels = ["Cumulative", "Daily new", "Per 100k, 7-day average"];
    let per_100k = (PER_100K.to_string(), PER_100K_VIEW);
    for ((id, key), label) in views.into_iter().chain([per_100k]).zip(labels) {
        out.push_str(&format!(
            "<label><input type=\"radio\" name=\"view\" id=\"{id}\" value=\"{key}\"> {label}</label>"
        ));
    }
    let log = Action::Log.code();
    out.push_str(&format!(
        "</fieldset><details class=\"more\" id=\"{MORE}\"><summary>More options</summary>\
         <fieldset><legend>Scale</legend><button type=\"button\" id=\"{LOG}\" data-action=\"{log}\">Log scale</button></fieldset>\
         <fieldset><legend>Range</legend>",
    ));
    for p in Preset::ALL {
        let (key, id) = (p.code(), ids::range(p.code()));
        let values = [("id", id.as_str()), ("data-range", key)];
        html::element_with(&mut out, "button", "type=\"button\"", &values, p.label());
    }
    out.push_str(&format!(
        "<label class=\"custom\" hidden>From <input type=\"date\" id=\"{FROM}\"></label>\
         <label class=\"custom\" hidden>To <input type=\"date\" id=\"{TO}\"></label></fieldset>\
         <fieldset><legend>As published on</legend><input type=\"date\" id=\"{AS_OF}\" \
         aria-label=\"As published on (empty: the current data)\" aria-describedby=\"{AS_OF_NOTE}\">\
         <span id=\"{AS_OF_NOTE}\" class=\"as-of-note\" role=\"status\"></span></fieldset>\
         <fieldset><legend>Show</legend>",
    ));
    for m in Metric::ALL {
        let (key, id) = (m.code(), ids::metric(m.code()));
        out.push_str(&format!(
            "<label class=\"metric {key}\"><input type=\"checkbox\" name=\"{key}\" id=\"{id}\"> "
        ));
        html::escape(&mut out, m.label());
        out.push_str("</label>");
    }
    let (stop, levels, add, table, copy) = (
        Action::StopComparing.code(),
        Action::StateAndNation.code(),
        Action::AddPlace.code(),
        Action::Table.code(),
        Action::CopyLink.code(),
    );
    out.push_str(&format!(
        "</fieldset><fieldset class=\"compare\"><legend>Compare places</legend>\
         <span class=\"compared\"></span>\
         <button type=\"button\" id=\"{COMPARE_ADD}\" data-action=\"{add}\">Add a place…</button>\
         <button type=\"button\" id=\"{COMPARE_STOP}\" data-action=\"{stop}\" hidden>Stop comparing</button>\
         <button type=\"button\" id=\"{COMPARE_LEVELS}\" data-action=\"{levels}\" hidden>With its state and the nation</button></fieldset>\
         <div class=\"actions\"><button type=\"button\" id=\"{TABLE_TOGGLE}\" data-action=\"{table}\" aria-controls=\"{DATA_TABLE}\"></button>\
         <span class=\"downloads\"></span><button type=\"button\" id=\"{COPY_LINK}\" data-action=\"{copy}\">Copy link</button>\
         <span id=\"{COPY_STATUS}\" class=\"copy-status\" role=\"status\" aria-live=\"polite\"></span></div>\
         <details class=\"embed\"><summary>Embed this chart</summary><div class=\"embeds\"></div></details></details>",
    ));
    out
}

/// A button per compared place (its id and name), which removes it.
pub fn compared_markup<'a>(compared: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (id, name) in compared {
        let label = format!("Remove {name} from the comparison");
        html::element_with(
            &mut out,
            "button",
            "type=\"button\" class=\"remove\"",
            &[("data-remove", id), ("aria-label", &label)],
            &format!("{id} ×"),
        );
    }
    out
}

fn input(id: &str) -> Option<HtmlInputElement> {
    by_id(id).map(JsCast::unchecked_into)
}

/// A date input's value, only when it differs, so that typing goes on.
fn date_input(id: &str, value: Option<chrono::NaiveDate>) {
    if let Some(e) = input(id) {
        let value = value.map(|d| d.to_string()).unwrap_or_default();
        if e.value() != value {
            e.set_value(&value);
        }
    }
}

/// Sets each control from the state; `populations`: every shown region's is known;
/// `recoveries`: a shown region has recovery counts.
fn show(s: &ViewState, populations: bool, recoveries: bool) {
    let per_100k = s.per_100k();
    for view in View::ALL {
        if let Some(e) = input(&ids::view(view.code())) {
            e.set_checked(!per_100k && s.view == view);
        }
    }
    if let Some(e) = input(PER_100K) {
        e.set_checked(per_100k);
    }
    flag(PER_100K, "disabled", !populations && !per_100k);
    set(LOG, "aria-pressed", pressed(s.scale == Scale::Log));
    for p in Preset::ALL {
        set(
            &ids::range(p.code()),
            "aria-pressed",
            pressed(s.preset == p),
        );
    }
    // Folded on a phone (style.css): a date as published or a comparison opens the options
    // that show them.
    if s.as_of.is_some() || !s.compare.is_empty() {
        flag(MORE, "open", true);
    }
    let custom = s.preset == Preset::Custom;
    for id in [FROM, TO] {
        if let Some(label) = input(id).and_then(|e| e.parent_element()) {
            let _ = label.toggle_attribute_with_force("hidden", !custom);
        }
    }
    date_input(FROM, s.from);
    date_input(TO, s.to);
    date_input(AS_OF, s.as_of);
    // Recoveries are shown only where there are any, and not per capita: otherwise their box
    // is unchecked and disabled (the charts' note says why).
    let recoveries = recoveries && !per_100k;
    for m in Metric::ALL {
        if let Some(e) = input(&ids::metric(m.code())) {
            let none = m == Metric::Recovered && !recoveries;
            e.set_checked(s.metrics.contains(&m) && !none);
            e.set_disabled(none);
        }
    }
    flag(COMPARE_ADD, "disabled", s.compare.len() >= MAX_COMPARED);
    flag(COMPARE_STOP, "hidden", s.compare.is_empty());
    let county = s.compare.is_empty() && covid_model::CountyId::parse(&s.region).is_some();
    flag(COMPARE_LEVELS, "hidden", !county);
    set(TABLE_TOGGLE, "aria-expanded", pressed(s.table));
    if let Some(e) = by_id(TABLE_TOGGLE) {
        e.set_text_content(Some(if s.table {
            "Hide the data table"
        } else {
            "Show the data table"
        }));
    }
}

/// Writes `markup` into the first element of the options that `selector` finds, unless it is
/// there already.
fn write(selector: &str, markup: &str, before: Option<&str>) {
    if before != Some(markup)
        && let Some(e) = by_id(ids::CHART_OPTIONS)
        && let Ok(Some(e)) = e.query_selector(selector)
    {
        e.set_inner_html(markup);
    }
}

/// Copies `text` (`what`: its name) and says so in the element `status`; where the browser
/// refuses, says to copy it by hand (the page's link is said in full, since it is not shown).
fn copy(text: String, what: &'static str, status: &'static str) {
    let promise = window().navigator().clipboard().write_text(&text);
    spawn_local(async move {
        let said = match (JsFuture::from(promise).await, status) {
            (Ok(_), _) => format!("{what} copied."),
            (Err(_), COPY_STATUS) => format!("Copy this link: {text}"),
            (Err(_), _) => format!("The browser refused: select the {what} and copy it."),
        };
        if let Some(e) = by_id(status) {
            e.set_text_content(Some(&said));
        }
    });
}

#[component]
pub fn Controls() -> impl IntoView {
    let shown = super::shown();
    let (state, frame) = (shown.state, shown.frame);
    // The CSV links of the shown days, one per region when compared.
    let downloads = move || {
        let dates = shown.dates();
        let mut out = String::new();
        {
            let f = &*frame.read();
            {
                for d in &f.data {
                    let href = api::csv_url(d.id(), dates);
                    let file = format!("{}-covid-19.csv", d.id().to_ascii_lowercase());
                    let text = if f.compared {
                        format!("CSV: {}", d.id())
                    } else {
                        "Download CSV".to_string()
                    };
                    let values = [("href", href.as_str()), ("download", file.as_str())];
                    html::element_with(&mut out, "a", "class=\"download\"", &values, &text);
                }
            }
        };
        out
    };
    // The controls follow the state and the data; the lists written as markup are written
    // again only when they change.
    Effect::new(move |before: Option<[String; 3]>| {
        let (first, last) = shown.bounds();
        for id in [FROM, TO] {
            if let Some(e) = input(id) {
                e.set_min(&first.to_string());
                e.set_max(&last.to_string());
            }
        }
        let (populations, recoveries, embeds, compared) = {
            let f = &*frame.read();
            let embeds = state.with(|s| super::embed::markup(s, f, &super::embed::origin()));
            let populations = f.data.iter().all(|d| d.population.is_some());
            let shown = f.data.iter().map(|d| (d.id(), d.name()));
            let compared = compared_markup(shown.filter(|_| f.compared));
            (populations, f.has_recoveries(), embeds, compared)
        };
        let now = state.with(|s| {
            show(s, populations, recoveries);
            [compared, downloads(), embeds]
        });
        let before = before.as_ref();
        for (i, selector) in [".compared", ".downloads", ".embeds"]
            .into_iter()
            .enumerate()
        {
            write(selector, &now[i], before.map(|b| b[i].as_str()));
        }
        now
    });
    let click = move |ev: web_sys::MouseEvent| {
        let Some(button) = dom::closest(&ev, "button") else {
            return;
        };
        if let Some(action) = button
            .get_attribute("data-action")
            .and_then(|key| Action::from_code(&key))
        {
            if action == Action::CopyLink {
                let url = window().location().href().unwrap_or_default();
                copy(url, "Link", COPY_STATUS);
            } else if action == Action::AddPlace {
                super::search::add();
            } else {
                state.update(|s| action.apply(s));
            }
        } else if let Some(key) = button.get_attribute("data-range") {
            if let Some(p) = Preset::from_code(&key) {
                let (first, last) = shown.bounds();
                state.update(|s| s.choose_preset(p, first, last));
            }
        } else if let Some(id) = button.get_attribute("data-remove") {
            state.update(|s| s.remove_compared(&id));
        } else if let Some(snippet) = button
            .get_attribute("data-copy")
            .and_then(|id| by_id(&id))
            .and_then(|e| e.text_content())
        {
            copy(snippet, "Snippet", ids::EMBED_STATUS);
        }
    };
    let change = move |ev: web_sys::Event| {
        let Some(control) = dom::source(&ev) else {
            return;
        };
        let value = event_target_value(&ev);
        let name = control.get_attribute("name").unwrap_or_default();
        let id = control.id();
        if id == FROM {
            state.update(|s| s.from = crate::data::parse_date(&value));
        } else if id == TO {
            state.update(|s| s.to = crate::data::parse_date(&value));
        } else if id == AS_OF {
            state.update(|s| s.as_of = crate::data::parse_date(&value));
        } else if name == "view" {
            state.update(|s| {
                s.per_100k = Some(value == PER_100K_VIEW);
                if value != PER_100K_VIEW {
                    s.view = View::from_code(&value);
                }
            });
        } else if let Some(m) = Metric::ALL.into_iter().find(|m| m.code() == name) {
            state.update(|s| s.toggle_metric(m));
        }
    };
    // The options, written once: the dashboard is built once per page.
    view! {
        <section class="controls" id=ids::CHART_OPTIONS aria-label="Chart options"
            on:click=click on:change=change inner_html=markup()></section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_are_written_once_with_every_control() {
        let out = markup();
        for action in Action::ALL {
            let attribute = format!("data-action=\"{}\"", action.code());
            assert_eq!(out.matches(&attribute).count(), 1, "{attribute}");
        }
        assert_eq!(
            out.matches("<fieldset").count(),
            out.matches("</fieldset>").count()
        );
        assert_eq!(out.matches("data-range=").count(), Preset::ALL.len());
        assert_eq!(ids::view(PER_100K_VIEW), PER_100K);
        assert_eq!(out.matches("name=\"view\"").count(), 3);
        let daily = ids::view(View::Daily.code());
        assert!(out.contains(&format!(
            "<input type=\"radio\" name=\"view\" id=\"{daily}\" value=\"daily\"> Daily new</label>"
        )));
    }

    #[test]
    fn the_compared_places_have_a_remove_button() {
        let buttons = compared_markup([("NY", "New York"), ("CA", "California")].into_iter());
        assert_eq!(
            buttons,
            "<button type=\"button\" class=\"remove\" data-remove=\"NY\" aria-label=\"Remove New York \
             from the comparison\">NY ×</button><button type=\"button\" class=\"remove\" \
             data-remove=\"CA\" aria-label=\"Remove California from the comparison\">CA ×</button>"
        );
    }
}
