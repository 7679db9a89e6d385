// Starts the site's WebAssembly. Loaded as a file, not inline: the production Content Security
// Policy (template.yaml) allows scripts from 'self' only. Trunk writes the hashed names of the
// wasm-bindgen module and the wasm into the script tag's data attributes (web/Trunk.toml).
//
// A page that cannot start, or whose wasm stops, says so instead of staying as it was: the wasm
// is built with panics as bare traps (README, "Site"), so a panic is a WebAssembly.RuntimeError
// with no message of its own, here or in the console.
const say = (text) => {
  if (document.getElementById('stopped')) return;
  const p = document.createElement('p');
  p.id = 'stopped';
  p.className = 'status error';
  p.setAttribute('role', 'alert');
  p.textContent = text;
  (document.getElementById('app') ?? document.body).prepend(p);
};
const trapped = (error) => {
  if (error instanceof WebAssembly.RuntimeError) {
    say(`The page stopped on an error (${error.message}). Reload it to start again.`);
  }
};
addEventListener('error', (e) => trapped(e.error));
addEventListener('unhandledrejection', (e) => trapped(e.reason));
const tag = document.querySelector('script[data-wasm]');
try {
  const { default: init } = await import(tag.dataset.js);
  await init({ module_or_path: tag.dataset.wasm });
} catch (error) {
  say(`The chart could not start (${error.message}). Reload the page to try again.`);
}
