import http from "node:http";
import { PEER_HEADER } from "./client-address";

const globalForPeer = globalThis as unknown as { backdropPeerHeaderInstalled?: boolean };

/**
 * Stamps the socket's remote address on every request this process's HTTP servers receive, under
 * PEER_HEADER (a value a client sent under that name is replaced). `next start` keeps a client's own
 * `X-Forwarded-For`, so without this a route handler cannot tell the real peer from a forged header.
 * Installed from instrumentation.ts, before the server handles its first request.
 */
export function installPeerAddressHeader(): void {
  if (globalForPeer.backdropPeerHeaderInstalled) return;
  globalForPeer.backdropPeerHeaderInstalled = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "";
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}
