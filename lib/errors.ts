/**
 * Stable error codes and their HTTP statuses. The wire shape is always
 * `{ "error": { "code", "message", "details"? } }` (see lib/http.ts).
 */
export const ERROR_STATUS = {
  // input
  validation_failed: 422,
  invalid_json: 400,
  body_too_large: 413,
  file_missing: 400,
  file_empty: 400,
  file_too_large: 413,
  unsupported_media_type: 415,
  image_corrupt: 422,
  image_too_large: 422,
  decompression_bomb: 422,
  url_not_allowed: 422,
  url_fetch_failed: 422,
  // resources
  not_found: 404,
  asset_not_found: 404,
  asset_gone: 410,
  asset_forbidden: 403,
  link_expired: 403,
  link_invalid: 403,
  service_not_found: 404,
  service_disabled: 503,
  job_not_found: 404,
  payment_not_found: 404,
  // payments
  payment_required: 402,
  token_invalid: 402,
  token_expired: 402,
  token_wrong_service: 409,
  token_in_use: 409,
  token_already_used: 409,
  payment_not_paid: 402,
  payment_not_refundable: 409,
  webhook_signature_invalid: 400,
  // engine and providers
  no_sky_detected: 422,
  sky_uncertain: 422,
  no_subject_detected: 422,
  prompt_not_supported: 422,
  preset_not_found: 422,
  engine_failed: 500,
  job_canceled: 409,
  job_timeout: 504,
  provider_auth_failed: 502,
  provider_rejected_input: 422,
  provider_unavailable: 503,
  // access
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  password_too_weak: 422,
  rate_limited: 429,
  conflict: 409,
  internal_error: 500,
  unavailable: 503,
  // vendor providers
  provider_timeout: 504,
  provider_failed: 502,
  webhook_invalid: 401,
  // native x402
  x402_malformed: 402,
  x402_invalid_signature: 402,
  x402_amount_mismatch: 402,
  x402_wrong_recipient: 402,
  x402_expired: 402,
  x402_wrong_network: 402,
  x402_wrong_asset: 402,
  x402_replayed: 409,
  x402_settlement_failed: 402,
  x402_insufficient_funds: 402,
  x402_rejected: 402,
  x402_not_configured: 503,
  // accounts and prepaid credits
  insufficient_credits: 402,
  api_key_cap_reached: 402,
  api_key_invalid: 401,
  api_key_revoked: 401,
  sign_in_link_invalid: 400,
  sign_in_link_expired: 410,
  sign_in_link_used: 409,
  account_not_found: 404,
  topup_not_found: 404,
  pack_not_found: 404,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Whether the same work may succeed if tried again (timeouts, 5xx, lost leases). */
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * True for an AppError, also one made by another copy of this module (the engine's worker threads
 * load the TypeScript sources themselves, so `instanceof` alone is not enough across that boundary).
 */
export function isAppError(error: unknown): error is AppError {
  if (error instanceof AppError) return true;
  if (!(error instanceof Error) || error.name !== "AppError") return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && Object.hasOwn(ERROR_STATUS, code);
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const DB_UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

/** True for "the database is not reachable right now" (connection refused, shutting down, pool timeout). */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (
      typeof code === "string" &&
      (DB_UNAVAILABLE_PRISMA_CODES.has(code) || /^(08|57P0)/.test(code) || code === "ECONNREFUSED")
    ) {
      return true;
    }
    if (name === "PrismaClientInitializationError") return true;
    if (
      typeof message === "string" &&
      /Connection terminated|ECONNREFUSED|the database system is (starting up|shutting down)/.test(message)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Turns known infrastructure failures into AppErrors (a database outage is a 503, not a 500). */
export function normalizeError(error: unknown): unknown {
  if (isAppError(error)) return error;
  if (isDatabaseUnavailable(error)) {
    return new AppError("unavailable", "The service is briefly unavailable; try again in a few seconds.", {
      cause: error,
      retryable: true,
    });
  }
  return error;
}
