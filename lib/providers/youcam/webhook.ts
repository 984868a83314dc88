import "server-only";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@/generated/prisma/client";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { sleep as abortableSleep } from "../backoff";
import { YOUCAM_PROVIDER_ID } from "./constants";

/**
 * YouCam webhooks follow Standard Webhooks (see README.md here): headers `webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64>` (several may be space-separated);
 * signature = base64(HMAC-SHA256(base64decode(secret minus "whsec_"), "<id>.<ts>.<raw body>")).
 */
const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

export function computeWebhookSignature(params: {
  secret: string;
  id: string;
  timestamp: string;
  body: string;
}): string {
  return createHmac("sha256", webhookKey(params.secret))
    .update(`${params.id}.${params.timestamp}.${params.body}`)
    .digest("base64");
}

export function verifyStandardWebhook(params: {
  secret: string;
  headers: Headers;
  rawBody: string;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): { id: string; timestamp: number } {
  const id = params.headers.get("webhook-id");
  const timestamp = params.headers.get("webhook-timestamp");
  const signatures = params.headers.get("webhook-signature");
  if (!id || !timestamp || !signatures)
    throw new AppError("webhook_invalid", "Missing webhook-id, webhook-timestamp or webhook-signature.");
  if (!/^\d{1,12}$/.test(timestamp)) throw new AppError("webhook_invalid", "Bad webhook-timestamp.");
  const now = params.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = params.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(timestamp)) > tolerance)
    throw new AppError("webhook_invalid", "The webhook timestamp is too old or in the future.");
  const expected = Buffer.from(computeWebhookSignature({ secret: params.secret, id, timestamp, body: params.rawBody }));
  const match = signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) throw new AppError("webhook_invalid", "The webhook signature does not match.");
  return { id, timestamp: Number(timestamp) };
}

// ---------------------------------------------------------------- wake-ups

type Waiter = () => void;
const globalWaiters = globalThis as unknown as { backdropYoucamWaiters?: Map<string, Set<Waiter>> };
function waiters(): Map<string, Set<Waiter>> {
  globalWaiters.backdropYoucamWaiters ??= new Map();
  return globalWaiters.backdropYoucamWaiters;
}

/** Tells a poller in this process that its task finished (it polls at once instead of waiting). */
function notifyYoucamTask(taskId: string): void {
  for (const wake of waiters().get(taskId) ?? []) wake();
}

/**
 * Waits `ms` (with `sleep`, the adapter's clock) or until a webhook for `taskId` arrives,
 * whichever is first.
 */
export function waitForYoucamTask(
  taskId: string,
  ms: number,
  signal: AbortSignal,
  sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const set = waiters().get(taskId) ?? new Set<Waiter>();
    waiters().set(taskId, set);
    const timer = new AbortController();
    let settled = false;
    const done = () => {
      settled = true;
      set.delete(wake);
      if (set.size === 0) waiters().delete(taskId);
    };
    const wake = () => {
      if (settled) return;
      done();
      timer.abort(); // stop the sleep; its rejection is ignored below
      resolve();
    };
    set.add(wake);
    sleep(ms, AbortSignal.any([signal, timer.signal])).then(
      () => {
        if (settled) return;
        done();
        resolve();
      },
      (error: unknown) => {
        if (settled) return;
        done();
        reject(signal.aborted ? new AppError("job_canceled", "The job was canceled.") : error);
      },
    );
  });
}

// ---------------------------------------------------------------- the route's logic

export type WebhookOutcome = {
  status: "recorded" | "duplicate";
  webhookId: string;
  taskId?: string;
  taskStatus?: string;
};

/**
 * Verifies a delivery, records it once (ProviderCall row keyed by webhook-id, so retries of the
 * same delivery are no-ops even when they race) and wakes the poller of that task.
 */
export async function handleYoucamWebhook(params: {
  /** The app's database unless given. */
  db?: PrismaClient;
  secret: string;
  headers: Headers;
  rawBody: string;
  nowSeconds?: number;
}): Promise<WebhookOutcome> {
  const { id } = verifyStandardWebhook({
    secret: params.secret,
    headers: params.headers,
    rawBody: params.rawBody,
    nowSeconds: params.nowSeconds,
  });
  let body: { data?: { task_id?: unknown; task_status?: unknown } };
  try {
    body = JSON.parse(params.rawBody) as typeof body;
  } catch {
    throw new AppError("invalid_json", "The webhook body is not JSON.");
  }
  const taskId = typeof body.data?.task_id === "string" ? body.data.task_id : undefined;
  const taskStatus = typeof body.data?.task_status === "string" ? body.data.task_status : undefined;
  const rowId = `pcw_${createHash("sha256").update(`youcam:${id}`).digest("base64url").slice(0, 22)}`;
  // INSERT … ON CONFLICT DO NOTHING on an id derived from webhook-id: concurrent retries of the
  // same delivery cannot both be recorded, on PGlite and on a Postgres server alike.
  const db = params.db ?? (await getDb());
  const inserted = await db.providerCall.createMany({
    data: [
      {
        id: rowId,
        provider: YOUCAM_PROVIDER_ID,
        action: "webhook",
        ok: taskStatus === "success",
        latencyMs: 0,
        requestId: taskId ?? null,
        errorCode: taskStatus && taskStatus !== "success" ? `task_${taskStatus}` : null,
        errorMessage: null,
      },
    ],
    skipDuplicates: true,
  });
  if (inserted.count === 0) return { status: "duplicate", webhookId: id, taskId, taskStatus };
  if (taskId) notifyYoucamTask(taskId);
  return { status: "recorded", webhookId: id, taskId, taskStatus };
}
