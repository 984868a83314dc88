/**
 * One value per process, kept on `globalThis` under `Symbol.for("backdrop.<name>")`. Next.js loads a
 * module once per bundle (instrumentation, each route) and again on every dev-mode hot reload; a
 * database client, a worker pool or a rate limiter must still exist once. No imports: any layer may
 * use it, the image engine included.
 */
export type ProcessSingleton<T> = {
  /** The value, created on first use. */
  get(): T;
  /** The value if it was created (or set), without creating it. */
  peek(): T | undefined;
  /** Replaces the value (`undefined` forgets it: the next get() creates a new one). */
  set(value: T | undefined): void;
};

export function processSingleton<T>(name: string, create: () => T): ProcessSingleton<T> {
  const key = Symbol.for(`backdrop.${name}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  return {
    get: () => (store[key] ??= create()),
    peek: () => store[key],
    set: (value) => {
      store[key] = value;
    },
  };
}
