/**
 * A minimal protobuf reader and writer: enough to walk ONNX's ModelProto and rebuild messages from
 * untouched byte ranges plus re-encoded fields (see onnx-rewrite.ts and onnx-quantize.ts).
 */

export type Field = { num: number; wire: number; start: number; end: number; valueStart: number };

export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error("Truncated protobuf varint.");
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) return result;
      scale *= 128;
    }
  }

  /** Next field: its number, wire type, whole byte range and where its value starts. */
  next(): Field | undefined {
    if (this.pos >= this.end) return undefined;
    const start = this.pos;
    const key = this.varint();
    const num = Math.floor(key / 8);
    const wire = key & 7;
    let valueStart = this.pos;
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else if (wire === 2) {
      const len = this.varint();
      valueStart = this.pos;
      this.pos += len;
    } else throw new Error(`Unsupported protobuf wire type ${wire}.`);
    if (this.pos > this.end) throw new Error("Truncated protobuf field.");
    return { num, wire, start, end: this.pos, valueStart };
  }
}

export function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A message rebuilt from parts: untouched byte ranges and re-encoded fields. */
export type Part = Uint8Array;

export function lengthDelimited(num: number, body: Part[]): Part[] {
  const len = body.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varintBytes(num * 8 + 2), ...varintBytes(len)]), ...body];
}

export function varintField(num: number, value: number): Part {
  return Uint8Array.from([...varintBytes(num * 8), ...varintBytes(value)]);
}

export type Rewriter = (buf: Uint8Array, start: number, end: number) => Part[];

/** Copies a message, handing the fields listed in `rules` to their rewriter. */
export function rewriteMessage(
  buf: Uint8Array,
  start: number,
  end: number,
  rules: Record<number, (f: Field) => Part[]>,
): Part[] {
  const parts: Part[] = [];
  const reader = new Reader(buf, start, end);
  for (let f = reader.next(); f; f = reader.next()) {
    const rule = rules[f.num];
    parts.push(...(rule ? rule(f) : [buf.subarray(f.start, f.end)]));
  }
  return parts;
}

export function submessage(buf: Uint8Array, rewrite: Rewriter): (f: Field) => Part[] {
  return (f) =>
    f.wire === 2 ? lengthDelimited(f.num, rewrite(buf, f.valueStart, f.end)) : [buf.subarray(f.start, f.end)];
}

export function stringOf(buf: Uint8Array, f: Field): string {
  return new TextDecoder().decode(buf.subarray(f.valueStart, f.end));
}
