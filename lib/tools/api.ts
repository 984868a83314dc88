import "server-only";
import { ZodError } from "zod";
import { getServiceOrThrow, type CatalogService } from "@/lib/catalog/catalog";
import { SERVICES, isServiceId, type ServiceId } from "@/lib/catalog/services";
import { getEnv } from "@/lib/env";
import { AppError, ERROR_STATUS, type ErrorCode, normalizeError, isAppError } from "@/lib/errors";
import { enqueuePaidJob, waitForJob } from "@/lib/jobs/queue";
import { toPublicJob, type PublicJob } from "@/lib/jobs/public";
import { assertAssetsUsable, referencedAssetIds } from "@/lib/assets/ownership";
import { callerFrom } from "@/lib/billing/caller";
import { logger } from "@/lib/logger";
import { formatPrice } from "@/lib/utils";
import type { CreditPayer } from "@/lib/billing/credits";
import { TOOL_INPUT_SCHEMAS } from "@/lib/edits/schemas";
import { x402JobDeadlineMs, type VerifiedX402Payment } from "@/lib/billing/x402";
import { attachX402Required, finishX402Job, hasX402Payment, verifyX402ForCall, type X402CallPayment } from "./x402";

/** Old endpoint names that keep working. */
export const SERVICE_ALIASES: Record<string, ServiceId> = { "aliyun-imageseg-change-sky": "sky-replacement" };

export const PAYMENT_HEADER = "X-Payment-Token";
export const MCP_PAYMENT_ARGUMENT = "paymentToken";

export function resolveServiceId(id: string): ServiceId {
  const resolved = SERVICE_ALIASES[id] ?? id;
  if (!isServiceId(resolved))
    throw new AppError("service_not_found", `No service "${id}". Known services: ${Object.keys(SERVICES).join(", ")}.`);
  return resolved;
}

/** What a program needs to pay for one call: the same object over HTTP (402 body) and MCP (tool error). */
function paymentInstructions(service: CatalogService, origin: string) {
  const sandbox = getEnv().PAYMENTS_MODE === "sandbox";
  return {
    type: "http-402",
    serviceId: service.id,
    tool: service.tool,
    price: {
      amountMinor: service.priceMinor,
      currency: service.currency,
      display: formatPrice(service.priceMinor, service.currency),
    },
    amountCents: service.priceMinor,
    currency: service.currency,
    billingMode: "per_call",
    maxCalls: 1,
    sandbox,
    mode: getEnv().PAYMENTS_MODE,
    createPayment: { method: "POST", url: `${origin}/api/payments`, body: { serviceId: service.id } },
    verifyPayment: `${origin}/api/payments/{paymentId}`,
    paymentHeader: PAYMENT_HEADER,
    mcpArgument: MCP_PAYMENT_ARGUMENT,
    /** The other way to pay: an account's prepaid credits, spent with an API key (no payment per call). */
    credits: {
      header: "Authorization: Bearer <api key>",
      creditsPerCall: 1,
      signUp: `${origin}/sign-in`,
      account: `${origin}/account`,
      packs: `${origin}/api/credits/packs`,
      description:
        "Sign in, buy a credit pack and create an API key on the account page; then send the key as `Authorization: Bearer bdk_…` on /api/tools/*, /api/batches and /api/mcp. One credit pays for one edit.",
    },
    steps: [
      `POST ${origin}/api/payments with {"serviceId":"${service.id}"}`,
      sandbox
        ? "The answer carries `token` at once (sandbox: no money moves)."
        : "Open `checkoutUrl`, pay, and take the token from the success page (or GET /api/payments/{paymentId}?session_id=…).",
      `Repeat this call with the header ${PAYMENT_HEADER}: <token> (MCP: the ${MCP_PAYMENT_ARGUMENT} argument).`,
    ],
  };
}

type ToolEnvelope = {
  code: string;
  content: string;
  data: Record<string, unknown> | null;
  message: string;
  requestId: string;
  error?: { code: string; message: string; details?: unknown };
  payment?: ReturnType<typeof paymentInstructions>;
  job?: PublicJob;
  // x402 v2 requirements on a 402 (same as the PAYMENT-REQUIRED header)
  x402Version?: number;
  resource?: unknown;
  accepts?: unknown[];
};

/** `headers`: extra HTTP response headers (x402 PAYMENT-REQUIRED / PAYMENT-RESPONSE); `meta`: MCP result `_meta`. */
export type ToolOutcome = {
  status: number;
  body: ToolEnvelope;
  headers?: Record<string, string>;
  meta?: Record<string, unknown>;
};

function errorOutcome(params: {
  code: ErrorCode | string;
  message: string;
  details?: unknown;
  requestId: string;
  data?: Record<string, unknown> | null;
  status?: number;
}): ToolOutcome {
  const status = params.status ?? ERROR_STATUS[params.code as ErrorCode] ?? 500;
  return {
    status,
    body: {
      code: String(status),
      content: "",
      data: params.data ?? null,
      message: `${params.code}: ${params.message}`,
      requestId: params.requestId,
      error:
        params.details === undefined
          ? { code: params.code, message: params.message }
          : { code: params.code, message: params.message, details: params.details },
    },
  };
}

/** Any thrown error as the tool envelope (same codes as the `{ error }` envelope elsewhere). */
export function toolErrorOutcome(
  caught: unknown,
  requestId: string,
  data?: Record<string, unknown> | null,
): ToolOutcome {
  const error = normalizeError(caught);
  if (isAppError(error))
    return errorOutcome({ code: error.code, message: error.message, details: error.details, requestId, data });
  if (error instanceof ZodError) {
    return errorOutcome({
      code: "validation_failed",
      message: "The input does not match the tool's schema.",
      details: error.issues,
      requestId,
      data,
    });
  }
  logger.error("tool call failed", { requestId, error: error instanceof Error ? error.stack : String(error) });
  return errorOutcome({
    code: "internal_error",
    message: "Something went wrong on our side. It has been logged.",
    requestId,
    data,
  });
}

/** Validates the input of a tool (refusing unknown keys); throws ZodError. */
function parseToolInput(serviceId: ServiceId, input: unknown): Record<string, unknown> {
  return TOOL_INPUT_SCHEMAS[serviceId].parse(input);
}

/**
 * One paid tool call, shared by `POST /api/tools/{service}` and the MCP tools:
 * validate → (no token: 402 with payment instructions) → reserve token + queue job →
 * wait (bounded) for the result → 200 with the result URL, the job's error, or 202 with the job URL.
 */
export async function callPaidTool(params: {
  serviceId: string;
  input: unknown;
  paymentToken: string | null;
  origin: string;
  requestId: string;
  ownerId?: string | null;
  waitMs?: number;
  /** An x402 payment (HTTP PAYMENT-SIGNATURE header, or MCP _meta["x402/payment"] payload). */
  x402?: X402CallPayment;
  /** An API key's account: its prepaid credits pay when no token or x402 payment is given. */
  credits?: CreditPayer | null;
}): Promise<ToolOutcome> {
  let service: CatalogService;
  let input: Record<string, unknown>;
  try {
    service = await getServiceOrThrow(resolveServiceId(params.serviceId));
    input = parseToolInput(service.id, params.input);
  } catch (error) {
    return toolErrorOutcome(error, params.requestId);
  }
  const action = service.action;
  const free = service.priceMinor === 0;
  const x402Given = !free && hasX402Payment(params.x402);
  const x402Resource = { service, resourceUrl: `${params.origin}/api/tools/${service.id}` };
  const credits = !params.paymentToken && !x402Given ? (params.credits ?? null) : null;
  if (!params.paymentToken && !x402Given && !credits && !free) {
    const outcome = errorOutcome({
      code: "payment_required",
      message: `${service.name} costs ${formatPrice(service.priceMinor, service.currency)} per image. Create a payment, then repeat this call with the token.`,
      requestId: params.requestId,
      data: { Action: action },
    });
    outcome.body.payment = paymentInstructions(service, params.origin);
    return attachX402Required(outcome, x402Resource);
  }
  let jobId: string;
  let verified: VerifiedX402Payment | null = null;
  const caller = await callerFrom({ ownerId: params.ownerId, paymentToken: params.paymentToken });
  try {
    // Someone else's upload is refused before any payment is reserved (an asset id is not a key).
    await assertAssetsUsable({ assetIds: referencedAssetIds(input), caller });
    if (x402Given) verified = await verifyX402ForCall({ payment: params.x402!, service });
    const job = await enqueuePaidJob({
      serviceId: service.id,
      input,
      paymentToken: params.paymentToken,
      free,
      ownerId: params.ownerId,
      requestId: params.requestId,
      x402: verified,
      credits,
    });
    jobId = job.id;
  } catch (error) {
    const outcome = toolErrorOutcome(error, params.requestId, { Action: action });
    if (isAppError(error) && outcome.status === 402) outcome.body.payment = paymentInstructions(service, params.origin);
    if (isAppError(error) && (outcome.status === 402 || error.code === "x402_replayed"))
      attachX402Required(outcome, x402Resource);
    return outcome;
  }
  const waitMs = params.waitMs ?? getEnv().API_WAIT_SECONDS * 1000;
  // An x402 call waits until its authorisation's deadline, then settles only on success
  const job = await waitForJob(jobId, verified ? x402JobDeadlineMs(verified) : waitMs);
  const x402Done = verified ? await finishX402Job({ verified, job }) : null;
  if (x402Done?.kind === "refused") {
    return {
      ...toolErrorOutcome(x402Done.error, params.requestId, { Action: action, JobId: job.id, Charged: false }),
      headers: x402Done.headers,
    };
  }
  const publicJob = await toPublicJob(job, params.origin, caller);
  const jobUrl = `${params.origin}/api/jobs/${job.id}`;
  if (job.status === "succeeded" && publicJob.result) {
    const data: Record<string, unknown> = {
      Action: action,
      ImageURL: publicJob.result.url,
      JobId: job.id,
      JobURL: jobUrl,
      Width: publicJob.result.width,
      Height: publicJob.result.height,
      ContentType: publicJob.result.mime,
      Charged: publicJob.charged,
      Sandbox: publicJob.payment?.sandbox ?? false,
    };
    if (service.id === "prompt-segmentation") data.MaskURL = publicJob.result.url;
    const x402Extras = x402Done?.kind === "settled" ? { headers: x402Done.headers, meta: x402Done.meta } : {};
    return {
      status: 200,
      body: { code: "200", content: "", data, message: "success", requestId: params.requestId },
      ...x402Extras,
    };
  }
  if (job.status === "failed" || job.status === "canceled") {
    const code = (job.errorCode ?? "internal_error") as ErrorCode;
    const outcome = errorOutcome({
      code,
      message: `${job.errorMessage ?? "The edit failed."} ${
        job.creditAccountId
          ? "You were not charged; the credit is back on your balance."
          : "You were not charged; the payment token works again."
      }`,
      requestId: params.requestId,
      data: { Action: action, JobId: job.id, JobURL: jobUrl, Charged: false },
    });
    outcome.body.job = publicJob;
    return outcome;
  }
  return {
    status: 202,
    body: {
      code: "202",
      content: "",
      data: { Action: action, JobId: job.id, JobURL: jobUrl, Status: job.status, Progress: publicJob.progress },
      message: "accepted: the edit is still running; poll data.JobURL for the result",
      requestId: params.requestId,
    },
  };
}

/** Queues a paid job without waiting (the studio's path): validated input, reserved token. */
export async function startPaidJob(params: {
  serviceId: string;
  input: unknown;
  paymentToken: string | null;
  origin: string;
  ownerId?: string | null;
  requestId: string;
  /** The signed-in account's credits (the studio's "pay with credits"). */
  credits?: CreditPayer | null;
}): Promise<PublicJob> {
  const service = await getServiceOrThrow(resolveServiceId(params.serviceId));
  const input = parseToolInput(service.id, params.input);
  const credits = params.paymentToken ? null : (params.credits ?? null);
  if (!params.paymentToken && !credits && service.priceMinor > 0) {
    throw new AppError(
      "payment_required",
      `${service.name} costs ${formatPrice(service.priceMinor, service.currency)}; create a payment first.`,
      {
        details: paymentInstructions(service, params.origin),
      },
    );
  }
  const caller = await callerFrom({ ownerId: params.ownerId, paymentToken: params.paymentToken });
  await assertAssetsUsable({ assetIds: referencedAssetIds(input), caller });
  const job = await enqueuePaidJob({
    serviceId: service.id,
    input,
    paymentToken: params.paymentToken,
    free: service.priceMinor === 0,
    ownerId: params.ownerId,
    requestId: params.requestId,
    credits,
  });
  return toPublicJob(job, params.origin, caller);
}
