// The states' shapes for the map (chart/src/map.rs): us-atlas' states, pre-projected to Albers
// USA in a 975 x 610 box, as SVG path data with whole-pixel points (a point that rounds onto the
// one before it is dropped; a ring left with fewer than three points is dropped). One line per
// state: its FIPS code, the centre of its largest ring's box (where its label goes), the path,
// separated by spaces. `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { feature } from 'topojson-client';

const OUT = new URL('../chart/src/us-states.txt', import.meta.url);
const atlas = JSON.parse(readFileSync(new URL('../node_modules/us-atlas/states-albers-10m.json', import.meta.url)));
const states = feature(atlas, atlas.objects.states).features;

const ring = (points) => {
  const kept = [];
  for (const [x, y] of points) {
    const p = [Math.round(x), Math.round(y)];
    const last = kept.at(-1);
    if (!last || last[0] !== p[0] || last[1] !== p[1]) kept.push(p);
  }
  if (kept.length > 1 && kept[0][0] === kept.at(-1)[0] && kept[0][1] === kept.at(-1)[1]) kept.pop();
  return kept.length < 3 ? '' : `M${kept.map((p) => p.join(',')).join(' ')}Z`;
};
const polygons = (geometry) => (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates);
const path = (geometry) => polygons(geometry).flatMap((rings) => rings.map(ring)).join('');
/** The centre of the box of the polygon whose outer ring's box is the largest. */
const centre = (geometry) => {
  let best = null;
  for (const [outer] of polygons(geometry)) {
    const xs = outer.map((p) => p[0]);
    const ys = outer.map((p) => p[1]);
    const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const area = (box[2] - box[0]) * (box[3] - box[1]);
    if (!best || area > best.area) best = { area, box };
  }
  return `${Math.round((best.box[0] + best.box[2]) / 2)},${Math.round((best.box[1] + best.box[3]) / 2)}`;
};
const lines = states
  .map((s) => `${s.id} ${centre(s.geometry)} ${path(s.geometry)}`)
  .sort()
  .join('\n') + '\n';
if (process.argv.includes('--check')) {
  if (readFileSync(OUT, 'utf8') !== lines) {
    console.error('chart/src/us-states.txt is not what scripts/us-map.mjs makes of us-atlas: run it');
    process.exit(1);
  }
} else {
  writeFileSync(OUT, lines);
}
