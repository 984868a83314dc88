import "server-only";
import { randomUUID } from "node:crypto";
import { ZodError } from "zod";
import { AppError, errorBody, isAppError, normalizeError, type ErrorCode } from "@/lib/errors";
import { formatBytes } from "@/lib/image/options";
import { logger } from "@/lib/logger";

export type RouteContext<P> = { req: Request; params: P; requestId: string };

/**
 * Wraps a route handler: every failure becomes the `{ error: { code, message } }` envelope with a
 * stable code; unknown errors are logged with the request id and answered with a generic 500.
 */
export function route<P = Record<string, string>>(
  handler: (ctx: RouteContext<P>) => Promise<Response>,
): (req: Request, context: { params: Promise<P> }) => Promise<Response> {
  return async (req, context) => {
    const requestId = req.headers.get("x-request-id")?.slice(0, 64) || randomUUID();
    try {
      const params = (await context?.params) ?? ({} as P);
      const response = await handler({ req, params, requestId });
      response.headers.set("X-Request-Id", requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId);
    }
  };
}

export function errorResponse(caught: unknown, requestId: string): Response {
  const error = normalizeError(caught);
  const headers: Record<string, string> = { "X-Request-Id": requestId, "Cache-Control": "no-store" };
  if (isAppError(error) && error.code === "unavailable") headers["Retry-After"] = "5";
  const retryAfter = isAppError(error) ? retryAfterSeconds(error.details) : null;
  if (retryAfter !== null) headers["Retry-After"] = String(retryAfter);
  if (isAppError(error)) {
    return Response.json(errorBody(error.code, error.message, error.details), { status: error.status, headers });
  }
  if (error instanceof ZodError) {
    return Response.json(errorBody("validation_failed", "The request is not valid.", error.issues), {
      status: 422,
      headers,
    });
  }
  logger.error("unhandled error", { requestId, error: error instanceof Error ? error.stack : String(error) });
  return Response.json(errorBody("internal_error", "Something went wrong on our side. It has been logged."), {
    status: 500,
    headers,
  });
}

/** A 429's wait (`details.retryAfterSeconds`), for the Retry-After header. */
function retryAfterSeconds(details: unknown): number | null {
  const value = (details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.ceil(value) : null;
}

/** Reads the request body, refusing (before buffering it all) anything larger than `maxBytes`. */
export async function readBodyLimited(
  req: Request,
  maxBytes: number,
  tooLarge: ErrorCode = "body_too_large",
): Promise<Buffer> {
  const refuse = () => new AppError(tooLarge, `The request is larger than the limit of ${formatBytes(maxBytes)}.`);
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw refuse();
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw refuse();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const MAX_JSON_BYTES = 256 * 1024;

/** Parses a JSON body of at most 256 KB. */
export async function readJson(req: Request, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  const body = await readBodyLimited(req, maxBytes);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
}

/** Reads a multipart form (with a size cap) without trusting the client's framing. */
export async function readMultipart(req: Request, maxBytes: number): Promise<FormData> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("file_missing", "Send the photo as multipart/form-data with a `file` field.");
  }
  const body = await readBodyLimited(req, maxBytes, "file_too_large");
  if (body.length === 0)
    throw new AppError("file_missing", "The request has no body; send the photo in a `file` field.");
  try {
    return await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new AppError("file_missing", "The multipart body could not be read.");
  }
}
