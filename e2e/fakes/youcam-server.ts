/**
 * A fake YouCam (Perfect Corp) API for tests and `npm run fakes` (lib/providers/youcam/README.md).
 *
 * Enforces `Authorization: Bearer <key>` (401 InvalidApiKey), the File API (create, then a PUT
 * with exactly the announced Content-Type and size, under 10 MB, JPEG or PNG; a task on a
 * never-uploaded file fails), tasks `POST /s2s/v2.0/task/{bg-replace|sod}` with polling
 * (`running` → `success` | `error`), result links that expire, and Standard Webhooks deliveries
 * signed with `whsec_…`. The older `bg-replace-v2` feature (off unless added to `features`) takes
 * only files created through its own `POST /s2s/v2.0/file/bg-replace-v2`. A task is done once
 * polled `pollsToFinish` times and `taskMs` old; its units are charged when a poll reports success.
 *
 * Faults: `failTasks` (tasks end `error` with `failCode`), `pollFailures` / `pollRateLimits` (the
 * next status checks answer 503 / 429), `downloadFailures` (result links answer 503),
 * `failNext` (every API call 503), `expireResults`, `neverFinish`.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { Webhook } from "standardwebhooks";

type FileEntry = { contentType: string; size: number; feature: string; bytes?: Buffer };
type Task = {
  id: string;
  feature: string;
  createdAt: number;
  polls: number;
  charged: boolean;
  result?: Buffer;
  error?: string;
  notified: boolean;
  /** Created while `neverFinish` was set: its webhook waits for deliverWebhooks(). */
  held: boolean;
};

export type YoucamFakeState = {
  apiKey: string;
  calls: { method: string; path: string; status: number; errorCode?: string }[];
  /** Features served under /s2s/v2.0/task/{feature}; `bg-replace-v2` is off unless added. */
  features: Set<string>;
  taskMs: number;
  /** Status checks a task needs before it is done. */
  pollsToFinish: number;
  neverFinish: boolean;
  failTasks: boolean;
  failCode: string;
  pollFailures: number;
  pollRateLimits: number;
  downloadFailures: number;
  /** Units charged (when a poll first reports success) and tasks created, per feature. */
  unitsCharged: number;
  tasksCreated: Record<string, number>;
  expireResults: boolean;
  failNext: number;
  /** Where task notifications go (Standard Webhooks), when set. */
  webhook?: { url: string; secret: string };
  webhooksSent: { id: string; status: number }[];
  files: Map<string, FileEntry>;
  tasks: Map<string, Task>;
};

export type YoucamFake = {
  url: string;
  close: () => Promise<void>;
  state: YoucamFakeState;
  /** Sends the webhook of every task held by `neverFinish` and not notified yet. */
  deliverWebhooks: () => Promise<void>;
};

export async function startYoucamFake(options: { port?: number; apiKey?: string } = {}): Promise<YoucamFake> {
  const state: YoucamFakeState = {
    apiKey: options.apiKey ?? "fake-youcam-key",
    calls: [],
    features: new Set(["bg-replace", "sod"]),
    taskMs: 0,
    pollsToFinish: 1,
    neverFinish: false,
    failTasks: false,
    failCode: "error_inference",
    pollFailures: 0,
    pollRateLimits: 0,
    downloadFailures: 0,
    unitsCharged: 0,
    tasksCreated: {},
    expireResults: false,
    failNext: 0,
    webhooksSent: [],
    files: new Map(),
    tasks: new Map(),
  };
  let base = "";
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent)
          send(req, res, 500, { status: 500, error: String(error), error_code: "unknown_internal_error" });
      });
    });
  });

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: Record<string, unknown>) {
    state.calls.push({
      method: req.method ?? "",
      path: new URL(req.url ?? "/", "http://x").pathname,
      status,
      errorCode: typeof body.error_code === "string" ? body.error_code : undefined,
    });
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  async function deliverWebhook(task: Task) {
    if (!state.webhook || task.notified) return;
    task.notified = true;
    const id = `msg_${randomBytes(12).toString("base64url")}`;
    const sentAt = new Date();
    const timestamp = String(Math.floor(sentAt.getTime() / 1000));
    const body = JSON.stringify({
      created_at: Number(timestamp),
      data: { task_id: task.id, task_status: state.failTasks ? "error" : "success" },
    });
    const res = await fetch(state.webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": timestamp,
        // Signed by the Standard Webhooks reference library, as the vendor's own sender would.
        "webhook-signature": new Webhook(state.webhook.secret).sign(id, sentAt, body),
      },
      body,
    }).catch(() => null);
    state.webhooksSent.push({ id, status: res?.status ?? 0 });
  }

  function isDone(task: Task): boolean {
    return !state.neverFinish && task.polls >= state.pollsToFinish && Date.now() - task.createdAt >= state.taskMs;
  }

  async function subjectAlpha(bytes: Buffer) {
    const { width = 1, height = 1 } = await sharp(bytes).metadata();
    const alpha = Buffer.alloc(width * height, 0);
    for (let y = Math.floor(height / 4); y < Math.floor((3 * height) / 4); y += 1)
      alpha.fill(255, y * width + Math.floor(width / 4), y * width + Math.floor((3 * width) / 4));
    return { alpha, width, height };
  }

  function colourFromPrompt(prompt: string): string {
    let h = 0;
    for (const ch of prompt) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return `#${(h & 0xffffff).toString(16).padStart(6, "0")}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? "/", base);
    const path = url.pathname;

    if (req.method === "PUT" && path.startsWith("/upload/")) {
      const id = decodeURIComponent(path.slice("/upload/".length));
      const entry = state.files.get(id);
      state.calls.push({ method: "PUT", path, status: entry ? 200 : 403 });
      if (!entry || req.headers["content-type"] !== entry.contentType || body.length !== entry.size) {
        res.writeHead(403, { "content-type": "application/xml" });
        return void res.end("<Error><Code>SignatureDoesNotMatch</Code></Error>");
      }
      entry.bytes = body;
      return void res.writeHead(200).end();
    }
    if (req.method === "GET" && path.startsWith("/results/") && state.downloadFailures > 0) {
      state.downloadFailures -= 1;
      res.writeHead(503, { "content-type": "application/xml" });
      return void res.end("<Error><Code>ServiceUnavailable</Code></Error>");
    }
    if (req.method === "GET" && path.startsWith("/results/")) {
      const id = path.slice("/results/".length).replace(/\.png$/, "");
      const task = state.tasks.get(id);
      if (!task?.result || Number(url.searchParams.get("exp")) < Date.now()) {
        res.writeHead(403, { "content-type": "application/xml" });
        return void res.end("<Error><Code>AccessDenied</Code></Error>");
      }
      res.writeHead(200, { "content-type": "image/png" });
      return void res.end(task.result);
    }

    if (req.headers.authorization !== `Bearer ${state.apiKey}`)
      return send(req, res, 401, {
        status: 401,
        error: "This API key is not recognized.",
        error_code: "InvalidApiKey",
      });
    if (state.failNext > 0) {
      state.failNext -= 1;
      return send(req, res, 503, { status: 503, error: "Service temporarily unavailable" });
    }
    let json: Record<string, unknown> = {};
    if (req.method === "POST") {
      try {
        json = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
      } catch {
        return send(req, res, 400, { status: 400, error: "Malformed JSON", error_code: "BadRequest" });
      }
    }

    const fileFeature =
      path === "/s2s/v2.0/file"
        ? "any"
        : path === "/s2s/v2.0/file/bg-replace-v2" && state.features.has("bg-replace-v2")
          ? "bg-replace-v2"
          : undefined;
    if (req.method === "POST" && fileFeature) {
      const files = Array.isArray(json.files)
        ? (json.files as { content_type?: string; file_name?: string; file_size?: number }[])
        : [];
      if (files.length === 0)
        return send(req, res, 400, { status: 400, error: "files is required", error_code: "InvalidParameters" });
      const out = files.map((f) => {
        if (
          !["image/jpg", "image/jpeg", "image/png"].includes(String(f.content_type)) ||
          !Number.isInteger(f.file_size) ||
          f.file_size! <= 0 ||
          f.file_size! >= 10 * 1024 * 1024
        )
          return null;
        const fileId = randomBytes(24).toString("base64url");
        state.files.set(fileId, { contentType: String(f.content_type), size: f.file_size!, feature: fileFeature });
        return {
          content_type: f.content_type,
          file_name: f.file_name,
          file_id: fileId,
          requests: [
            {
              method: "PUT",
              url: `${base}/upload/${encodeURIComponent(fileId)}?X-Amz-Signature=${randomBytes(8).toString("hex")}`,
              headers: { "Content-Type": f.content_type, "Content-Length": f.file_size },
            },
          ],
        };
      });
      if (out.includes(null))
        return send(req, res, 400, {
          status: 400,
          error: "Unsupported content_type or file_size",
          error_code: "InvalidParameters",
        });
      return send(req, res, 200, { status: 200, data: { files: out } });
    }

    const taskMatch = /^\/s2s\/v2\.0\/task\/([a-z0-9-]+)(?:\/([^/]+))?$/.exec(path);
    if (taskMatch && state.features.has(taskMatch[1]!)) {
      const feature = taskMatch[1]!;
      if (req.method === "POST" && !taskMatch[2]) {
        const file = state.files.get(String(json.src_file_id ?? ""));
        if (!file?.bytes || (feature === "bg-replace-v2") !== (file.feature === "bg-replace-v2"))
          return send(req, res, 404, {
            status: 404,
            error: "The file does not exist or was never uploaded.",
            error_code: "unknown_internal_error",
          });
        const meta = await sharp(file.bytes)
          .metadata()
          .catch(() => null);
        const format = meta?.format === "jpeg" ? "image/jpg" : meta?.format === "png" ? "image/png" : "other";
        if (!meta?.width || !meta.height || format !== file.contentType.replace("image/jpeg", "image/jpg"))
          return send(req, res, 400, {
            status: 400,
            error: "The image cannot be decoded.",
            error_code: "InvalidParameters",
          });
        if (Math.min(meta.width, meta.height) < 64)
          return send(req, res, 400, {
            status: 400,
            error: "Image resolution too small (minimum 64 px).",
            error_code: "InvalidParameters",
          });
        if (Math.max(meta.width, meta.height) > 4096)
          return send(req, res, 400, {
            status: 400,
            error: "error_exceed_max_image_size: the long side may be at most 4096 px.",
            error_code: "InvalidParameters",
          });
        if (feature !== "sod" && !["prompt", "template", undefined].includes(json.type as string))
          return send(req, res, 400, {
            status: 400,
            error: "type must be prompt or template",
            error_code: "InvalidParameters",
          });
        const { alpha, width, height } = await subjectAlpha(file.bytes);
        const cutout = await sharp(await sharp(file.bytes).removeAlpha().toBuffer())
          .joinChannel(alpha, { raw: { width, height, channels: 1 } })
          .png()
          .toBuffer();
        const result =
          feature === "sod"
            ? cutout
            : await sharp({
                create: {
                  width,
                  height,
                  channels: 3,
                  background: colourFromPrompt(String(json.prompt ?? json.template_id ?? "default")),
                },
              })
                .composite([{ input: cutout }])
                .png()
                .toBuffer();
        const task: Task = {
          id: randomBytes(18).toString("base64url"),
          feature,
          createdAt: Date.now(),
          polls: 0,
          charged: false,
          result,
          error: state.failTasks ? state.failCode : undefined,
          notified: false,
          held: state.neverFinish,
        };
        state.tasksCreated[feature] = (state.tasksCreated[feature] ?? 0) + 1;
        state.tasks.set(task.id, task);
        if (!state.neverFinish) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            void deliverWebhook(task);
          }, state.taskMs);
          timers.add(timer);
        }
        return send(req, res, 200, { status: 200, data: { task_id: task.id } });
      }
      if (req.method === "GET" && taskMatch[2]) {
        if (state.pollFailures > 0) {
          state.pollFailures -= 1;
          return send(req, res, 503, { status: 503, error: "Service temporarily unavailable" });
        }
        if (state.pollRateLimits > 0) {
          state.pollRateLimits -= 1;
          return send(req, res, 429, { status: 429, error: "Too many requests", error_code: "RateLimitExceeded" });
        }
        const task = state.tasks.get(decodeURIComponent(taskMatch[2]));
        if (!task || task.feature !== feature)
          return send(req, res, 400, { status: 400, error: "Invalid task id", error_code: "InvalidTaskId" });
        task.polls += 1;
        if (!isDone(task))
          return send(req, res, 200, { status: 200, data: { task_status: "running", error: null, error_message: "" } });
        if (task.error)
          return send(req, res, 200, {
            status: 200,
            data: { task_status: "error", error: task.error, error_message: `The task failed (${task.error}).` },
          });
        if (!task.charged) {
          task.charged = true;
          state.unitsCharged += feature === "sod" ? 1 : 4;
        }
        const exp = state.expireResults ? Date.now() - 1000 : Date.now() + 2 * 3600_000;
        return send(req, res, 200, {
          status: 200,
          data: {
            task_status: "success",
            error: null,
            error_message: "",
            results: { url: `${base}/results/${task.id}.png?exp=${exp}` },
          },
        });
      }
    }
    return send(req, res, 404, { status: 404, error: `No route ${req.method} ${path}`, error_code: "NotFound" });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    state,
    deliverWebhooks: async () => {
      await Promise.all([...state.tasks.values()].filter((task) => task.held).map((task) => deliverWebhook(task)));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
