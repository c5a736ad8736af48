/**
 * The functional API's graph, as `layer.apply` builds it (Keras's KerasTensor and Node): a symbolic
 * tensor stands for the output of one call of a layer and knows its shape and where it came from;
 * a node is one call of a layer on a list of symbolic tensors. A Model walks these back from its
 * outputs to find its layers and the order to run them in (models/functional/graph.ts).
 *   x = Input({ shape: [784] })    → node₀ (InputLayer, no inputs), x = node₀.outputs[0]
 *   h = dense.apply(x)             → node₁ (dense, inputs [x]),     h = node₁.outputs[0]
 *   y = add.apply([h, x])          → node₂ (add, inputs [h, x])
 * A layer applied twice has two nodes and one set of weights.
 */

/** What a node needs of its layer (the Layer class and a nested model's layer are such). */
export interface NodeLayer {
  readonly name: string;
  describe(): string;
}

/**
 * One call of a layer on symbolic tensors: its inputs, in the order given to `apply`, and its outputs.
 * @example
 * const h = dense.apply(x);
 * h.node.layer === dense; // true
 * h.node.inputs[0] === x; // true
 */
export class GraphNode {
  readonly outputs: SymbolicTensor[];

  constructor(
    readonly layer: NodeLayer,
    readonly inputs: readonly SymbolicTensor[],
    outputShapes: readonly number[][],
    /** Whether the layer was given a list (a merge layer's) rather than one tensor. */
    readonly listInput: boolean,
  ) {
    this.outputs = outputShapes.map((s, i) => new SymbolicTensor(s, this, i));
  }
}

/**
 * A tensor of a functional model's graph: its shape and the call that makes it, no values. `Input`
 * makes the first; `layer.apply` makes the next.
 * @example
 * const x = Input({ shape: [28, 28, 1] });
 * x.shape; // [null, 28, 28, 1]
 */
export class SymbolicTensor {
  /** The shape with the batch dimension first, null (any size), as Keras prints it. */
  readonly shape: (number | null)[];

  constructor(
    /** The sample shape (no batch dimension). */
    readonly sampleShape: readonly number[],
    readonly node: GraphNode,
    /** Which of the node's outputs this is. */
    readonly index: number,
  ) {
    this.shape = [null, ...sampleShape];
  }

  /** `dense_1` for a layer's only output, `encoder/1` for a model's second: Keras's KerasTensor name. */
  get name(): string {
    const { layer, outputs } = this.node;
    return outputs.length === 1 ? layer.name : `${layer.name}/${this.index}`;
  }
}
