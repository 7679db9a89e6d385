// Starts the site's WebAssembly. Loaded as a file, not inline: the production Content Security
// Policy (template.yaml) allows scripts from 'self' only. Trunk writes the hashed names of the
// wasm-bindgen module and the wasm into the script tag's data attributes (web/Trunk.toml).
const tag = document.querySelector('script[data-wasm]');
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
