import { inflateSync } from "node:zlib";

/**
 * Reads the files out of a Qt binary resource (`.rcc`), the format GCompris ships its activity images
 * in: a tree of named nodes pointing into a data block whose entries may be zlib-compressed.
 */
export function readRcc(buf: Buffer): Map<string, Buffer> {
  if (buf.toString("latin1", 0, 4) !== "qres") throw new Error("not a Qt resource file");
  const version = buf.readUInt32BE(4);
  const treeAt = buf.readUInt32BE(8);
  const dataAt = buf.readUInt32BE(12);
  const namesAt = buf.readUInt32BE(16);
  const nodeSize = version >= 2 ? 22 : 14;
  const name = (offset: number) => {
    const len = buf.readUInt16BE(namesAt + offset);
    const start = namesAt + offset + 6;
    let s = "";
    for (let i = 0; i < len; i++) s += String.fromCharCode(buf.readUInt16BE(start + 2 * i));
    return s;
  };
  const files = new Map<string, Buffer>();
  const walk = (node: number, path: string) => {
    const at = treeAt + node * nodeSize;
    const flags = buf.readUInt16BE(at + 4);
    const here = node === 0 ? "" : path + name(buf.readUInt32BE(at));
    if (flags & 2) {
      const count = buf.readUInt32BE(at + 6);
      const first = buf.readUInt32BE(at + 10);
      for (let i = 0; i < count; i++) walk(first + i, here + (node === 0 ? "" : "/"));
      return;
    }
    const dataOffset = dataAt + buf.readUInt32BE(at + 10);
    const size = buf.readUInt32BE(dataOffset);
    const raw = buf.subarray(dataOffset + 4, dataOffset + 4 + size);
    if (flags & 4) throw new Error(`${here}: zstd-compressed resources are not supported`);
    files.set(here, flags & 1 ? inflateSync(raw.subarray(4)) : Buffer.from(raw));
  };
  walk(0, "");
  return files;
}
