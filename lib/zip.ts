import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * A small streaming ZIP writer (and a reader for tests). Entries are written one at a time, each
 * fully in memory only while it is written; images go in "stored" (they are compressed already),
 * text is deflated. Sizes and CRC are known before each local header, so no data descriptors.
 * No ZIP64: archives stay below 4 GB (100 photos × ≤ 10 MB…).
 */
export type ZipEntry = { name: string; data: Buffer; compress?: boolean; modified?: Date };

const UTF8_FLAG = 0x0800;

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

type Written = {
  name: Buffer;
  crc: number;
  method: number;
  compressedSize: number;
  size: number;
  offset: number;
  time: number;
  date: number;
};

/** Yields the archive's bytes chunk by chunk as `entries` yields files. */
export async function* zipChunks(entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>): AsyncGenerator<Buffer> {
  const written: Written[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for await (const entry of entries) {
    let name = entry.name
      .replace(/\\/g, "/")
      .replace(/^\/+/, "")
      .replace(/\.\.\//g, "");
    for (let n = 2; seen.has(name); n++) name = entry.name.replace(/(\.[^.]*)?$/, `-${n}$1`);
    seen.add(name);
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(entry.data) >>> 0;
    const deflated = entry.compress ? deflateRawSync(entry.data) : null;
    const useDeflate = deflated !== null && deflated.length < entry.data.length;
    const body = useDeflate ? deflated : entry.data;
    const { time, date } = dosDateTime(entry.modified ?? new Date());
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(UTF8_FLAG, 6);
    header.writeUInt16LE(useDeflate ? 8 : 0, 8);
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(entry.data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(0, 28);
    written.push({
      name: nameBytes,
      crc,
      method: useDeflate ? 8 : 0,
      compressedSize: body.length,
      size: entry.data.length,
      offset,
      time,
      date,
    });
    yield Buffer.concat([header, nameBytes]);
    yield body;
    offset += 30 + nameBytes.length + body.length;
  }
  const central: Buffer[] = [];
  let centralSize = 0;
  for (const file of written) {
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(UTF8_FLAG, 8);
    record.writeUInt16LE(file.method, 10);
    record.writeUInt16LE(file.time, 12);
    record.writeUInt16LE(file.date, 14);
    record.writeUInt32LE(file.crc, 16);
    record.writeUInt32LE(file.compressedSize, 20);
    record.writeUInt32LE(file.size, 24);
    record.writeUInt16LE(file.name.length, 28);
    record.writeUInt32LE(0, 38);
    record.writeUInt32LE(file.offset, 42);
    central.push(record, file.name);
    centralSize += 46 + file.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  yield Buffer.concat([...central, end]);
}

/** The archive as a web ReadableStream (for a Response body). */
export function zipStream(entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>): ReadableStream<Uint8Array> {
  const iterator = zipChunks(entries);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
}

/** Reads an archive written by zipChunks (or any plain ZIP without ZIP64); checks every CRC. */
export function readZip(archive: Buffer): Array<{ name: string; data: Buffer }> {
  const endAt = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error("not a zip archive");
  const count = archive.readUInt16LE(endAt + 10);
  let at = archive.readUInt32LE(endAt + 16);
  const out: Array<{ name: string; data: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory");
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedSize = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const localAt = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const localNameLength = archive.readUInt16LE(localAt + 26);
    const localExtraLength = archive.readUInt16LE(localAt + 28);
    const start = localAt + 30 + localNameLength + localExtraLength;
    const raw = archive.subarray(start, start + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (crc32(data) >>> 0 !== crc) throw new Error(`CRC mismatch in ${name}`);
    out.push({ name, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}
