// The counties' shapes for the states' county maps (chart/src/county_map.rs): us-atlas'
// counties, pre-projected to Albers USA, each state's drawn to fill the maps' 975 x 610 box (its
// own scale, centred), as SVG path data with whole-pixel points, relative after the first (a
// point that rounds onto the one before it is dropped; a ring left with fewer than three points
// is dropped). NYT's geographies made of several counties are their merge: New York City (the
// five boroughs, 36NYC), and Alaska's 02997 (Bristol Bay with Lake and Peninsula) and 02998
// (Yakutat with Hoonah-Angoon). One line per shape: its county id, the centre of its largest
// ring's box (where its value shows), the path, separated by spaces; sorted by id.
// `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { feature, merge } from 'topojson-client';
import { centre, pixels, polygons } from './map-geometry.mjs';

const OUT = new URL('../chart/src/us-counties.txt', import.meta.url);
const atlas = JSON.parse(readFileSync(new URL('../node_modules/us-atlas/counties-albers-10m.json', import.meta.url)));
const WIDTH = 975;
const HEIGHT = 610;
const MARGIN = 10;
/** NYT's geographies that are several counties: their id, and the counties'. */
const MERGED = {
  '36NYC': ['36005', '36047', '36061', '36081', '36085'],
  '02997': ['02060', '02164'],
  '02998': ['02105', '02282'],
};

const geometries = atlas.objects.counties.geometries;
const into = new Map(Object.entries(MERGED).flatMap(([id, parts]) => parts.map((p) => [p, id])));
const shapes = geometries
  .filter((g) => !into.has(g.id))
  .map((g) => ({ id: g.id, geometry: feature(atlas, g).geometry }));
for (const [id, parts] of Object.entries(MERGED)) {
  const found = geometries.filter((g) => parts.includes(g.id));
  if (found.length !== parts.length) throw new Error(`us-atlas lacks a county of ${id}`);
  shapes.push({ id, geometry: merge(atlas, found) });
}

const points = (geometry) => polygons(geometry).flat(2);

// Each state's frame: its counties' box, scaled to fill the map's box, centred.
const frames = new Map();
for (const { id, geometry } of shapes) {
  const state = id.slice(0, 2);
  const box = frames.get(state) ?? [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points(geometry)) {
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
  }
  frames.set(state, box);
}
const place = (state) => {
  const [x0, y0, x1, y1] = frames.get(state);
  const k = Math.min((WIDTH - 2 * MARGIN) / (x1 - x0), (HEIGHT - 2 * MARGIN) / (y1 - y0));
  const dx = (WIDTH - (x1 - x0) * k) / 2;
  const dy = (HEIGHT - (y1 - y0) * k) / 2;
  return ([x, y]) => [Math.round((x - x0) * k + dx), Math.round((y - y0) * k + dy)];
};

const ring = (project, pts) => {
  const kept = pixels(pts, project);
  if (!kept) return '';
  const steps = kept.slice(1).map((p, i) => `${p[0] - kept[i][0]} ${p[1] - kept[i][1]}`);
  return `M${kept[0][0]} ${kept[0][1]}l${steps.join(' ').replaceAll(' -', '-')}z`;
};
const lines = shapes
  .map(({ id, geometry }) => {
    const project = place(id.slice(0, 2));
    const path = polygons(geometry).flatMap((rings) => rings.map((r) => ring(project, r))).join('');
    return `${id} ${centre(geometry, project)} ${path}`;
  })
  .filter((line) => !line.endsWith(' '))
  .sort()
  .join('\n') + '\n';
if (process.argv.includes('--check')) {
  if (readFileSync(OUT, 'utf8') !== lines) {
    console.error('chart/src/us-counties.txt is not what scripts/us-county-map.mjs makes of us-atlas: run it');
    process.exit(1);
  }
} else {
  writeFileSync(OUT, lines);
}
