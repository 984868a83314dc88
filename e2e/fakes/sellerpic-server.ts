/**
 * A fake SellerPic API (`/v1/api/…`, lib/providers/sellerpic/README.md) for tests and `npm run fakes`.
 *
 * Enforces `Authorization: Bearer <key>`, the `{ code, data, msg, success, traceId }` envelope,
 * the task lifecycle (CREATED → RUNNING → SUCCESS | FAILED), the per-account concurrency cap
 * (code 30003), int64 ids (image ids are written as bare JSON numbers above 2^53, so a client
 * that parses them into JS numbers asks for the wrong id) and expiring download links (403).
 * A task finishes once it has been polled `pollsToFinish` times and has run `taskMs`.
 *
 * Faults: `failTasks` (items end FAILED), `concurrencyStatus` (the HTTP status that carries
 * code 30003: 200 by default, e.g. 429), `maskStyle` (`grey`, `grey-opaque-alpha`: a black and
 * white image with an opaque alpha channel, `alpha`: the mask in the alpha channel of a uniform
 * image), `pollFailures` / `pollRateLimits` (the next status checks answer 503 / 429),
 * `downloadFailures` (result files answer 503), `failNext` (every API call 500), `expireLinks`,
 * `neverFinish`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";

type Task = {
  id: string;
  kind: string;
  createdAt: number;
  polls: number;
  imageIds: string[];
  done: boolean;
  fail?: string;
};

export type SellerPicFakeState = {
  apiKey: string;
  calls: { method: string; path: string; status: number; code?: number }[];
  /** Per-account cap on CREATED/RUNNING tasks; creation beyond it answers code 30003. */
  concurrencyCap: number;
  concurrencyRejections: number;
  /** How long a task runs at least (wall time). */
  taskMs: number;
  /** Status checks a task needs before it is done (the first `pollsToFinish - 1` say RUNNING). */
  pollsToFinish: number;
  /** Tasks created per kind (each one is paid). */
  tasksCreated: Record<string, number>;
  /** Credits charged (on task acceptance). */
  creditsCharged: number;
  failTasks: boolean;
  /** HTTP status of the 30003 answer. */
  concurrencyStatus: number;
  maskStyle: "grey" | "grey-opaque-alpha" | "alpha";
  /** The next N status checks answer 503 / 429. */
  pollFailures: number;
  pollRateLimits: number;
  /** The next N result-file downloads answer 503. */
  downloadFailures: number;
  /** Tasks never finish (deadline tests). */
  neverFinish: boolean;
  /** Download links are born expired (403). */
  expireLinks: boolean;
  /** The next N API calls answer HTTP 500. */
  failNext: number;
  uploads: Map<string, Buffer>;
  tasks: Map<string, Task>;
  images: Map<string, { bytes: Buffer; mime: string }>;
};

export type SellerPicFake = { url: string; close: () => Promise<void>; state: SellerPicFakeState };

let nextId = 1910256820110163968n;
function int64Id(): string {
  nextId += 1n + BigInt(randomBytes(2).readUInt16BE(0));
  return nextId.toString();
}

export async function startSellerPicFake(options: { port?: number; apiKey?: string } = {}): Promise<SellerPicFake> {
  const state: SellerPicFakeState = {
    apiKey: options.apiKey ?? "fake-sellerpic-key",
    calls: [],
    concurrencyCap: 5,
    concurrencyRejections: 0,
    taskMs: 0,
    pollsToFinish: 1,
    tasksCreated: {},
    creditsCharged: 0,
    failTasks: false,
    concurrencyStatus: 200,
    maskStyle: "grey",
    pollFailures: 0,
    pollRateLimits: 0,
    downloadFailures: 0,
    neverFinish: false,
    expireLinks: false,
    failNext: 0,
    uploads: new Map(),
    tasks: new Map(),
    images: new Map(),
  };
  let base = "";

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) reply(req, res, 500, { code: 500, msg: String(error), success: false });
      });
    });
  });

  /** Writes the envelope; `rawJson` lets bare int64 numbers through unquoted. */
  function reply(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    envelope: { code: number; msg: string; success: boolean; data?: unknown },
    rawJson?: string,
  ) {
    state.calls.push({
      method: req.method ?? "",
      path: new URL(req.url ?? "/", "http://x").pathname,
      status,
      code: envelope.code,
    });
    const text = rawJson ?? JSON.stringify({ ...envelope, traceId: randomBytes(6).toString("base64url") });
    res.writeHead(status, { "content-type": "application/json" });
    res.end(text);
  }

  const ok = (data: unknown) => ({ code: 0, msg: "SUCCESS", success: true, data });

  function running(): number {
    let count = 0;
    for (const task of state.tasks.values()) if (!isDone(task)) count += 1;
    return count;
  }
  function isDone(task: Task): boolean {
    if (
      !task.done &&
      !state.neverFinish &&
      task.polls >= state.pollsToFinish &&
      Date.now() - task.createdAt >= state.taskMs
    )
      task.done = true;
    return task.done;
  }

  /** A mask PNG in the fake's `maskStyle`. */
  async function maskPng(mask: Buffer, width: number, height: number): Promise<Buffer> {
    const grey = sharp(mask, { raw: { width, height, channels: 1 } });
    if (state.maskStyle === "grey") return grey.png().toBuffer();
    if (state.maskStyle === "grey-opaque-alpha")
      return sharp(await grey.toColourspace("srgb").raw().toBuffer(), { raw: { width, height, channels: 3 } })
        .ensureAlpha(1)
        .png()
        .toBuffer();
    return sharp({ create: { width, height, channels: 3, background: "#000000" } })
      .joinChannel(mask, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
  }

  async function subjectMask(bytes: Buffer): Promise<{ mask: Buffer; width: number; height: number }> {
    const { width = 1, height = 1 } = await sharp(bytes).metadata();
    const alpha = Buffer.alloc(width * height, 0);
    for (let y = Math.floor(height / 4); y < Math.floor((3 * height) / 4); y += 1)
      alpha.fill(255, y * width + Math.floor(width / 4), y * width + Math.floor((3 * width) / 4));
    return { mask: alpha, width, height };
  }

  async function composite(product: Buffer, background: Buffer): Promise<Buffer> {
    const { mask, width, height } = await subjectMask(product);
    const subject = await sharp(await sharp(product).removeAlpha().toBuffer())
      .joinChannel(mask, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    return sharp(background)
      .resize(width, height, { fit: "cover" })
      .removeAlpha()
      .composite([{ input: subject }])
      .png()
      .toBuffer();
  }

  async function solid(color: string, bytes: Buffer): Promise<Buffer> {
    const { width = 1, height = 1 } = await sharp(bytes).metadata();
    return sharp({ create: { width, height, channels: 3, background: color } })
      .png()
      .toBuffer();
  }

  function colourFromPrompt(prompt: string): string {
    let h = 0;
    for (const ch of prompt) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return `#${(h & 0xffffff).toString(16).padStart(6, "0")}`;
  }

  function createTask(kind: string, outputs: Buffer[], credits: number): Task {
    const task: Task = { id: int64Id(), kind, createdAt: Date.now(), polls: 0, imageIds: [], done: false };
    if (state.failTasks) task.fail = "Generation failed: the model could not process this image";
    state.tasksCreated[kind] = (state.tasksCreated[kind] ?? 0) + 1;
    state.creditsCharged += credits;
    for (const bytes of outputs) {
      const imageId = int64Id();
      state.images.set(imageId, { bytes, mime: "image/png" });
      task.imageIds.push(imageId);
    }
    state.tasks.set(task.id, task);
    return task;
  }

  async function badInput(bytes: Buffer): Promise<string | null> {
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => null);
    if (bytes.length > 10 * 1024 * 1024) return "Image file exceeds 10 MB.";
    if (!meta?.width || !meta.height) return "The image cannot be decoded.";
    if (Math.min(meta.width, meta.height) < 64) return "Image resolution is too small (minimum 64 px).";
    if (Math.max(meta.width, meta.height) > 4096) return "Image resolution exceeds 4096 px.";
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? "/", base);
    if (req.method === "GET" && url.pathname.startsWith("/files/") && state.downloadFailures > 0) {
      state.downloadFailures -= 1;
      res.writeHead(503, { "content-type": "application/xml" });
      return void res.end("<Error><Code>ServiceUnavailable</Code></Error>");
    }
    if (req.method === "GET" && url.pathname.startsWith("/files/")) {
      const id = url.pathname
        .split("/")
        .pop()!
        .replace(/\.\w+$/, "");
      const image = state.images.get(id);
      if (!image || Number(url.searchParams.get("exp")) < Date.now()) {
        res.writeHead(403, { "content-type": "application/xml" });
        return void res.end("<Error><Code>AccessDenied</Code></Error>");
      }
      const format = url.pathname.endsWith(".jpg") ? "jpeg" : "png";
      const bytes = format === "jpeg" ? await sharp(image.bytes).jpeg().toBuffer() : image.bytes;
      res.writeHead(200, { "content-type": `image/${format}` });
      return void res.end(bytes);
    }
    if (req.headers.authorization !== `Bearer ${state.apiKey}`)
      return reply(req, res, 401, { code: 401, msg: "Unauthorized: invalid API key", success: false });
    if (state.failNext > 0) {
      state.failNext -= 1;
      return reply(req, res, 500, { code: 500, msg: "Internal server error", success: false });
    }
    const route = `${req.method} ${url.pathname}`;

    if (route === "POST /v1/api/upload") {
      const form = await new Response(new Uint8Array(body), {
        headers: { "content-type": String(req.headers["content-type"] ?? "") },
      })
        .formData()
        .catch(() => null);
      const file = form?.get("file");
      if (!file || typeof file === "string")
        return reply(req, res, 400, { code: 400, msg: "file is required", success: false });
      const ext = (file.name.split(".").pop() ?? "jpg").toLowerCase();
      const fileKey = `UPLOAD/1910256820110163968/2026/11/21/${randomUUID().replace(/-/g, "")}.${ext}`;
      state.uploads.set(fileKey, Buffer.from(await file.arrayBuffer()));
      res.statusCode = 201;
      state.calls.push({ method: "POST", path: url.pathname, status: 201, code: 0 });
      res.writeHead(201, { "content-type": "application/json" });
      return void res.end(
        JSON.stringify({
          msg: "SUCCESS",
          code: 0,
          traceId: randomBytes(6).toString("base64url"),
          data: { fileKey },
          success: true,
          request_id: randomUUID().replace(/-/g, ""),
        }),
      );
    }

    if (
      route === "POST /v1/api/generate/promptSegmentation" ||
      route === "POST /v1/api/generate/replaceBackground" ||
      route === "POST /v1/api/generate/removeBackground"
    ) {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      } catch {
        return reply(req, res, 400, { code: 400, msg: "Invalid JSON", success: false });
      }
      const kind = route.slice("POST /v1/api/generate/".length);
      const segmentation = kind === "promptSegmentation";
      const keyField = kind === "replaceBackground" ? "productImageKey" : "imageKey";
      const imageKey = String(json[keyField] ?? "");
      const image = state.uploads.get(imageKey);
      if (!image) return reply(req, res, 400, { code: 400, msg: `${keyField} does not exist`, success: false });
      const problem = await badInput(image);
      if (problem) return reply(req, res, 400, { code: 400, msg: problem, success: false });
      let outputs: Buffer[];
      let credits = 1;
      if (segmentation) {
        if (typeof json.prompt !== "string" || !json.prompt.trim())
          return reply(req, res, 400, { code: 400, msg: "prompt is required", success: false });
        const { mask, width, height } = await subjectMask(image);
        outputs = [await maskPng(mask, width, height)];
        credits = 0;
      } else if (kind === "removeBackground") {
        // A transparent cut-out, or in the alpha/grey mask styles the mask itself.
        const { mask, width, height } = await subjectMask(image);
        outputs = [
          state.maskStyle === "grey"
            ? await sharp(await sharp(image).removeAlpha().toBuffer())
                .joinChannel(mask, { raw: { width, height, channels: 1 } })
                .png()
                .toBuffer()
            : await maskPng(mask, width, height),
        ];
      } else {
        const type = String(json.replaceType ?? "");
        if (type === "SOLID_COLOR_BACKGROUND" && typeof json.backgroundColor === "string")
          outputs = [await composite(image, await solid(json.backgroundColor, image))];
        else if (type === "TEXT_TO_BACKGROUND" && typeof json.customBackgroundPrompt === "string") {
          const bg = await solid(colourFromPrompt(json.customBackgroundPrompt), image);
          outputs = await Promise.all([0, 1, 2, 3].map(() => composite(image, bg)));
          credits = 4;
        } else if (type === "CUSTOM_BACKGROUND_IMAGE" && state.uploads.has(String(json.backgroundImageKey))) {
          outputs = [await composite(image, state.uploads.get(String(json.backgroundImageKey))!)];
        } else
          return reply(req, res, 400, {
            code: 400,
            msg: `replaceType ${type} is missing its parameters`,
            success: false,
          });
      }
      // Checked right before the (synchronous) insert so concurrent requests cannot both slip in.
      if (running() >= state.concurrencyCap) {
        state.concurrencyRejections += 1;
        return reply(req, res, state.concurrencyStatus, {
          code: 30003,
          msg: "The number of concurrent tasks exceeds the limit",
          success: false,
        });
      }
      const task = createTask(kind, outputs, credits);
      return reply(req, res, 200, ok({ id: task.id }));
    }

    if (route === "GET /v1/api/generate") {
      if (state.pollFailures > 0) {
        state.pollFailures -= 1;
        return reply(req, res, 503, { code: 503, msg: "Service temporarily unavailable", success: false });
      }
      if (state.pollRateLimits > 0) {
        state.pollRateLimits -= 1;
        return reply(req, res, 429, { code: 429, msg: "Too many requests", success: false });
      }
      const task = state.tasks.get(url.searchParams.get("id") ?? "");
      if (!task) return reply(req, res, 404, { code: 404, msg: "task not found", success: false });
      task.polls += 1;
      const status = isDone(task)
        ? task.fail
          ? "FAILED"
          : "SUCCESS"
        : task.polls <= 1 && state.pollsToFinish > 1
          ? "CREATED"
          : "RUNNING";
      // Image ids written as bare int64 numbers, exactly as `integer <int64>` would be serialised.
      const items = task.imageIds
        .map((id) => `{"id":${id},"fileUrl":"","status":"${status}","errorCode":0,"errorMsg":"${task.fail ?? ""}"}`)
        .join(",");
      state.calls.push({ method: "GET", path: url.pathname, status: 200, code: 0 });
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(
        `{"code":0,"success":true,"traceId":"${randomBytes(6).toString("base64url")}","msg":"SUCCESS","data":{"resultList":[${items}]}}`,
      );
    }

    if (route === "GET /v1/api/download") {
      const id = url.searchParams.get("id") ?? "";
      const format = url.searchParams.get("downloadFormat");
      if (!format || !["jpg", "png", "webp"].includes(format))
        return reply(req, res, 400, { code: 400, msg: "downloadFormat is required", success: false });
      if (!state.images.has(id))
        return reply(req, res, 404, { code: 404, msg: `image ${id} not found`, success: false });
      const exp = state.expireLinks ? Date.now() - 1000 : Date.now() + 12 * 3600_000;
      return reply(
        req,
        res,
        200,
        ok({
          name: `${id}.${format}`,
          status: "SUCCESS",
          fileUrl: `${base}/files/${id}.${format === "jpg" ? "jpg" : "png"}?exp=${exp}`,
          errorMsg: "",
        }),
      );
    }

    return reply(req, res, 404, { code: 404, msg: `No route ${route}`, success: false });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/v1`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
