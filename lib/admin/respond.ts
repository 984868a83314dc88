import "server-only";

/** JSON for admin answers: never cached, BigInt as number. */
export function adminJson(data: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  const body = JSON.stringify(data, (_key, value: unknown) => (typeof value === "bigint" ? Number(value) : value));
  return new Response(body, {
    status: init.status ?? 200,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...init.headers },
  });
}
