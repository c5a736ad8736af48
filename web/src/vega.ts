/**
 * Vega's runtime for the page's chart, with only what a compiled Vega-Lite line chart uses: the
 * dataflow, the view, the parser, and the data, view and encoding transforms. The `vega` package's
 * own entry registers every transform (geography, force layouts, word clouds, …) and would add a
 * third to the chart's weight (150 kB against 194 kB gzipped, minified). Types come from `vega`.
 */
import { transforms } from 'vega-dataflow';
import * as encode from 'vega-encode';
import * as dataTransforms from 'vega-transforms';
import * as viewTransforms from 'vega-view-transforms';

Object.assign(transforms, dataTransforms, viewTransforms, encode);

export { View } from 'vega-view';
export { parse } from 'vega-parser';
export type { Spec } from 'vega';
