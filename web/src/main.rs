//! Sends the first requests, then mounts the app, with their answers, in place of the static
//! shell of index.html (which stays until then).
use leptos::prelude::*;

fn main() {
    let start = web::start();
    wasm_bindgen_futures::spawn_local(async move {
        let start = start.await;
        let Some(root) = document().get_element_by_id("app") else {
            return;
        };
        root.set_inner_html("");
        let root: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(root);
        leptos::mount::mount_to(root, move || view! { <web::App start=start/> }).forget();
    });
}
