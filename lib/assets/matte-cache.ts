import type { Storage } from "./storage/types";

/**
 * Where computed mattes are kept between edits of the same photo (keys from lib/image/mattes.ts):
 * a small in-process LRU in front of the asset storage, so a second web process, a job worker or an
 * S3-backed deployment finds what the first one computed. Bounded twice: the memory layer by bytes,
 * the stored copies by time (each is registered with an expiry that asset retention enforces).
 *
 * The cache is an optimisation only: a failing storage or registry never fails an edit, it just
 * means the matte is computed again.
 */
export type MatteCacheOptions = {
  storage: Storage;
  /** Bytes kept in this process's memory (LRU); 0 turns the memory layer off. */
  maxMemoryBytes?: number;
  /** Records a stored entry (with its expiry) so retention can delete it; called after each put. */
  register?: (entry: { storageKey: string; bytes: number }) => Promise<void>;
  onError?: (error: unknown, context: { op: "get" | "put"; key: string }) => void;
};

const MATTE_STORAGE_PREFIX = "mattes";

const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;

export class MatteCache {
  private readonly memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  private readonly maxMemoryBytes: number;
  /** Reads and writes since start, for benchmarks and the admin view. */
  readonly stats = { hits: 0, misses: 0, puts: 0 };

  constructor(private readonly opts: MatteCacheOptions) {
    this.maxMemoryBytes = opts.maxMemoryBytes ?? DEFAULT_MEMORY_BYTES;
  }

  static storageKey(key: string): string {
    return `${MATTE_STORAGE_PREFIX}/${key.slice(0, key.indexOf("-") + 3)}/${key}.bdm`;
  }

  async get(key: string): Promise<Buffer | null> {
    const mem = this.memory.get(key);
    if (mem) {
      // Refresh its place in the LRU order.
      this.memory.delete(key);
      this.memory.set(key, mem);
      this.stats.hits++;
      return mem;
    }
    try {
      const stored = await this.opts.storage.get(MatteCache.storageKey(key));
      if (stored) {
        this.remember(key, stored);
        this.stats.hits++;
        return stored;
      }
    } catch (error) {
      this.opts.onError?.(error, { op: "get", key });
    }
    this.stats.misses++;
    return null;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    this.remember(key, bytes);
    this.stats.puts++;
    const storageKey = MatteCache.storageKey(key);
    try {
      await this.opts.storage.put({ key: storageKey, bytes, mime: "application/octet-stream" });
      await this.opts.register?.({ storageKey, bytes: bytes.length });
    } catch (error) {
      this.opts.onError?.(error, { op: "put", key });
    }
  }

  /** Bytes held in this process's memory layer. */
  get memoryUsage(): number {
    return this.memoryBytes;
  }

  private remember(key: string, bytes: Buffer): void {
    if (bytes.length > this.maxMemoryBytes) return;
    const old = this.memory.get(key);
    if (old) {
      this.memory.delete(key);
      this.memoryBytes -= old.length;
    }
    this.memory.set(key, bytes);
    this.memoryBytes += bytes.length;
    for (const [k, v] of this.memory) {
      if (this.memoryBytes <= this.maxMemoryBytes) break;
      this.memory.delete(k);
      this.memoryBytes -= v.length;
    }
  }
}
