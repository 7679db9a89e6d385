//! Sends the first requests, then fills the page's skeleton (index.html) with their answers.

fn main() {
    let start = web::start();
    wasm_bindgen_futures::spawn_local(async move { web::mount(start.await) });
}
