// What the two map scripts (us-map.mjs, the states; us-county-map.mjs, each state's counties)
// share: a geometry's polygons, a ring's whole-pixel points, and where a shape's value shows.

/** The polygons of a Polygon or MultiPolygon, each a list of rings. */
export const polygons = (geometry) => (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates);

/** A ring's points projected to whole pixels, a point that rounds onto the one before it
 * dropped, and the closing point too; `null` when fewer than three are left. */
export const pixels = (points, project) => {
  const kept = [];
  for (const p of points.map(project)) {
    const last = kept.at(-1);
    if (!last || last[0] !== p[0] || last[1] !== p[1]) kept.push(p);
  }
  if (kept.length > 1 && kept[0][0] === kept.at(-1)[0] && kept[0][1] === kept.at(-1)[1]) kept.pop();
  return kept.length < 3 ? null : kept;
};

/** The centre of the box of the polygon whose outer ring's box is the largest, projected:
 * `x,y`. */
export const centre = (geometry, project) => {
  let best = null;
  for (const [outer] of polygons(geometry)) {
    const pts = outer.map(project);
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const area = (box[2] - box[0]) * (box[3] - box[1]);
    if (!best || area > best.area) best = { area, box };
  }
  return `${Math.round((best.box[0] + best.box[2]) / 2)},${Math.round((best.box[1] + best.box[3]) / 2)}`;
};
