/**
 * Static int8 quantisation of the fp32 ISNet (from onnx-rewrite.ts) in QDQ form, offline and
 * without an ONNX library.
 *
 * onnxruntime's CPU provider fuses `DequantizeLinear → Conv → QuantizeLinear` into QLinearConv (u8
 * activations × s8 weights, MLAS's VNNI kernels on AVX-512 VNNI CPUs), drops a Relu followed by a
 * QuantizeLinear whose zero point is 0, runs MaxPool on uint8 when the Q/DQ around it share one
 * scale, and turns Concat and Add into QLinearConcat/QLinearAdd (checked on the optimised graph:
 * see onnx-quantize.test.ts; the decoder's Resizes stay float between their DQ and Q). So:
 *
 * - every activation feeding a Conv (Relu, Concat and Add outputs, the graph input) gets a Q→DQ pair
 *   with a fixed range measured once on photos (scripts/calibrate-isnet.ts → isnet-int8-ranges.json);
 *   MaxPool and Resize outputs reuse their input's scale;
 * - Conv weights become int8, symmetric per output channel, biases int32 at scale sx·sw[c];
 * - the last decoder stage's output, the side-output convolution and everything after it (logits,
 *   Resize, Sigmoid) stay fp32: the mask's soft edge lives there.
 */
import { type Field, type Part, Reader, lengthDelimited, rewriteMessage, stringOf, varintField } from "./protobuf";

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;

/** A node's op, inputs, outputs and integer attributes (Cast's `to`, …). */
type OnnxNode = { op: string; inputs: string[]; outputs: string[]; ints: Record<string, number> };
type FloatInitializer = { dims: number[]; data: Float32Array };
export type OnnxGraph = {
  nodes: OnnxNode[];
  inputs: string[];
  outputs: string[];
  floats: Map<string, FloatInitializer>;
};

/** Activation range [lo, hi] keyed by tensor name. */
export type ActivationRanges = Record<string, readonly [number, number]>;

function graphField(model: Uint8Array): Field {
  const reader = new Reader(model, 0, model.length);
  for (let f = reader.next(); f; f = reader.next()) if (f.num === 7 && f.wire === 2) return f;
  throw new Error("ONNX model has no graph.");
}

function readNode(buf: Uint8Array, start: number, end: number): OnnxNode {
  const node: OnnxNode = { op: "", inputs: [], outputs: [], ints: {} };
  const reader = new Reader(buf, start, end);
  for (let f = reader.next(); f; f = reader.next()) {
    if (f.wire !== 2) continue;
    if (f.num === 1) node.inputs.push(stringOf(buf, f));
    else if (f.num === 2) node.outputs.push(stringOf(buf, f));
    else if (f.num === 4) node.op = stringOf(buf, f);
    else if (f.num === 5) {
      // AttributeProto: name(1), i(3).
      let name = "";
      let value: number | undefined;
      const attr = new Reader(buf, f.valueStart, f.end);
      for (let a = attr.next(); a; a = attr.next()) {
        if (a.num === 1 && a.wire === 2) name = stringOf(buf, a);
        else if (a.num === 3 && a.wire === 0) value = new Reader(buf, a.valueStart, a.end).varint();
      }
      if (value !== undefined) node.ints[name] = value;
    }
  }
  return node;
}

function packedOrSingle(buf: Uint8Array, f: Field): number[] {
  const r = new Reader(buf, f.valueStart, f.end);
  if (f.wire !== 2) return [r.varint()];
  const values: number[] = [];
  while (r.pos < r.end) values.push(r.varint());
  return values;
}

/** A float TensorProto's name, dims and values (raw_data or float_data); undefined for other types. */
function readFloatTensor(
  buf: Uint8Array,
  start: number,
  end: number,
): { name: string; tensor: FloatInitializer } | undefined {
  let name = "";
  let type = 0;
  const dims: number[] = [];
  let values: Field | undefined;
  const reader = new Reader(buf, start, end);
  for (let f = reader.next(); f; f = reader.next()) {
    if (f.num === 1) dims.push(...packedOrSingle(buf, f));
    else if (f.num === 2) type = new Reader(buf, f.valueStart, f.end).varint();
    else if (f.num === 8) name = stringOf(buf, f);
    else if ((f.num === 9 || f.num === 4) && f.wire === 2) values = f;
  }
  if (type !== FLOAT || !values) return undefined;
  // A copy: aligned for Float32Array, and independent of a Buffer's shared pool.
  const data = new Float32Array(new Uint8Array(buf.subarray(values.valueStart, values.end)).buffer);
  return { name, tensor: { dims, data } };
}

/** The `name` of a TensorProto (8) or ValueInfoProto (1). */
function nameField(buf: Uint8Array, start: number, end: number, num: number): string {
  const reader = new Reader(buf, start, end);
  for (let f = reader.next(); f; f = reader.next()) if (f.num === num && f.wire === 2) return stringOf(buf, f);
  return "";
}

/** The graph's nodes (in file order), input names and float initializers. */
export function readGraph(model: Uint8Array): OnnxGraph {
  const g = graphField(model);
  const graph: OnnxGraph = { nodes: [], inputs: [], outputs: [], floats: new Map() };
  const reader = new Reader(model, g.valueStart, g.end);
  for (let f = reader.next(); f; f = reader.next()) {
    if (f.wire !== 2) continue;
    if (f.num === 1) graph.nodes.push(readNode(model, f.valueStart, f.end));
    else if (f.num === 11) graph.inputs.push(nameField(model, f.valueStart, f.end, 1));
    else if (f.num === 12) graph.outputs.push(nameField(model, f.valueStart, f.end, 1));
    else if (f.num === 5) {
      const t = readFloatTensor(model, f.valueStart, f.end);
      if (t) graph.floats.set(t.name, t.tensor);
    }
  }
  return graph;
}

// ------------------------------------------------------------------ encoding

const text = new TextEncoder();

function stringField(num: number, value: string): Part[] {
  return lengthDelimited(num, [text.encode(value)]);
}

function encodeNode(args: { op: string; name: string; inputs: string[]; outputs: string[]; axis?: number }): Part[] {
  const body: Part[] = [
    ...args.inputs.flatMap((n) => stringField(1, n)),
    ...args.outputs.flatMap((n) => stringField(2, n)),
    ...stringField(3, args.name),
    ...stringField(4, args.op),
  ];
  // AttributeProto: name(1), i(3), type(20) = INT.
  if (args.axis !== undefined)
    body.push(...lengthDelimited(5, [...stringField(1, "axis"), varintField(3, args.axis), varintField(20, 2)]));
  return lengthDelimited(1, body);
}

function encodeTensor(args: { name: string; dims: number[]; type: number; raw: Uint8Array }): Part[] {
  return lengthDelimited(5, [
    ...args.dims.map((d) => varintField(1, d)),
    varintField(2, args.type),
    ...stringField(8, args.name),
    ...lengthDelimited(9, [args.raw]),
  ]);
}

const bytesOf = (a: Float32Array | Int8Array | Uint8Array | Int32Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** ValueInfoProto for a float tensor of unknown shape: enough for onnxruntime to return it. */
function floatOutput(name: string): Part[] {
  return lengthDelimited(12, [
    ...stringField(1, name),
    ...lengthDelimited(2, lengthDelimited(1, [varintField(1, FLOAT)])),
  ]);
}

/** The model with `names` (intermediate float tensors) added as graph outputs, for calibration. */
export function withGraphOutputs(model: Uint8Array, names: string[]): Buffer {
  const g = graphField(model);
  const graph = [model.subarray(g.valueStart, g.end), ...names.flatMap(floatOutput)];
  return Buffer.concat([model.subarray(0, g.start), ...lengthDelimited(7, graph), model.subarray(g.end)]);
}

/**
 * The model reduced to what `keep` (graph outputs) needs: imgly's export also returns the five
 * deep-supervision side masks and six stage features, which onnxruntime would otherwise compute.
 */
export function pruneToOutputs(model: Uint8Array, keep: string[]): Buffer {
  const graph = readGraph(model);
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, index) => n.outputs.forEach((o) => producer.set(o, index)));
  const live = new Set<number>();
  const needed = new Set<string>();
  const stack = [...keep];
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    if (needed.has(t)) continue;
    needed.add(t);
    const index = producer.get(t);
    if (index === undefined || live.has(index)) continue;
    live.add(index);
    stack.push(...graph.nodes[index]!.inputs.filter(Boolean));
  }
  let nodeIndex = 0;
  const g = graphField(model);
  const body = rewriteMessage(model, g.valueStart, g.end, {
    1: (f) => (live.has(nodeIndex++) ? [model.subarray(f.start, f.end)] : []),
    5: (f) => (needed.has(nameField(model, f.valueStart, f.end, 8)) ? [model.subarray(f.start, f.end)] : []),
    12: (f) => (keep.includes(nameField(model, f.valueStart, f.end, 1)) ? [model.subarray(f.start, f.end)] : []),
  });
  return Buffer.concat([model.subarray(0, g.start), ...lengthDelimited(7, body), model.subarray(g.end)]);
}

// ------------------------------------------------------------------ the plan

/** ISNet's input tensor: (x−128)/256 for x in 0…255. */
const graphInput = "input";

/** Ops that pass a quantised tensor through unchanged in range: their output reuses the input's scale. */
const RANGE_PRESERVING = new Set(["MaxPool", "Resize"]);
/** Ops whose output gets its own calibrated range. */
const CALIBRATED = new Set(["Relu", "Concat", "Add"]);
/** Ops producing float activations (so a Cast to float after them is a no-op). */
const FLOAT_OPS = new Set(["Conv", "Relu", "MaxPool", "Resize", "Add", "Sigmoid"]);

type QuantPlan = {
  /** Tensor → the tensor whose range it uses: itself when calibrated, its input after MaxPool/Resize. */
  activations: Map<string, string>;
  /** Indices of the Conv nodes that become QLinearConv (input and output both quantised). */
  convs: Set<number>;
  /** Indices of Cast nodes that are no-ops since the fp16 → fp32 rewrite, and their output → input. */
  droppedCasts: Set<number>;
  alias: Map<string, string>;
};

/**
 * Which tensors get a Q→DQ pair and which convolutions become int8. A tensor is quantised when it is
 * an activation that only int8-capable ops consume (Shape only reads its dims); a Conv when its input
 * is quantised and its output is too, directly or through a Relu. Conv outputs are quantised only
 * when they feed other convolutions: the side outputs' logits stay fp32.
 */
function planQuantisation(graph: OnnxGraph, opts: { floatPrefixes?: readonly string[] } = {}): QuantPlan {
  const keepFloat = (t: string) => (opts.floatPrefixes ?? []).some((p) => t.startsWith(p));
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  // The imgly export wrapped Resize in fp16 → fp32 casts; after widening they are identities.
  const alias = new Map<string, string>();
  const droppedCasts = new Set<number>();
  const resolve = (t: string): string => alias.get(t) ?? t;
  graph.nodes.forEach((n, index) => {
    const [input, output] = [n.inputs[0], n.outputs[0]];
    if (n.op !== "Cast" || n.ints.to !== FLOAT || !input || !output || graph.outputs.includes(output)) return;
    const source = resolve(input);
    if (source !== graphInput && !FLOAT_OPS.has(producer.get(source)?.op ?? "")) return;
    alias.set(output, source);
    droppedCasts.add(index);
  });

  const consumers = new Map<string, { node: OnnxNode; slot: number }[]>();
  graph.nodes.forEach((node, index) => {
    if (droppedCasts.has(index)) return;
    node.inputs.forEach((i, slot) => {
      const t = resolve(i);
      consumers.set(t, [...(consumers.get(t) ?? []), { node, slot }]);
    });
  });
  const int8Reader = ({ node, slot }: { node: OnnxNode; slot: number }) =>
    node.op === "Shape" ||
    node.op === "Concat" ||
    node.op === "Add" ||
    (slot === 0 && (node.op === "Conv" || RANGE_PRESERVING.has(node.op)));
  const canQuantise = (t: string, op?: string) => {
    const cs = consumers.get(t) ?? [];
    const real = cs.filter((c) => c.node.op !== "Shape");
    if (real.length === 0 || !cs.every(int8Reader) || graph.outputs.includes(t) || keepFloat(t)) return false;
    return op !== "Conv" || real.every((c) => c.node.op === "Conv");
  };

  const activations = new Map<string, string>();
  if (graph.inputs.includes(graphInput) && canQuantise(graphInput)) activations.set(graphInput, graphInput);
  // File order is topological for this exporter: a tensor's producer comes before its consumers.
  graph.nodes.forEach((n, index) => {
    const out = n.outputs[0];
    if (!out || droppedCasts.has(index) || !canQuantise(out, n.op)) return;
    const input = resolve(n.inputs[0] ?? "");
    if (CALIBRATED.has(n.op) || n.op === "Conv") activations.set(out, out);
    else if (RANGE_PRESERVING.has(n.op) && activations.has(input)) activations.set(out, activations.get(input)!);
  });

  const convs = new Set<number>();
  graph.nodes.forEach((n, index) => {
    const out = n.outputs[0] ?? "";
    if (n.op !== "Conv" || !activations.has(resolve(n.inputs[0] ?? "")) || !graph.floats.has(n.inputs[1] ?? "")) return;
    const next = consumers.get(out) ?? [];
    const viaRelu = next.length === 1 && next[0]!.node.op === "Relu" && activations.has(next[0]!.node.outputs[0] ?? "");
    if (activations.has(out) || viaRelu) convs.add(index);
  });
  // A tensor read only by fp32 convolutions (the last decoder stage's output, feeding the mask's
  // logits) keeps its full precision: its Add is cheap, and 8 bits there show as grain in the mask.
  const indexOf = new Map(graph.nodes.map((n, index) => [n, index]));
  for (const t of [...activations.keys()]) {
    const real = (consumers.get(t) ?? []).filter((c) => c.node.op !== "Shape");
    if (real.every((c) => c.node.op === "Conv" && !convs.has(indexOf.get(c.node)!))) activations.delete(t);
  }
  return { activations, convs, droppedCasts, alias };
}

/** Float tensors whose ranges the quantised model needs (the calibrated ones, not the graph input). */
export function tensorsToCalibrate(graph: OnnxGraph): string[] {
  const { activations } = planQuantisation(graph);
  return [...activations].filter(([t, from]) => t === from && t !== graphInput).map(([t]) => t);
}

// ------------------------------------------------------------------ the arithmetic

export type ActivationQuant = { scale: number; zeroPoint: number };

/** Asymmetric uint8 parameters covering [lo, hi] (widened to include 0, so 0 is exact). */
export function activationQuant(range: readonly [number, number]): ActivationQuant {
  const lo = Math.min(0, range[0]);
  const hi = Math.max(0, range[1]);
  if (hi - lo < 1e-12) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/**
 * Symmetric per-output-channel int8 weights: sw[c] = max|W[c]| / 127, q = round(W / sw[c]).
 * Channels are the first axis (Conv's OIHW layout).
 */
export function quantiseWeights(weights: Float32Array, channels: number): { values: Int8Array; scales: Float32Array } {
  const per = weights.length / channels;
  if (!Number.isInteger(per))
    throw new Error(`Weights of ${weights.length} values do not split into ${channels} channels.`);
  const values = new Int8Array(weights.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = c * per; i < (c + 1) * per; i++) max = Math.max(max, Math.abs(weights[i]!));
    const scale = max > 0 ? max / 127 : 1;
    scales[c] = scale;
    for (let i = c * per; i < (c + 1) * per; i++)
      values[i] = Math.max(-127, Math.min(127, Math.round(weights[i]! / scale)));
  }
  return { values, scales };
}

/** int32 bias at the accumulator's scale sx·sw[c] (the form QLinearConv adds before requantising). */
export function quantiseBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { values: Int32Array; scales: Float32Array } {
  const scales = new Float32Array(bias.length);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    scales[c] = inputScale * weightScales[c]!;
    values[c] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(bias[c]! / scales[c]!)));
  }
  return { values, scales };
}

// ------------------------------------------------------------------ the rewrite

/** The graph input's contract, exactly representable as uint8. */
const INPUT_QUANT: ActivationQuant = { scale: 1 / 256, zeroPoint: 128 };

/**
 * The fp32 ISNet rewritten to QDQ int8 with the given activation ranges. Throws when a range the
 * plan needs is missing (ranges from another model or an edited graph).
 */
export function quantiseIsnet(args: {
  model: Uint8Array;
  ranges: ActivationRanges;
  floatPrefixes?: readonly string[];
}): Buffer {
  const { model, ranges } = args;
  const graph = readGraph(model);
  const plan = planQuantisation(graph, { floatPrefixes: args.floatPrefixes });

  const quant = new Map<string, ActivationQuant>();
  for (const [t, from] of plan.activations) {
    if (from === graphInput) {
      quant.set(t, INPUT_QUANT);
      continue;
    }
    const range = ranges[from];
    if (!range) throw new Error(`No calibrated range for ISNet tensor ${from}.`);
    quant.set(t, activationQuant(range));
  }

  const initializers: Part[] = [];
  const head: Part[] = [];
  const dropped = new Set<string>();
  const renamed = new Map<number, Map<number, string>>();

  const scalar = (name: string, q: ActivationQuant) => {
    initializers.push(
      ...encodeTensor({ name: `${name}_scale`, dims: [], type: FLOAT, raw: bytesOf(Float32Array.of(q.scale)) }),
    );
    initializers.push(...encodeTensor({ name: `${name}_zp`, dims: [], type: UINT8, raw: Uint8Array.of(q.zeroPoint) }));
  };
  // One scale/zero-point pair per source tensor, shared by the tensors that inherit it (MaxPool,
  // Resize): onnxruntime drops the Q/DQ around those ops only when both sides match.
  for (const [t, from] of plan.activations) if (t === from) scalar(t, quant.get(t)!);

  for (const index of plan.convs) {
    const node = graph.nodes[index]!;
    const [rawX, w, b] = node.inputs as [string, string, string | undefined];
    const x = plan.alias.get(rawX) ?? rawX;
    const weights = graph.floats.get(w)!;
    const channels = weights.dims[0]!;
    const qw = quantiseWeights(weights.data, channels);
    dropped.add(w);
    initializers.push(
      ...encodeTensor({ name: `${w}_q`, dims: weights.dims, type: INT8, raw: bytesOf(qw.values) }),
      ...encodeTensor({ name: `${w}_q_scale`, dims: [channels], type: FLOAT, raw: bytesOf(qw.scales) }),
      ...encodeTensor({ name: `${w}_q_zp`, dims: [channels], type: INT8, raw: new Uint8Array(channels) }),
    );
    head.push(
      ...encodeNode({
        op: "DequantizeLinear",
        name: `${w}_dq`,
        inputs: [`${w}_q`, `${w}_q_scale`, `${w}_q_zp`],
        outputs: [`${w}_dq`],
        axis: 0,
      }),
    );
    const inputs = new Map<number, string>([[1, `${w}_dq`]]);
    const bias = b ? graph.floats.get(b) : undefined;
    if (b && bias) {
      const qb = quantiseBias(bias.data, quant.get(x)!.scale, qw.scales);
      dropped.add(b);
      initializers.push(
        ...encodeTensor({ name: `${b}_q`, dims: [channels], type: INT32, raw: bytesOf(qb.values) }),
        ...encodeTensor({ name: `${b}_q_scale`, dims: [channels], type: FLOAT, raw: bytesOf(qb.scales) }),
        ...encodeTensor({ name: `${b}_q_zp`, dims: [channels], type: INT32, raw: new Uint8Array(4 * channels) }),
      );
      head.push(
        ...encodeNode({
          op: "DequantizeLinear",
          name: `${b}_dq`,
          inputs: [`${b}_q`, `${b}_q_scale`, `${b}_q_zp`],
          outputs: [`${b}_dq`],
          axis: 0,
        }),
      );
      inputs.set(2, `${b}_dq`);
    }
    renamed.set(index, inputs);
  }

  const qdq = (t: string): Part[] => {
    const from = plan.activations.get(t)!;
    const params = [`${from}_scale`, `${from}_zp`];
    return [
      ...encodeNode({ op: "QuantizeLinear", name: `${t}_q`, inputs: [t, ...params], outputs: [`${t}_q`] }),
      ...encodeNode({ op: "DequantizeLinear", name: `${t}_dq`, inputs: [`${t}_q`, ...params], outputs: [`${t}_dq`] }),
    ];
  };
  if (plan.activations.has(graphInput)) head.push(...qdq(graphInput));

  let nodeIndex = 0;
  let isFirstNode = true;
  const g = graphField(model);
  const rewritten = rewriteMessage(model, g.valueStart, g.end, {
    1: (f) => {
      const index = nodeIndex++;
      const parts = isFirstNode ? [...head] : [];
      isFirstNode = false;
      if (plan.droppedCasts.has(index)) return parts;
      const node = graph.nodes[index]!;
      const own = renamed.get(index);
      let inputIndex = 0;
      const body = rewriteMessage(model, f.valueStart, f.end, {
        1: () => {
          const k = inputIndex++;
          const t = plan.alias.get(node.inputs[k]!) ?? node.inputs[k]!;
          return stringField(1, own?.get(k) ?? (t && plan.activations.has(t) ? `${t}_dq` : t));
        },
      });
      const out = node.outputs[0];
      return [...parts, ...lengthDelimited(1, body), ...(out && plan.activations.has(out) ? qdq(out) : [])];
    },
    5: (f) => {
      return dropped.has(nameField(model, f.valueStart, f.end, 8)) ? [] : [model.subarray(f.start, f.end)];
    },
  });
  return Buffer.concat([
    model.subarray(0, g.start),
    ...lengthDelimited(7, [...rewritten, ...initializers]),
    model.subarray(g.end),
  ]);
}
