/**
 * The executor every model runs on (Keras's Functional): the nodes between a model's inputs and its
 * outputs in an order computed once (each node after the nodes it reads), one forward pass and one
 * backward pass over them. Sequential is the chain case, x → layer₁ → … → layerₙ.
 *   forward:  value(input i) = xs[i]; for each node in order: value(node) = layer(values of its inputs)
 *   backward: dvalue(output i) = dys[i]; for each node in reverse order, when a layer that learns lies
 *             at or before it: dinputs = layer.backward(dvalue(node)), each added into dvalue(input):
 *             a tensor read by several nodes gets the sum of their gradients.
 * A layer applied at several nodes keeps what its backward pass needs in one place, so each node
 * after the first runs a twin: the same layer rebuilt from its config whose weights are the
 * layer's own tensors (one set of weights) and whose gradients are added into the layer's.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import type { BuildContext, ForwardContext, Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/core/input-layer.js';
import { registration } from '../layers/registry.js';
import type { GraphNode, SymbolicTensor } from '../layers/symbolic.js';
import type { FloatDType } from '../tensor/kernels.js';
import { reuse, type FloatTensor } from '../tensor/tensor.js';

/**
 * What a backward pass is asked: which outputs' gradients are of softmax logits, which layers learn.
 * @example
 * graph.backward([dy], { fromLogits: [true], learns: (l) => l.trainable });
 */
export interface GraphBackwardOptions {
  /** Per output: the gradient is of the logits of the output's softmax (a fused cross-entropy's). */
  fromLogits: readonly boolean[];
  /** Whether a layer's weight gradients are wanted. */
  learns(layer: Layer): boolean;
}

/** One node as the executor runs it: the layer (or its twin), where its inputs and output live. */
interface Step {
  node: GraphNode;
  layer: Layer;
  /** The layer the weights belong to (`layer` itself, or the layer a twin stands for). */
  owner: Layer;
  inputs: number[];
  output: number;
  /** Index of the node whose output each input is (-1 for a model input). */
  producers: number[];
}

/**
 * The nodes between `inputs` and `outputs`, checked and ordered; see the file's header.
 * @example
 * const graph = new Graph([x], [y], 'model');
 * graph.build({ dtype: 'float32', rng: new Rng(1) });
 * const [out] = graph.forward([batch], { training: false, rng });
 */
export class Graph {
  /** Every layer, each once, in the order their first node runs (the inputs' layers first). */
  readonly layers: Layer[];
  private readonly steps: Step[] = [];
  private readonly inputIds: number[];
  private readonly outputIds: number[];
  /** How many nodes read each tensor, and how many times it is an output. */
  private readonly readers: number[];
  private readonly twins = new Map<Layer, Layer[]>();
  /** Per layer applied more than once: the gradient buffers its twins write, and the sums of what they wrote. */
  private readonly scratch = new Map<Layer, Map<string, FloatTensor>>();
  private readonly twinSums = new Map<Layer, Map<string, FloatTensor>>();
  private values: (FloatTensor | undefined)[] = [];
  private grads: (FloatTensor | undefined)[] = [];
  /** Buffers into which several gradients of one tensor are added, kept between steps. */
  private sums: (FloatTensor | undefined)[] = [];

  constructor(
    readonly inputs: readonly SymbolicTensor[],
    readonly outputs: readonly SymbolicTensor[],
    private readonly where: string,
  ) {
    const ids = new Map<SymbolicTensor, number>();
    let count = 0;
    const id = (t: SymbolicTensor): number => {
      let i = ids.get(t);
      if (i === undefined) ids.set(t, (i = count++));
      return i;
    };
    this.inputIds = inputs.map(id);
    for (const node of this.order()) {
      const nested = nestedGraphOf(node.layer);
      if (!nested) {
        const layer = node.layer as Layer;
        this.steps.push({
          node,
          layer,
          owner: layer,
          inputs: node.inputs.map(id),
          output: id(node.outputs[0]),
          producers: [],
        });
        continue;
      }
      // A model applied as a layer: its steps, on tensors of their own each time it is applied.
      const local = new Map<number, number>();
      nested.inputIds.forEach((inner, i) => local.set(inner, id(node.inputs[i])));
      for (const s of nested.steps) {
        local.set(s.output, count++);
        this.steps.push({
          node: s.node,
          layer: s.owner,
          owner: s.owner,
          inputs: s.inputs.map((i) => local.get(i)!),
          output: local.get(s.output)!,
          producers: [],
        });
      }
      node.outputs.forEach((t, j) => ids.set(t, local.get(nested.outputIds[j])!));
    }
    const producer = new Map<number, number>();
    this.steps.forEach((s, k) => {
      s.producers = s.inputs.map((i) => producer.get(i) ?? -1);
      producer.set(s.output, k);
    });
    this.outputIds = outputs.map(id);
    this.readers = new Array<number>(count).fill(0);
    for (const s of this.steps) for (const i of s.inputs) this.readers[i]++;
    for (const o of this.outputIds) this.readers[o]++;
    this.layers = [...inputs.map((t) => t.node.layer as Layer)];
    const listed = new Set(this.layers);
    for (const s of this.steps) {
      if (listed.has(s.owner)) continue;
      listed.add(s.owner);
      this.layers.push(s.owner);
    }
    this.checkNames();
  }

  /**
   * Each node as files and the summary describe it, nested models' nodes inlined: its layer, the
   * layer's index among them, and each input as [layer, node, tensor] (a model input as [its layer, 0, 0]).
   */
  describeNodes(): { layer: Layer; index: number; inputs: [string, number, number][] }[] {
    const made = new Map<number, [string, number, number]>();
    this.inputs.forEach((t, i) => made.set(this.inputIds[i], [t.node.layer.name, 0, 0]));
    const counts = new Map<Layer, number>();
    return this.steps.map((s) => {
      const index = counts.get(s.owner) ?? 0;
      counts.set(s.owner, index + 1);
      const inputs = s.inputs.map((i) => made.get(i)!);
      made.set(s.output, [s.owner.name, index, 0]);
      return { layer: s.owner, index, inputs };
    });
  }

  /** The outputs as [layer, node, tensor]. */
  describeOutputs(): [string, number, number][] {
    const nodes = this.describeNodes();
    return this.outputIds.map((id) => {
      const k = this.steps.findIndex((s) => s.output === id);
      if (k < 0) return [this.inputs[this.inputIds.indexOf(id)].node.layer.name, 0, 0];
      return [nodes[k].layer.name, nodes[k].index, 0];
    });
  }

  /**
   * The nodes from the inputs to the outputs, each after those it reads (a depth-first walk back
   * from the outputs, in output order then input order); the model's inputs are not among them.
   */
  private order(): GraphNode[] {
    const inputNodes = new Set(this.inputs.map((t) => t.node));
    const done = new Set<GraphNode>();
    const onPath = new Set<GraphNode>();
    const order: GraphNode[] = [];
    const reached = new Set<GraphNode>();
    // Depth-first with a stack of its own (a chain of 100,000 layers must not overflow the call stack):
    // a node is entered, its inputs visited in order, then it is left and joins the order.
    const visit = (start: GraphNode, from: SymbolicTensor): void => {
      const stack: { node: GraphNode; next: number }[] = [];
      const enter = (node: GraphNode): void => {
        if (inputNodes.has(node)) return void reached.add(node);
        if (done.has(node)) return;
        if (onPath.has(node))
          throw new ValueError(`${this.where}: the graph has a cycle through ${node.layer.describe()}.`);
        if (node.layer instanceof InputLayer) {
          throw new ValueError(
            `${this.where}: the output '${from.name}' depends on the input '${node.layer.name}', which is not among the model's inputs (${this.inputs.map((t) => `'${t.name}'`).join(', ')}).`,
          );
        }
        onPath.add(node);
        stack.push({ node, next: 0 });
      };
      enter(start);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.next < top.node.inputs.length) {
          enter(top.node.inputs[top.next++].node);
          continue;
        }
        stack.pop();
        onPath.delete(top.node);
        done.add(top.node);
        order.push(top.node);
      }
    };
    for (const t of this.outputs) visit(t.node, t);
    for (const t of this.inputs) {
      if (!reached.has(t.node)) {
        throw new ValueError(
          `${this.where}: the input '${t.name}' reaches no output (${this.outputs.map((o) => `'${o.name}'`).join(', ')}); remove it or connect it.`,
        );
      }
    }
    return order;
  }

  private checkNames(): void {
    const seen = new Map<string, Layer>();
    for (const l of this.layers) {
      const other = seen.get(l.name);
      if (other) {
        throw new ValueError(
          `${this.where}: two layers are named '${l.name}' (${other.describe()} and ${l.describe()}); layer and input names must be unique in a model (files find weights by them).`,
        );
      }
      seen.set(l.name, l);
    }
  }

  /**
   * Creates every layer's weights (a layer built before, in another model, keeps its own), and a
   * twin for each further node of a layer applied more than once.
   */
  build(ctx: BuildContext): void {
    const inputShapes = (s: Step): number[][] => s.node.inputs.map((t) => [...t.sampleShape]);
    for (const t of this.inputs) (t.node.layer as Layer).buildOn([[...t.sampleShape]], ctx);
    const first = new Set<Layer>();
    for (const s of this.steps) {
      if (!first.has(s.owner)) {
        first.add(s.owner);
        s.layer.buildOn(inputShapes(s), ctx);
        continue;
      }
      s.layer = this.twin(s.owner, inputShapes(s), ctx);
      const twins = this.twins.get(s.owner);
      if (twins) twins.push(s.layer);
      else this.twins.set(s.owner, [s.layer]);
    }
  }

  /**
   * The layer rebuilt from its config for another node: its weights are the layer's own tensors and
   * its gradients go to one scratch buffer per weight, shared by all the layer's twins, so a layer
   * applied n times costs no more memory for its weights than applied twice.
   */
  private twin(layer: Layer, inputShapes: number[][], ctx: BuildContext): Layer {
    const reg = registration(layer.className);
    if (!reg || (reg.cls as unknown) !== layer.constructor) {
      throw new ValueError(
        `${this.where}: ${layer.describe()} is applied at several places, which needs its class registered (registerLayer) so that each place can keep its own forward state.`,
      );
    }
    const params = layer.parameters();
    let grads = this.scratch.get(layer);
    if (!grads) {
      const learnt = params.filter((p) => p.trainable !== false);
      grads = new Map(learnt.map((p) => [p.name, reuse(undefined, p.value.shape, layer.dtype)]));
      this.scratch.set(layer, grads);
      this.twinSums.set(layer, new Map([...grads].map(([k, g]) => [k, reuse(undefined, g.shape, layer.dtype)])));
    }
    const twin = reg.fromConfig(layer.getConfig());
    twin.buildOn(inputShapes, { dtype: layer.dtype, rng: ctx.rng, shared: { params, grads } });
    return twin;
  }

  /** The sample shapes of the outputs. */
  get outputShapes(): number[][] {
    return this.outputs.map((t) => [...t.sampleShape]);
  }

  /**
   * Runs every node on a batch of each input (checked and of the model's dtype); returns the outputs,
   * the layers' own buffers, valid until the next forward.
   */
  forward(xs: readonly FloatTensor[], ctx: ForwardContext): FloatTensor[] {
    for (const [owner, twins] of this.twins) {
      for (const t of twins) {
        t.trainable = owner.trainable;
        t.learnsInStep = owner.learnsInStep;
      }
    }
    const values = this.values;
    this.inputIds.forEach((id, i) => (values[id] = xs[i]));
    for (const s of this.steps)
      values[s.output] = s.layer.forwardOn(
        s.inputs.map((i) => values[i]!),
        ctx,
      );
    return this.outputIds.map((id) => values[id]!);
  }

  /**
   * The pre-softmax values of output i in the last forward, when its layer ends in softmax and the
   * output feeds no other node (a fused gradient of the logits would be wrong for the others).
   */
  outputLogits(i: number): FloatTensor | undefined {
    const id = this.outputIds[i];
    const s = this.steps.find((t) => t.output === id);
    if (!s || this.readers[id] !== 1 || !s.layer.endsInSoftmax()) return undefined;
    return s.layer.logits();
  }

  /** From dL/d(output i) = dys[i] of the last forward, writes the weight gradients of the layers that learn. */
  backward(dys: readonly FloatTensor[], options: GraphBackwardOptions): void {
    const { steps } = this;
    const learns = steps.map((s) => s.owner.parameters().some((p) => p.trainable !== false) && options.learns(s.owner));
    // Whether a node or one before it learns: only then is its backward pass needed.
    const upstream: boolean[] = [];
    steps.forEach((s, k) => (upstream[k] = learns[k] || s.producers.some((p) => p >= 0 && upstream[p])));
    this.grads.fill(undefined);
    this.outputIds.forEach((id, i) => this.addGrad(id, dys[i]));
    // The layers whose twins have written gradients in this pass, summed apart until the end.
    const summed = new Set<Layer>();
    for (let k = steps.length - 1; k >= 0; k--) {
      if (!upstream[k]) continue;
      const s = steps[k];
      const dy = this.grads[s.output];
      if (!dy) continue;
      const o = this.outputIds.indexOf(s.output);
      const needInputGrad = s.producers.some((p) => p >= 0 && upstream[p]);
      const dxs = s.layer.backwardOn(dy, {
        needInputGrad,
        skipSoftmax: o >= 0 && options.fromLogits[o],
        weightGrads: learns[k],
      });
      if (learns[k] && s.layer !== s.owner) {
        this.keepTwinGrads(s.owner, summed.has(s.owner));
        summed.add(s.owner);
      }
      s.inputs.forEach((id, j) => {
        const g = dxs[j];
        if (g && s.producers[j] >= 0 && upstream[s.producers[j]]) this.addGrad(id, g);
      });
    }
    for (const owner of summed) this.addTwinGrads(owner);
  }

  /** dvalue(id) += g: the first gradient is kept as it is, a second is summed into a buffer of our own. */
  private addGrad(id: number, g: FloatTensor): void {
    const have = this.grads[id];
    if (!have) return void (this.grads[id] = g);
    let sum = this.sums[id];
    if (have !== sum) {
      sum = this.sums[id] = reuse(sum, have.shape, have.dtype as FloatDType);
      sum.data.set(have.data);
    }
    if (g.size !== sum.size) {
      throw new ShapeError(
        `${this.where}: gradients of shapes ${formatShape(g.shape)} and ${formatShape(sum.shape)} meet.`,
      );
    }
    const a = sum.data;
    const b = g.data;
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    this.grads[id] = sum;
  }

  /** A twin wrote its gradients into the scratch buffers: they go into the sums (the first twin's replace them). */
  private keepTwinGrads(owner: Layer, adding: boolean): void {
    const sums = this.twinSums.get(owner)!;
    for (const [name, g] of this.scratch.get(owner)!) {
      const a = sums.get(name)!.data;
      const b = g.data;
      if (adding) for (let i = 0; i < a.length; i++) a[i] += b[i];
      else a.set(b);
    }
  }

  /** A layer applied at several nodes: its gradients are the sum over them, its own and its twins'. */
  private addTwinGrads(owner: Layer): void {
    const sums = this.twinSums.get(owner);
    if (!sums) return;
    for (const p of owner.parameters()) {
      const sum = sums.get(p.name);
      if (!sum) continue;
      const a = p.grad.data;
      const b = sum.data;
      for (let j = 0; j < a.length; j++) a[j] += b[j];
    }
  }
}

/** What a model applied as a layer offers the graph it is applied in: its own graph. */
interface Nested {
  readonly nestedGraph: Graph;
}

/** The graph of a node's layer when the layer is a model, else undefined. */
function nestedGraphOf(layer: object): Graph | undefined {
  return 'nestedGraph' in layer ? (layer as Nested).nestedGraph : undefined;
}
