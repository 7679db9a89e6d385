//! The few DOM operations of the parts written as markup (the chart options, the ranking, the
//! form): find an element, set an attribute or a flag, and tell which element an event came
//! from.

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::Element;

pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

/// Sets an attribute of the element with this id.
pub fn set(id: &str, name: &str, value: &str) {
    if let Some(e) = by_id(id) {
        let _ = e.set_attribute(name, value);
    }
}

/// Sets or removes a boolean attribute (`hidden`, `disabled`).
pub fn flag(id: &str, name: &str, on: bool) {
    if let Some(e) = by_id(id) {
        let _ = e.toggle_attribute_with_force(name, on);
    }
}

/// An `aria-pressed` or `aria-expanded` value.
pub fn pressed(on: bool) -> &'static str {
    if on { "true" } else { "false" }
}

/// The element an event came from.
pub fn source(ev: &web_sys::Event) -> Option<Element> {
    ev.target().and_then(|t| t.dyn_into::<Element>().ok())
}

/// The nearest element (itself or an ancestor) of the event's source that `selector` matches.
pub fn closest(ev: &web_sys::Event, selector: &str) -> Option<Element> {
    source(ev).and_then(|e| e.closest(selector).ok().flatten())
}
