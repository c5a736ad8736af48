/**
 * Connected components of a mask of ink (8-connected, in two raster passes with a union–find
 * table), each measured as a Blob: label, area, mass, bounding box, boundary and whether it touches
 * the picture's border; with the shape measures the photo pipeline (../preprocess.ts) chooses by:
 * width, height, size, stroke thickness (2·area / boundary), overlap, and a group's bounding box.
 */

/** A connected component of a mask (8-connected), with what the choices of ink-tone.ts and digit-ink.ts look at. */
export interface Blob {
  /** Its label in the label image (1, 2, …). */
  label: number;
  /** Pixels. */
  area: number;
  /** Σ of the weight plane over its pixels (the ink's contrast), or the area when there is none. */
  mass: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Pixels on its boundary (with a 4-neighbour outside it or outside the picture). */
  edge: number;
  /** Whether it touches the picture's border. */
  border: boolean;
}

/** Its bounding box's width, in pixels. */
export const blobW = (b: Blob) => b.x1 - b.x0 + 1;
/** Its bounding box's height, in pixels. */
export const blobH = (b: Blob) => b.y1 - b.y0 + 1;
/** The longer side of its bounding box, in pixels. */
export const blobSize = (b: Blob) => Math.max(blobW(b), blobH(b));
/** The width of its strokes: area over half the boundary (a stroke s wide and l long: s·l / l). */
export const thickness = (b: Blob) => (2 * b.area) / b.edge;
/** Whether two blobs' bounding boxes overlap. */
export const overlaps = (a: Blob, b: Blob) => a.x0 <= b.x1 && a.x1 >= b.x0 && a.y0 <= b.y1 && a.y1 >= b.y0;

/**
 * Labels the 8-connected components of `mask` (non-zero pixels) and measures each. One raster pass
 * gives each pixel the provisional label of an already-seen neighbour (west, north-west, north,
 * north-east), or a new one, and records in a union–find table where two labels meet; a second
 * pass maps each pixel to its set's final label and adds it to that set's measures.
 */
export function components(
  mask: Uint8Array,
  w: number,
  h: number,
  weight?: Float32Array,
): { labels: Int32Array; blobs: Blob[] } {
  const labels = new Int32Array(w * h);
  let parent = new Int32Array(1024); // parent[l] ≤ l; a root is its own parent
  let next = 1;
  const find = (l: number): number => {
    while (parent[l] !== l) l = parent[l] = parent[parent[l]]; // path halving
    return l;
  };
  const meet = (a: number, b: number): number => {
    a = find(a);
    b = find(b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
    return a < b ? a : b;
  };
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!mask[i]) continue;
      // North touches west, north-west and north-east, so it alone decides; west touches north-west
      // but not north-east; so at most one pair of sets meets here.
      const west = x > 0 ? labels[i - 1] : 0;
      const nw = x > 0 && y > 0 ? labels[i - w - 1] : 0;
      const north = y > 0 ? labels[i - w] : 0;
      const ne = x < w - 1 && y > 0 ? labels[i - w + 1] : 0;
      let l = north || west || nw || ne;
      if (!north && ne && (west || nw)) l = meet(west || nw, ne);
      if (!l) {
        if (next === parent.length) {
          const grown = new Int32Array(2 * next);
          grown.set(parent);
          parent = grown;
        }
        l = parent[next] = next;
        next++;
      }
      labels[i] = l;
    }
  }
  // Final labels 1, 2, … in order of each set's first pixel; roots are their sets' smallest labels.
  const final = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) final[l] = find(l) === l ? ++count : final[find(l)];
  const area = new Int32Array(count + 1);
  const mass = new Float64Array(count + 1);
  const edge = new Int32Array(count + 1);
  const border = new Uint8Array(count + 1);
  const x0 = new Int32Array(count + 1).fill(w);
  const x1 = new Int32Array(count + 1).fill(-1);
  const y0 = new Int32Array(count + 1).fill(h);
  const y1 = new Int32Array(count + 1).fill(-1);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!mask[i]) continue;
      const l = (labels[i] = final[labels[i]]);
      area[l]++;
      mass[l] += weight ? weight[i] : 1;
      if (x < x0[l]) x0[l] = x;
      if (x > x1[l]) x1[l] = x;
      if (y < y0[l]) y0[l] = y;
      y1[l] = y;
      const onBorder = x === 0 || y === 0 || x === w - 1 || y === h - 1;
      if (onBorder) border[l] = 1;
      if (onBorder || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w]) edge[l]++;
    }
  }
  const blobs: Blob[] = [];
  for (let l = 1; l <= count; l++) {
    blobs.push({
      label: l,
      area: area[l],
      mass: mass[l],
      x0: x0[l],
      y0: y0[l],
      x1: x1[l],
      y1: y1[l],
      edge: edge[l],
      border: border[l] === 1,
    });
  }
  return { labels, blobs };
}

/** The bounding box of a group of blobs. */
export function boxOf(group: Blob[]): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: Math.min(...group.map((b) => b.x0)),
    y0: Math.min(...group.map((b) => b.y0)),
    x1: Math.max(...group.map((b) => b.x1)),
    y1: Math.max(...group.map((b) => b.y1)),
  };
}
