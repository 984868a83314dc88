import "server-only";
import type { Job } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { cancelJob } from "@/lib/jobs/queue";
import { logger } from "@/lib/logger";
import {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  buildPaymentRequired,
  isX402Enabled,
  mcpPaymentResponseMeta,
  releaseX402Payment,
  settleX402Payment,
  verifyX402Payment,
  type VerifiedX402Payment,
  type X402Service,
} from "@/lib/billing/x402";

/**
 * The x402 side of a paid tool call (callPaidTool in api.ts, for HTTP and MCP alike), in four calls:
 *   402            → attachX402Required(outcome, …)
 *   payment given  → verifyX402ForCall(…) → enqueuePaidJob({ …, x402: verified })
 *   wait           → x402JobDeadlineMs(verified)
 *   job finished   → finishX402Job(…)  (settle on success, release otherwise)
 */

/** An x402 payment as it arrived: the HTTP `PAYMENT-SIGNATURE` header, or the MCP `_meta` payload. */
export type X402CallPayment = { header?: string | null; payload?: unknown } | null | undefined;

/** Whether the call carries an x402 payment this server should take (x402 enabled and something sent). */
export function hasX402Payment(payment: X402CallPayment): payment is { header?: string | null; payload?: unknown } {
  return Boolean(
    payment && (payment.header || (payment.payload !== undefined && payment.payload !== null)) && isX402Enabled(),
  );
}

/** Verifies the call's x402 payment for `service` (AppError `x402_*` when refused). */
export function verifyX402ForCall(params: {
  payment: { header?: string | null; payload?: unknown };
  service: X402Service;
}): Promise<VerifiedX402Payment> {
  return verifyX402Payment({
    header: params.payment.header ?? null,
    payload: params.payment.payload ?? undefined,
    service: params.service,
  });
}

type OutcomeLike = { headers?: Record<string, string>; body: object };

/**
 * Adds the x402 v2 requirements to a 402 (or any refused-payment) outcome: the `PAYMENT-REQUIRED`
 * header and `x402Version`/`resource`/`accepts` in the body. No-op when x402 is off; a
 * misconfigured x402 is logged and left out (the token rail still works).
 */
export function attachX402Required<T extends OutcomeLike>(
  outcome: T,
  params: { service: X402Service; resourceUrl: string; error?: string },
): T {
  if (!isX402Enabled()) return outcome;
  try {
    const required = buildPaymentRequired(params);
    outcome.headers = { ...outcome.headers, [PAYMENT_REQUIRED_HEADER]: required.header };
    Object.assign(outcome.body, {
      x402Version: 2,
      resource: required.object.resource,
      accepts: required.object.accepts,
    });
  } catch (error) {
    logger.warn("x402 requirements left out of a 402", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return outcome;
}

export type X402JobFinish =
  /** Settled: send `headers` (PAYMENT-RESPONSE) with the result; MCP puts `meta` on the tool result. */
  | { kind: "settled"; headers: Record<string, string>; meta: Record<string, unknown> }
  /** The job failed or was canceled: released, nothing settled; report the job's error as usual. */
  | { kind: "released" }
  /** Settlement failed, or the job outlived the authorisation: withhold the result, answer `error`. */
  | { kind: "refused"; error: AppError; headers: Record<string, string> };

/**
 * Ends the x402 side of a call once waitForJob returned (wait with x402JobDeadlineMs):
 * succeeded → settle (money moves now, never before); failed/canceled → release; still queued or
 * running at the deadline → cancel the job and release (the authorisation would expire before a
 * later settlement could land, so the edit is not delivered and not charged).
 */
export async function finishX402Job(params: {
  verified: VerifiedX402Payment;
  job: Pick<Job, "id" | "status" | "paymentId">;
}): Promise<X402JobFinish> {
  const { verified, job } = params;
  if (!job.paymentId) throw new AppError("internal_error", "An x402 job has no payment.");
  if (job.status === "succeeded") {
    const settled = await settleX402Payment({ verified, paymentId: job.paymentId, jobId: job.id });
    if (settled.ok)
      return {
        kind: "settled",
        headers: { [PAYMENT_RESPONSE_HEADER]: settled.header },
        meta: mcpPaymentResponseMeta(settled.response),
      };
    return { kind: "refused", error: settled.error, headers: { [PAYMENT_RESPONSE_HEADER]: settled.header } };
  }
  if (job.status === "failed" || job.status === "canceled") {
    await releaseX402Payment({ paymentId: job.paymentId, jobId: job.id, reason: "job_failed" });
    return { kind: "released" };
  }
  await cancelJob(job.id).catch(() => undefined);
  await releaseX402Payment({ paymentId: job.paymentId, jobId: job.id, reason: "x402_deadline" });
  return {
    kind: "refused",
    error: new AppError(
      "job_timeout",
      "The edit did not finish while the payment authorization was still valid; it was canceled and you were not charged.",
      {
        details: { jobId: job.id, validBefore: verified.validBefore },
      },
    ),
    headers: {},
  };
}
