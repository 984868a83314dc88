// Runs once when the server starts: fail fast on bad configuration, open the database
// (embedded Postgres by default, migrations applied) and start the in-process workers.
export async function register() {
  // NEXT_RUNTIME is Next.js's own marker, not a setting of ours: lib/env.ts cannot load on the edge runtime.
  // eslint-disable-next-line no-restricted-properties
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // First, before any request is served: the real socket address for every per-client limit.
  const { installPeerAddressHeader } = await import("@/lib/net/peer-header");
  installPeerAddressHeader();
  const { startServer } = await import("@/lib/server-start");
  await startServer();
}
