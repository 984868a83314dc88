/**
 * Rewrites imgly's fp16 ISNet for another square input side, in fp32, offline and without an ONNX
 * library.
 *
 * Size: ISNet's cost grows with the pixel count (1024² takes ~5 CPU-seconds on the 2-core Xeon), so
 * a smaller side is the main win. The graph computes its Resize targets from constants the exporter
 * traced for 1024², so those constants (found as the `sizes` input of every Resize, directly or
 * through a Concat) are scaled with the side, and the graph's input and output shapes with them.
 *
 * Precision: imgly ships a whole-graph fp16 model; onnxruntime's CPU provider has no fp16
 * convolution on most x86 CPUs and inserts casts around it. Widening to fp32 saved ~8 % CPU time
 * at 1024² (measured) and loses nothing: the weights are fp16 values either way.
 *
 * Only the protobuf fields involved are decoded (ModelProto → GraphProto → nodes, initializers,
 * inputs and outputs, Cast's `to` attribute, Constant tensors); every other byte is copied as it is.
 */

import {
  type Field,
  type Part,
  Reader,
  type Rewriter,
  lengthDelimited,
  rewriteMessage,
  stringOf,
  submessage,
  varintBytes,
  varintField,
} from "./protobuf";

const FLOAT = 1;
const FLOAT16 = 10;

function elemType(buf: Uint8Array): (f: Field) => Part[] {
  return (f) => {
    if (f.wire !== 0) return [buf.subarray(f.start, f.end)];
    const value = new Reader(buf, f.valueStart, f.end).varint();
    return [varintField(f.num, value === FLOAT16 ? FLOAT : value)];
  };
}

/** IEEE 754 half → single precision. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * TensorProto: data_type(2) float16 → float; raw_data(9) widened; float16 values packed in
 * int32_data(5) moved to float_data(4).
 */
const tensor: Rewriter = (buf, start, end) => {
  let isHalf = false;
  const reader = new Reader(buf, start, end);
  for (let f = reader.next(); f; f = reader.next()) {
    if (f.num === 2 && f.wire === 0 && new Reader(buf, f.valueStart, f.end).varint() === FLOAT16) isHalf = true;
  }
  if (!isHalf) return [buf.subarray(start, end)];
  return rewriteMessage(buf, start, end, {
    2: () => [varintField(2, FLOAT)],
    9: (f) => {
      const n = (f.end - f.valueStart) / 2;
      const view = new DataView(buf.buffer, buf.byteOffset + f.valueStart, n * 2);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return lengthDelimited(9, [new Uint8Array(out.buffer)]);
    },
    5: (f) => {
      const values: number[] = [];
      const r = new Reader(buf, f.valueStart, f.end);
      if (f.wire === 2) while (r.pos < r.end) values.push(r.varint());
      else values.push(r.varint());
      const out = new Float32Array(values.map((v) => halfToFloat(v & 0xffff)));
      return lengthDelimited(4, [new Uint8Array(out.buffer)]);
    },
  });
};

/** TensorShapeProto of an NCHW graph input or output: the spatial dims (2 and 3) scaled by `ratio`. */
function nchwShape(ratio: number): Rewriter {
  return (buf, start, end) => {
    let index = 0;
    return rewriteMessage(buf, start, end, {
      1: (f) => {
        if (index++ < 2) return [buf.subarray(f.start, f.end)];
        return lengthDelimited(
          1,
          rewriteMessage(buf, f.valueStart, f.end, {
            1: (d) => [varintField(1, Math.round(new Reader(buf, d.valueStart, d.end).varint() * ratio))],
          }),
        );
      },
    });
  };
}

/** ValueInfoProto → type(2) → tensor_type(1) → elem_type(1), shape(2). */
function valueInfo(ratio: number): Rewriter {
  const tensorType: Rewriter = (b, s, e) =>
    rewriteMessage(b, s, e, { 1: elemType(b), 2: submessage(b, nchwShape(ratio)) });
  const typeProto: Rewriter = (b, s, e) => rewriteMessage(b, s, e, { 1: submessage(b, tensorType) });
  return (buf, start, end) => rewriteMessage(buf, start, end, { 2: submessage(buf, typeProto) });
}

/** AttributeProto: Cast's `to`(i = 3), a tensor value t(5), tensors(10). */
function attribute(rescale: ((t: Rewriter) => Rewriter) | undefined): Rewriter {
  return (buf, start, end) => {
    let name = "";
    const reader = new Reader(buf, start, end);
    for (let f = reader.next(); f; f = reader.next()) if (f.num === 1 && f.wire === 2) name = stringOf(buf, f);
    const t = name === "value" && rescale ? rescale(tensor) : tensor;
    const rules: Record<number, (f: Field) => Part[]> = { 5: submessage(buf, t), 10: submessage(buf, tensor) };
    if (name === "to") rules[3] = elemType(buf);
    return rewriteMessage(buf, start, end, rules);
  };
}

type NodeInfo = { op: string; inputs: string[]; outputs: string[] };

function readNode(buf: Uint8Array, start: number, end: number): NodeInfo {
  const info: NodeInfo = { op: "", inputs: [], outputs: [] };
  const reader = new Reader(buf, start, end);
  for (let f = reader.next(); f; f = reader.next()) {
    if (f.wire !== 2) continue;
    if (f.num === 1) info.inputs.push(stringOf(buf, f));
    else if (f.num === 2) info.outputs.push(stringOf(buf, f));
    else if (f.num === 4) info.op = stringOf(buf, f);
  }
  return info;
}

/**
 * Names of the Constant outputs that hold Resize target sizes, directly or through a Concat (the
 * exporter traced `F.interpolate(x, size=y.shape[2:])` into constants for the 1024² input).
 */
function resizeSizeConstants(nodes: NodeInfo[]): Set<string> {
  const producer = new Map<string, NodeInfo>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const found = new Set<string>();
  for (const n of nodes) {
    if (n.op !== "Resize" || !n.inputs[3]) continue;
    const sizes = producer.get(n.inputs[3]);
    const sources = sizes?.op === "Concat" ? sizes.inputs : [n.inputs[3]];
    for (const name of sources) if (producer.get(name)?.op === "Constant") found.add(name);
  }
  return found;
}

/** int64 TensorProto whose spatial entries (all of a 2-vector, the last two of a 4-vector) are scaled. */
function scaledInt64(ratio: number): (inner: Rewriter) => Rewriter {
  const scale = (values: bigint[]): bigint[] =>
    values.map((v, i) => (values.length === 2 || i >= 2 ? BigInt(Math.round(Number(v) * ratio)) : v));
  return () => (buf, start, end) =>
    rewriteMessage(buf, start, end, {
      9: (f) => {
        const view = new DataView(buf.buffer, buf.byteOffset + f.valueStart, f.end - f.valueStart);
        const values = Array.from({ length: view.byteLength / 8 }, (_, i) => view.getBigInt64(i * 8, true));
        const out = new DataView(new ArrayBuffer(view.byteLength));
        scale(values).forEach((v, i) => out.setBigInt64(i * 8, v, true));
        return lengthDelimited(9, [new Uint8Array(out.buffer)]);
      },
      7: (f) => {
        const r = new Reader(buf, f.valueStart, f.end);
        const values: bigint[] = [];
        if (f.wire === 2) while (r.pos < r.end) values.push(BigInt(r.varint()));
        else values.push(BigInt(r.varint()));
        return lengthDelimited(7, [Uint8Array.from(scale(values).flatMap((v) => varintBytes(Number(v))))]);
      },
    });
}

/** GraphProto → its nodes(1), initializers(5), inputs(11), outputs(12); value_info(13) dropped. */
function graph(side: number, originalSide: number): Rewriter {
  return (buf, start, end) => {
    const nodes: NodeInfo[] = [];
    const reader = new Reader(buf, start, end);
    for (let f = reader.next(); f; f = reader.next())
      if (f.num === 1 && f.wire === 2) nodes.push(readNode(buf, f.valueStart, f.end));
    const sizeConstants = side === originalSide ? new Set<string>() : resizeSizeConstants(nodes);
    const rescale = scaledInt64(side / originalSide);
    const node: Rewriter = (b, s, e) => {
      const hit = readNode(b, s, e).outputs.some((o) => sizeConstants.has(o));
      return rewriteMessage(b, s, e, { 5: submessage(b, attribute(hit ? rescale : undefined)) });
    };
    return rewriteMessage(buf, start, end, {
      1: submessage(buf, node),
      5: submessage(buf, tensor),
      11: submessage(buf, valueInfo(side / originalSide)),
      12: submessage(buf, valueInfo(side / originalSide)),
      // Intermediate shapes cached for the original size; onnxruntime infers them again.
      13: () => [],
    });
  };
}

/**
 * ISNet bytes for a square input of `side` px (a multiple of 128, so every pooling level stays
 * exact) with every float16 tensor, type and cast widened to float32.
 */
export function isnetForSide(model: Uint8Array, side: number, originalSide = 1024): Buffer {
  if (side % 128 !== 0 || side < 128) throw new Error(`ISNet side must be a multiple of 128 (got ${side}).`);
  return Buffer.concat(rewriteMessage(model, 0, model.length, { 7: submessage(model, graph(side, originalSide)) }));
}
