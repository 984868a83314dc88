import { deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * Bytes for a matte object (the subject matte, the sky matte) and back, whatever its fields: typed
 * arrays go to one deflated binary section, everything else to a JSON header. The codec knows no
 * field names, so the sky and subject modules can change what their mattes carry; a new shape only
 * needs a new matte version in the cache key (mattes.ts).
 *
 * Float planes whose values all lie in [0, 1] (alphas) are stored as 8 bits: a 12 MP alpha is 12 MB
 * before deflate and a few hundred KB after; a 1/255 step is below what a composite shows. Planes
 * with other values (colours with NaN holes, …) stay 32-bit.
 *
 * Layout: "BDM1", u32 header length, header JSON, deflated blobs.
 */

const MAGIC = "BDM1";
/** Below this, a float plane is kept exact (small planes cost nothing; some carry fine statistics). */
const QUANTISE_MIN_LENGTH = 4096;

type BlobRef = { $blob: number; type: "u8" | "i32" | "f32" | "q8"; length: number };

function isBlobRef(v: unknown): v is BlobRef {
  return typeof v === "object" && v !== null && "$blob" in v;
}

function inUnitRange(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    // NaN fails both comparisons and so keeps the plane exact.
    if (!(v >= 0 && v <= 1)) return false;
  }
  return true;
}

export function encodeMatte(value: unknown): Buffer {
  const blobs: Buffer[] = [];
  const add = (buf: Buffer, type: BlobRef["type"], length: number): BlobRef => {
    blobs.push(buf);
    return { $blob: blobs.length - 1, type, length };
  };
  const walk = (v: unknown): unknown => {
    if (v instanceof Float32Array) {
      if (v.length >= QUANTISE_MIN_LENGTH && inUnitRange(v)) {
        const q = new Uint8Array(v.length);
        // In [0, 1]: the typed store truncates, so + 0.5 rounds.
        for (let i = 0; i < v.length; i++) q[i] = v[i]! * 255 + 0.5;
        return add(Buffer.from(q.buffer), "q8", v.length);
      }
      return add(Buffer.from(v.buffer, v.byteOffset, v.byteLength), "f32", v.length);
    }
    if (v instanceof Int32Array) return add(Buffer.from(v.buffer, v.byteOffset, v.byteLength), "i32", v.length);
    if (v instanceof Uint8Array) return add(Buffer.from(v.buffer, v.byteOffset, v.byteLength), "u8", v.length);
    if (ArrayBuffer.isView(v)) throw new Error(`matte codec: unsupported typed array ${v.constructor.name}`);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error("matte codec: non-finite number");
    return v;
  };
  const tree = walk(value);
  const header = Buffer.from(JSON.stringify({ tree, sizes: blobs.map((b) => b.length) }), "utf8");
  // Level 1: alphas are long runs of 0 and 255, which the fastest level already shrinks ~50×.
  const body = deflateRawSync(Buffer.concat(blobs), { level: 1 });
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from(MAGIC), len, header, body]);
}

/** The object encodeMatte was given (alphas to within 1/255). Throws on bytes it did not write. */
export function decodeMatte<T>(bytes: Uint8Array): T {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.toString("latin1", 0, 4) !== MAGIC) throw new Error("matte codec: not a matte");
  const headerLength = buf.readUInt32LE(4);
  const { tree, sizes } = JSON.parse(buf.toString("utf8", 8, 8 + headerLength)) as { tree: unknown; sizes: number[] };
  const body = inflateRawSync(buf.subarray(8 + headerLength));
  const offsets: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offsets.push(total);
    total += s;
  }
  if (total !== body.length) throw new Error("matte codec: truncated");
  const blob = (ref: BlobRef): unknown => {
    const start = offsets[ref.$blob];
    const size = sizes[ref.$blob];
    if (start === undefined || size === undefined) throw new Error("matte codec: bad blob reference");
    // Copies, so every array is aligned and owns its memory.
    const raw = new Uint8Array(body.subarray(start, start + size));
    switch (ref.type) {
      case "u8":
        return raw;
      case "i32":
        return new Int32Array(raw.buffer, 0, ref.length);
      case "f32":
        return new Float32Array(raw.buffer, 0, ref.length);
      case "q8": {
        const out = new Float32Array(ref.length);
        for (let i = 0; i < out.length; i++) out[i] = raw[i]! / 255;
        return out;
      }
    }
  };
  const walk = (v: unknown): unknown => {
    if (isBlobRef(v)) return blob(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(tree) as T;
}
