// `make web`: removes from wasm-bindgen's JS glue the classes of wasm-streams' stream adapters
// (IntoUnderlyingSource, …), whose wasm exports `make web` removes (leptos' server functions
// export them; this client-side site never calls them), with their `Symbol.dispose` lines; terser
// then drops their finalization registries, unused. Fails if the glue does not have the form
// this expects (a wasm-bindgen upgrade): nothing is removed silently wrong.
import { readFileSync, writeFileSync } from 'node:fs';

const NAMES = ['IntoUnderlyingByteSource', 'IntoUnderlyingSink', 'IntoUnderlyingSource'];
for (const file of process.argv.slice(2)) {
  let glue = readFileSync(file, 'utf8');
  for (const name of NAMES) {
    const start = glue.indexOf(`export class ${name} {\n`);
    const end = glue.indexOf('\n}\n', start);
    const dispose = `if (Symbol.dispose) ${name}.prototype[Symbol.dispose] = ${name}.prototype.free;\n`;
    if (start < 0 || end < 0 || !glue.includes(dispose)) {
      console.error(`trim-glue: ${file} has no class ${name} of the expected form`);
      process.exit(1);
    }
    glue = glue.slice(0, start) + glue.slice(end + 3);
    glue = glue.replace(dispose, '');
  }
  const left = NAMES.filter((n) => new RegExp(`\\b${n}\\b[^F]`).test(glue));
  if (left.length > 0) {
    console.error(`trim-glue: ${file} still uses ${left.join(', ')}`);
    process.exit(1);
  }
  writeFileSync(file, glue);
}
