/**
 * A functional model's graph as files write it, in one neutral form that our file, TensorFlow.js's
 * model.json and Keras's configs (3's node form, 2's list form) each translate to and from:
 *   layers:  [{ name, inbound: [node₀'s inputs, node₁'s inputs, …] }]   (an InputLayer has none)
 *   a tensor: [layer name, node index, tensor index], as Keras's keras_history
 *   inputs, outputs: tensors
 * Reading checks the graph before any layer is applied or any weight allocated: names unique, every
 * reference to a node that exists, no cycle, no more nodes than MAX_NODES.
 */
import { FormatError, quote } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/core/input-layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import type { Graph } from './graph.js';

/** A tensor of the graph: the layer that makes it, which of the layer's nodes, which of its outputs. */
export type TensorRef = [layer: string, node: number, tensor: number];

/**
 * One layer of a graph as files hold it: its name and, for each node (each time it is applied), the
 * tensors it takes.
 * @example
 * const add: GraphLayerSpec = { name: 'add', inbound: [[['conv2d_1', 0, 0], ['conv2d', 0, 0]]] };
 */
export interface GraphLayerSpec {
  name: string;
  inbound: TensorRef[][];
}

/**
 * A graph as files hold it.
 * @example
 * const spec: GraphSpec = { layers, inputs: [['input_layer', 0, 0]], outputs: [['dense', 0, 0]] };
 */
export interface GraphSpec {
  layers: GraphLayerSpec[];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

/** The most nodes a file's graph may have: far above any real model, far below what would exhaust memory. */
export const MAX_NODES = 100_000;

/**
 * The neutral form of a model's graph: its layers (each once, as `layers` orders them) with their
 * nodes' inputs, node indices counted within the model (a model applied inside it is inlined).
 * @example
 * graphSpec(model.layers, graph).outputs; // [['dense_1', 0, 0]]
 */
export function graphSpec(
  layers: readonly Layer[],
  graph: Pick<Graph, 'describeNodes' | 'describeOutputs' | 'inputs'>,
): GraphSpec {
  const inbound = new Map<Layer, TensorRef[][]>();
  for (const n of graph.describeNodes()) {
    const list = inbound.get(n.layer);
    if (list) list.push(n.inputs);
    else inbound.set(n.layer, [n.inputs]);
  }
  return {
    layers: layers.map((l) => ({ name: l.name, inbound: inbound.get(l) ?? [] })),
    inputs: graph.inputs.map((t): TensorRef => [t.node.layer.name, 0, 0]),
    outputs: graph.describeOutputs(),
  };
}

/**
 * What a graph read from a file applies at its nodes: a layer, or a model applied as a layer.
 * @example
 * const parts: Appliable[] = [new Dense(10), tower];
 */
export interface Appliable {
  readonly name: string;
  /** True for a layer that takes its inputs as a list (a merge layer). */
  readonly takesList?: boolean;
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
}

/** A tensor reference from a file, checked: [name, node, tensor]. */
export function checkRef(v: unknown, where: string): TensorRef {
  if (
    !Array.isArray(v) ||
    v.length < 3 ||
    typeof v[0] !== 'string' ||
    !Number.isSafeInteger(v[1]) ||
    (v[1] as number) < 0 ||
    !Number.isSafeInteger(v[2]) ||
    (v[2] as number) < 0
  ) {
    throw new FormatError(`${where}: a tensor must be [layer name, node index, tensor index], got ${quote(v)}.`);
  }
  return [v[0], v[1] as number, v[2] as number];
}

/**
 * The symbolic inputs and outputs of a graph read from a file, its layers made by `make` (in the
 * spec's order) and applied node by node once the tensors each node takes exist. Every check that
 * needs no layer comes first.
 * @example
 * const make = (i: number) => layerFromConfig(c[i].className, c[i].config, where);
 * const { inputs, outputs } = graphFromSpec(spec, make, 'model.mnn');
 */
export function graphFromSpec<L extends Appliable>(
  spec: GraphSpec,
  make: (index: number) => L,
  where: string,
): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; layers: L[] } {
  const byName = new Map<string, number>();
  let nodes = 0;
  spec.layers.forEach((l, i) => {
    if (byName.has(l.name)) throw new FormatError(`${where}: two layers are named ${quote(l.name, "'")}.`);
    byName.set(l.name, i);
    nodes += Math.max(1, l.inbound.length);
  });
  if (nodes > MAX_NODES) {
    throw new FormatError(`${where}: the graph has ${nodes} nodes; mnist-nn reads at most ${MAX_NODES}.`);
  }
  const nodeCount = (name: string): number => {
    const i = byName.get(name);
    return i === undefined ? 0 : Math.max(1, spec.layers[i].inbound.length);
  };
  const check = (r: TensorRef, what: string): void => {
    if (!byName.has(r[0]))
      throw new FormatError(`${where}: ${what} names the layer ${quote(r[0], "'")}, which the model does not have.`);
    if (r[1] >= nodeCount(r[0])) {
      throw new FormatError(
        `${where}: ${what} names node ${r[1]} of the layer ${quote(r[0], "'")}, which has ${nodeCount(r[0])}.`,
      );
    }
  };
  spec.layers.forEach((l) =>
    l.inbound.forEach((node, k) => node.forEach((r) => check(r, `node ${k} of the layer ${quote(l.name, "'")}`))),
  );
  spec.inputs.forEach((r) => check(r, 'an input'));
  spec.outputs.forEach((r) => check(r, 'an output'));
  if (spec.outputs.length === 0) throw new FormatError(`${where}: the model has no outputs.`);

  const layers = spec.layers.map((_, i) => make(i));
  const tensor = (r: TensorRef): SymbolicTensor => {
    const outs = made.get(key(r[0], r[1]))!;
    if (r[2] >= outs.length) {
      throw new FormatError(
        `${where}: a node names output ${r[2]} of the layer ${quote(r[0], "'")}, which has ${outs.length}.`,
      );
    }
    return outs[r[2]];
  };
  const made = new Map<string, SymbolicTensor[]>();
  const key = (name: string, node: number): string => `${node}\u0000${name}`;
  // Kahn's order: a node is applied once every tensor it takes exists; what is left is on a cycle.
  const waiting: { layer: number; node: number; refs: TensorRef[] }[] = [];
  layers.forEach((l, i) => {
    if (l instanceof InputLayer) {
      if (spec.layers[i].inbound.some((n) => n.length > 0)) {
        throw new FormatError(`${where}: the InputLayer ${quote(l.name, "'")} takes inputs.`);
      }
      made.set(key(l.name, 0), [l.output]);
    } else if (spec.layers[i].inbound.length === 0) {
      throw new FormatError(`${where}: the layer ${quote(l.name, "'")} is never applied (it has no inbound node).`);
    } else {
      spec.layers[i].inbound.forEach((refs, node) => waiting.push({ layer: i, node, refs }));
    }
  });
  const readers = new Map<string, number[]>();
  const missing = waiting.map((w, k) => {
    const need = new Set(w.refs.map((r) => key(r[0], r[1])).filter((x) => !made.has(x)));
    for (const x of need) {
      const list = readers.get(x);
      if (list) list.push(k);
      else readers.set(x, [k]);
    }
    return need.size;
  });
  const ready = waiting.flatMap((_, k) => (missing[k] === 0 ? [k] : []));
  let applied = 0;
  while (ready.length > 0) {
    const w = waiting[ready.pop()!];
    const layer = layers[w.layer];
    const xs = w.refs.map((r) => tensor(r));
    const out = layer.apply(layer.takesList === true || xs.length > 1 ? xs : xs[0]);
    const k = key(layer.name, w.node);
    made.set(k, Array.isArray(out) ? out : [out]);
    applied++;
    for (const reader of readers.get(k) ?? []) if (--missing[reader] === 0) ready.push(reader);
  }
  if (applied < waiting.length) {
    const stuck = waiting.find((_, k) => missing[k] > 0)!;
    throw new FormatError(
      `${where}: the graph has a cycle: node ${stuck.node} of the layer ${quote(layers[stuck.layer].name, "'")} waits on a tensor that depends on it.`,
    );
  }
  const inputs = spec.inputs.map(tensor);
  for (const [i, t] of inputs.entries()) {
    if (!(t.node.layer instanceof InputLayer)) {
      throw new FormatError(`${where}: input ${i} is the layer ${quote(t.node.layer.name, "'")}, not an InputLayer.`);
    }
  }
  return { inputs, outputs: spec.outputs.map(tensor), layers };
}
