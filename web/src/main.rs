//! Mounts the app in place of the static shell of index.html.
fn main() {
    console_error_panic_hook::set_once();
    let document = leptos::prelude::document();
    let Some(root) = document.get_element_by_id("app") else {
        return;
    };
    root.set_inner_html("");
    let root: leptos::web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(root);
    leptos::mount::mount_to(root, web::App).forget();
}
