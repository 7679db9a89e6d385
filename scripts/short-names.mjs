// `make web`, last: gives the wasm's imports and exports short names, in the wasm and in its
// JS glue together. wasm-bindgen names each import after its JS function with a 16-digit hash
// (`__wbg_addEventListener_847fd86b8c33ec43`) and each closure adapter after its Rust types (up
// to 330 characters); the names travel twice, in the wasm and in the glue, and hashes do not
// compress (BENCHMARKS.md: the first load's bytes). Renamed: every import, the import module
// (`./web_bg.js`), and every export the glue reads as `.name` but `memory`.
//
// The glue's names are replaced as whole identifiers; the script fails if an old name is not
// found in the glue exactly where it is expected or is still there afterwards, or if the wasm
// has a form it does not read: nothing is renamed silently wrong.
//
// Usage: node scripts/short-names.mjs <wasm> <glue.js>
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmFile, glueFile] = process.argv.slice(2);
const fail = (why) => {
  console.error(`short-names: ${why}`);
  process.exit(1);
};

// --- the wasm: sections, with the import (2) and export (7) sections read and rewritten ---
const bytes = readFileSync(wasmFile);
if (bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) {
  fail(`${wasmFile} is not a version 1 wasm module`);
}

class Reader {
  constructor(buf, at = 0) {
    this.buf = buf;
    this.at = at;
  }
  byte() {
    if (this.at >= this.buf.length) fail(`${wasmFile}: read past the end`);
    return this.buf[this.at++];
  }
  // An unsigned LEB128 (u32 or u64, as a Number: wasm's indexes and sizes fit).
  leb() {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return n;
      scale *= 128;
    }
  }
  name() {
    const len = this.leb();
    const text = this.buf.toString('utf8', this.at, this.at + len);
    this.at += len;
    return text;
  }
  // A run of bytes as they are, from `start` to here.
  since(start) {
    return this.buf.subarray(start, this.at);
  }
}

const leb = (n) => {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
};
const name = (text) => {
  const b = Buffer.from(text, 'utf8');
  return Buffer.concat([leb(b.length), b]);
};

// Limits of a table or memory: a flags byte (bit 0: a maximum follows), then the minimum.
const limits = (r) => {
  const flags = r.byte();
  r.leb();
  if (flags & 1) r.leb();
};

const sections = [];
{
  const r = new Reader(bytes, 8);
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.leb();
    sections.push({ id, body: bytes.subarray(r.at, r.at + size) });
    r.at += size;
  }
}

// Short identifiers, in order: a…z, A…Z, then two characters and more.
const FIRST = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const REST = `${FIRST}0123456789_$`;
const short = (i) => {
  let id = FIRST[i % FIRST.length];
  for (i = Math.floor(i / FIRST.length); i > 0; i = Math.floor((i - 1) / REST.length)) {
    id += REST[(i - 1) % REST.length];
  }
  return id;
};

const renamed = { imports: new Map(), exports: new Map(), module: null };
const glue0 = readFileSync(glueFile, 'utf8');
const MODULE = 'w';

for (const section of sections) {
  if (section.id === 2) {
    const r = new Reader(section.body);
    const count = r.leb();
    const out = [leb(count)];
    for (let i = 0; i < count; i++) {
      const module = r.name();
      const field = r.name();
      const start = r.at;
      const kind = r.byte();
      if (kind === 0x00) r.leb();
      else if (kind === 0x01) {
        r.byte();
        limits(r);
      } else if (kind === 0x02) limits(r);
      else if (kind === 0x03) {
        r.byte();
        r.byte();
      } else fail(`${wasmFile}: import ${module}.${field} of kind ${kind}, which this does not read`);
      if (renamed.module === null) renamed.module = module;
      if (module !== renamed.module) fail(`${wasmFile}: imports from ${module} and ${renamed.module}`);
      if (!renamed.imports.has(field)) renamed.imports.set(field, short(renamed.imports.size));
      out.push(name(MODULE), name(renamed.imports.get(field)), r.since(start));
    }
    if (r.at !== section.body.length) fail(`${wasmFile}: the import section has bytes left over`);
    section.body = Buffer.concat(out);
  } else if (section.id === 7) {
    const r = new Reader(section.body);
    const count = r.leb();
    const out = [leb(count)];
    for (let i = 0; i < count; i++) {
      const field = r.name();
      const start = r.at;
      r.byte();
      r.leb();
      // Only the exports the glue reads as properties; `memory` keeps its name.
      const read = field !== 'memory' && new RegExp(`\\.${field}\\b`).test(glue0);
      if (read) renamed.exports.set(field, short(renamed.exports.size));
      out.push(name(read ? renamed.exports.get(field) : field), r.since(start));
    }
    if (r.at !== section.body.length) fail(`${wasmFile}: the export section has bytes left over`);
    section.body = Buffer.concat(out);
  }
}
if (renamed.imports.size === 0 || renamed.exports.size === 0) {
  fail(`${wasmFile}: no imports or no exports the glue reads; is this wasm-bindgen's output?`);
}

// --- the glue: each old name as a whole identifier, where the glue has it ---
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const replaceAll = (glue, pattern, to, what) => {
  const re = new RegExp(pattern, 'g');
  if (!re.test(glue)) fail(`${glueFile} has no ${what}`);
  return glue.replace(re, to);
};
let glue = glue0;
glue = replaceAll(
  glue,
  `(["'])${escape(renamed.module)}\\1:`,
  `"${MODULE}":`,
  `import object for ${renamed.module}`,
);
for (const [from, to] of renamed.imports) {
  glue = replaceAll(glue, `(?<=[{,])${escape(from)}(?=:)`, to, `import ${from} as a key`);
}
for (const [from, to] of renamed.exports) {
  glue = replaceAll(glue, `(?<=\\.)${escape(from)}\\b`, to, `export ${from} read as .${from}`);
}
const left = [...renamed.imports.keys(), ...renamed.exports.keys()].filter((n) =>
  new RegExp(`(?<![\\w$])${escape(n)}(?![\\w$])`).test(glue),
);
if (left.length > 0) fail(`${glueFile} still names ${left.join(', ')}`);

const out = [bytes.subarray(0, 8)];
for (const { id, body } of sections) out.push(Buffer.from([id]), leb(body.length), body);
writeFileSync(wasmFile, Buffer.concat(out));
writeFileSync(glueFile, glue);
console.log(
  `short-names: ${renamed.imports.size} imports and ${renamed.exports.size} exports renamed`,
);
