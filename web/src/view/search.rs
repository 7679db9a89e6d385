//! The search field above the charts, as WAI-ARIA's combobox pattern (an editable combobox with
//! list autocomplete): typing lists the places found (`crate::search`) in a listbox under the
//! field; the arrow keys, Home and End move the active option (`aria-activedescendant`), Enter
//! or a click shows it, Escape closes the list (and clears the field when closed). The field
//! and the list are in the page's skeleton (`index.html`); one listener takes every event of
//! both (one closure in the wasm, for the first-load budget). The counties' names
//! (`/v1/places`) are read when the field is first focused, not in the first load.

use std::cell::{Cell, RefCell};

use covid_model::Region;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlInputElement, KeyboardEvent};

use crate::search::{Entry, counties, matches};
use crate::state::ViewState;
use crate::{api, html, ids};

use super::dom;

/// The most places listed at once: the list stays on a phone's screen.
const LISTED: usize = 10;

thread_local! {
    /// Every place the field finds: the regions, then the counties once read.
    static ENTRIES: RefCell<Vec<Entry>> =
        RefCell::new(Region::all().into_iter().map(Entry::region).collect());
    /// The ids of the places listed, and the active one's index.
    static LISTED_IDS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static ACTIVE: Cell<Option<usize>> = const { Cell::new(None) };
    /// Whether the list is open.
    static OPEN: Cell<bool> = const { Cell::new(false) };
    /// Whether the place picked next joins the comparison ("Add a place…") rather than being
    /// shown alone; until the field loses the focus.
    static ADDING: Cell<bool> = const { Cell::new(false) };
    /// Whether the counties' names were asked for (again after a failure).
    static ASKED: Cell<bool> = const { Cell::new(false) };
}

fn input() -> Option<HtmlInputElement> {
    dom::by_id(ids::REGION).map(JsCast::unchecked_into)
}

/// Writes the field's value: the shown place's name (empty while places are compared).
pub(crate) fn show(name: &str) {
    if let Some(input) = input() {
        input.set_value(name);
    }
}

/// Reads the counties' names, once: the regions are found meanwhile (and if it fails).
fn ask_names() {
    if ASKED.replace(true) {
        return;
    }
    spawn_local(async {
        match api::places().await {
            Ok(csv) => {
                ENTRIES.with_borrow_mut(|e| e.extend(counties(&csv)));
                // The list open is found again, with the counties.
                if OPEN.get() {
                    list();
                }
            }
            Err(_) => ASKED.set(false),
        }
    });
}

/// Lists the places the field's text finds (and opens the list), none active.
fn list() {
    let query = input().map(|i| i.value()).unwrap_or_default();
    let mut out = String::new();
    let found: Vec<String> = ENTRIES.with_borrow(|entries| {
        let found = matches(entries, &query, LISTED);
        for (i, e) in found.iter().enumerate() {
            let id = ids::place_option(i);
            let values = [("id", id.as_str()), ("data-id", e.id.as_str())];
            html::element_with(&mut out, "li", "role=\"option\"", &values, &e.label);
        }
        found.iter().map(|e| e.id.clone()).collect()
    });
    if found.is_empty() && !query.is_empty() {
        html::element(&mut out, "li", "class=\"none\"", "No place found");
    }
    LISTED_IDS.set(found);
    if let Some(e) = dom::by_id(ids::PLACES) {
        e.set_inner_html(&out);
    }
    open(!out.is_empty());
    activate(None);
}

fn open(on: bool) {
    OPEN.set(on);
    dom::flag(ids::PLACES, "hidden", !on);
    dom::set(ids::REGION, "aria-expanded", dom::pressed(on));
}

/// Makes the option `i` the active one (`None`: none).
fn activate(i: Option<usize>) {
    if let Some(old) = ACTIVE.replace(i) {
        dom::set(&ids::place_option(old), "aria-selected", "false");
    }
    match i {
        Some(i) => {
            let id = ids::place_option(i);
            dom::set(&id, "aria-selected", "true");
            dom::set(ids::REGION, "aria-activedescendant", &id);
        }
        None => dom::set(ids::REGION, "aria-activedescendant", ""),
    }
}

/// Shows the place `id`, or adds it to the comparison.
fn choose(state: RwSignal<ViewState>, id: String) {
    open(false);
    activate(None);
    if ADDING.replace(false) {
        state.update(|s| s.compare_with(id));
    } else {
        state.update(|s| s.choose_region(id));
    }
}

/// "Add a place…": the field, emptied and focused, adds the place picked next to the comparison.
pub(crate) fn add() {
    show("");
    if let Some(input) = input() {
        let _ = input.focus();
    }
    ADDING.set(true);
}

/// What a key does in the field; `false`: nothing (the field takes it).
fn key(state: RwSignal<ViewState>, key: &str) -> bool {
    let count = LISTED_IDS.with_borrow(Vec::len);
    let opened = OPEN.get();
    let active = ACTIVE.get();
    let last = count.checked_sub(1);
    match key {
        "ArrowDown" | "ArrowUp" if !opened => list(),
        "ArrowDown" => activate(active.map_or(Some(0), |a| last.map(|l| (a + 1).min(l)))),
        "ArrowUp" => activate(active.map_or(last, |a| Some(a.saturating_sub(1)))),
        "Home" if opened && count > 0 => activate(Some(0)),
        "End" if opened && count > 0 => activate(last),
        "Enter" if opened && count > 0 => {
            let i = active.unwrap_or(0);
            if let Some(id) = LISTED_IDS.with_borrow(|l| l.get(i).cloned()) {
                choose(state, id);
            }
        }
        "Escape" if opened => open(false),
        "Escape" => show(""),
        _ => return false,
    }
    true
}

/// Takes every event of the field and its list.
pub(crate) fn attach(state: RwSignal<ViewState>) {
    let (Some(field), Some(listbox)) = (dom::by_id(ids::REGION), dom::by_id(ids::PLACES)) else {
        return;
    };
    let _ = field.remove_attribute("disabled");
    let handle = move |ev: web_sys::Event| match ev.type_().as_str() {
        "focus" => {
            ask_names();
            if let Some(i) = input() {
                i.select();
            }
        }
        "input" => list(),
        "blur" => {
            ADDING.set(false);
            open(false);
        }
        "keydown" => {
            if key(state, &ev.unchecked_ref::<KeyboardEvent>().key()) {
                ev.prevent_default();
            }
        }
        // A click on an option: the field keeps the focus.
        _ => {
            ev.prevent_default();
            if let Some(id) =
                dom::closest(&ev, "[data-id]").and_then(|o| o.get_attribute("data-id"))
            {
                choose(state, id);
            }
        }
    };
    let handle = Closure::<dyn FnMut(web_sys::Event)>::new(handle);
    let f = handle.as_ref().unchecked_ref();
    for kind in ["focus", "input", "blur", "keydown"] {
        let _ = field.add_event_listener_with_callback(kind, f);
    }
    let _ = listbox.add_event_listener_with_callback("mousedown", f);
    handle.forget();
}
