// The states' shapes for the map (chart/src/map.rs): us-atlas' states, pre-projected to Albers
// USA in a 975 x 610 box, as SVG path data with whole-pixel points (a point that rounds onto the
// one before it is dropped; a ring left with fewer than three points is dropped). One line per
// state: its FIPS code, the centre of its largest ring's box (where its label goes), the path,
// separated by spaces. `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { feature } from 'topojson-client';
import { centre, pixels, polygons } from './map-geometry.mjs';

const OUT = new URL('../chart/src/us-states.txt', import.meta.url);
const atlas = JSON.parse(readFileSync(new URL('../node_modules/us-atlas/states-albers-10m.json', import.meta.url)));
const states = feature(atlas, atlas.objects.states).features;

const round = ([x, y]) => [Math.round(x), Math.round(y)];
const ring = (points) => {
  const kept = pixels(points, round);
  return kept ? `M${kept.map((p) => p.join(',')).join(' ')}Z` : '';
};
const path = (geometry) => polygons(geometry).flatMap((rings) => rings.map(ring)).join('');
const lines = states
  .map((s) => `${s.id} ${centre(s.geometry, ([x, y]) => [x, y])} ${path(s.geometry)}`)
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
