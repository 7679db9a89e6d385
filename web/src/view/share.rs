//! "Copy link": the page's URL, which reproduces the view, copied to the clipboard; where the
//! browser refuses, the link is said so that it can be copied by hand.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

#[component]
pub fn CopyLink() -> impl IntoView {
    let said = RwSignal::new(String::new());
    let copy = move |_| {
        let url = window().location().href().unwrap_or_default();
        let promise = window().navigator().clipboard().write_text(&url);
        spawn_local(async move {
            said.set(match JsFuture::from(promise).await {
                Ok(_) => "Link copied.".to_string(),
                Err(_) => format!("Copy this link: {url}"),
            });
        });
    };
    view! {
        <button type="button" id="copy-link" on:click=copy>"Copy link"</button>
        <span id="copy-status" class="copy-status" role="status" aria-live="polite">{move || said.get()}</span>
    }
}
