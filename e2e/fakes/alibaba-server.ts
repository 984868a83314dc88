/**
 * A fake Alibaba Cloud imageseg (2019-12-30) endpoint for tests and `npm run fakes`.
 *
 * Speaks the wire protocol described in lib/providers/alibaba/README.md: `POST /?ImageURL=…` with
 * ACS3-HMAC-SHA256 headers (verified here by an independent implementation), PascalCase JSON
 * answers, error bodies `{ RequestId, HostId, Code, Message }`, results as expiring OSS-like
 * links. It downloads `ImageURL`/`ReplaceImageURL` itself, from loopback hosts only, and answers
 * real images. It also plays OpenPlatform's AuthorizeFileUpload and the OSS bucket it hands out
 * (`POST /{bucket}` with a signed policy, `GET /{bucket}/{key}`), path-style on its own port.
 *
 * Faults: `failNext` (500 InternalError.Algo), `throttleNext` (400 Throttling.User),
 * `requireOssInputs` (inputs not in its bucket are refused with InvalidImage.Region),
 * `maskStyle: "alpha"` (masks as an alpha channel over a uniform image), `downloadFailures`
 * (result links answer 503), `expireResults`, `delayMs`.
 */
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";

export type AlibabaFakeState = {
  accessKeyId: string;
  accessKeySecret: string;
  /** Every API request received (after the path check), in order. */
  calls: { action: string; status: number; code?: string }[];
  /** Inputs the fake fetched from our signed URLs. */
  fetched: string[];
  /** The next N API calls answer 500 InternalError. */
  failNext: number;
  /** The next N API calls answer 400 Throttling.User (a retryable code on a 4xx status). */
  throttleNext: number;
  /** Refuse inputs that are not in the fake's own OSS bucket (InvalidImage.Region), as Alibaba may. */
  requireOssInputs: boolean;
  /** How masks come back: a grey image, or the mask in the alpha channel of a uniform white image. */
  maskStyle: "grey" | "alpha";
  /** The next N result downloads answer 503. */
  downloadFailures: number;
  /** Objects uploaded to the fake OSS bucket (key → bytes). */
  oss: Map<string, { bytes: Buffer; mime: string }>;
  /** Policies issued by AuthorizeFileUpload (key → policy secret). */
  policies: Map<string, string>;
  /** Delay before answering API calls (timeouts). */
  delayMs: number;
  /** Result links are born expired (OSS answers 403). */
  expireResults: boolean;
  nonces: Set<string>;
  results: Map<string, { bytes: Buffer; mime: string; expires: number }>;
};

export type AlibabaFake = { url: string; close: () => Promise<void>; state: AlibabaFakeState };

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const OSS_BUCKET = "viapi-fake-oss";

function enc(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Recomputes the ACS3-HMAC-SHA256 signature of a received request (independent of lib/). */
function expectedSignature(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  signedHeaders: string[],
  secret: string,
): string {
  const query = [...url.searchParams.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join("&");
  const headers = signedHeaders.map((name) => `${name}:${String(req.headers[name] ?? "").trim()}\n`).join("");
  const canonical = [
    req.method,
    url.pathname,
    query,
    headers,
    signedHeaders.join(";"),
    createHash("sha256").update(body).digest("hex"),
  ].join("\n");
  const toSign = `ACS3-HMAC-SHA256\n${createHash("sha256").update(canonical).digest("hex")}`;
  return createHmac("sha256", secret).update(toSign).digest("hex");
}

export async function startAlibabaFake(
  options: { port?: number; accessKeyId?: string; accessKeySecret?: string } = {},
): Promise<AlibabaFake> {
  const state: AlibabaFakeState = {
    accessKeyId: options.accessKeyId ?? "fake-ak",
    accessKeySecret: options.accessKeySecret ?? "fake-secret",
    calls: [],
    fetched: [],
    failNext: 0,
    throttleNext: 0,
    requireOssInputs: false,
    maskStyle: "grey",
    downloadFailures: 0,
    oss: new Map(),
    policies: new Map(),
    delayMs: 0,
    expireResults: false,
    nonces: new Set(),
    results: new Map(),
  };
  let base = "";

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent)
          send(res, 500, { RequestId: randomUUID(), Code: "InternalError", Message: String(error) });
      });
    });
  });

  function send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  async function fail(res: ServerResponse, action: string, status: number, code: string, message: string) {
    state.calls.push({ action, status, code });
    send(res, status, {
      RequestId: randomUUID().toUpperCase(),
      HostId: "imageseg.cn-shanghai.aliyuncs.com",
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${code}`,
    });
  }

  async function fetchInput(raw: string | null): Promise<Buffer | { code: string; message: string }> {
    if (!raw) return { code: "MissingParameter", message: "ImageURL is mandatory for this action." };
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { code: "IllegalUrlParameter", message: "The URL is not valid." };
    }
    if (state.requireOssInputs && !raw.startsWith(`${base}/${OSS_BUCKET}/`))
      return {
        code: "InvalidImage.Region",
        message: "The image URL is not in the region of the service (cn-shanghai). Upload the file to OSS in Shanghai.",
      };
    // Tests must never reach the network: the fake fetches loopback URLs only.
    if (!LOOPBACK.has(url.hostname))
      return { code: "IllegalUrlParameter", message: "The fake only downloads from loopback hosts." };
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
    state.fetched.push(raw);
    if (!res || !res.ok)
      return {
        code: "InvalidImage.Download",
        message: `The image cannot be downloaded (HTTP ${res?.status ?? "error"}).`,
      };
    return Buffer.from(await res.arrayBuffer());
  }

  async function checkLimits(
    bytes: Buffer,
    maxSide: number,
  ): Promise<{ code: string; message: string } | { width: number; height: number }> {
    if (bytes.length > 3 * 1024 * 1024) return { code: "InvalidFile.Size", message: "The image is larger than 3 MB." };
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => null);
    if (!meta?.width || !meta.height || !["jpeg", "png", "bmp"].includes(meta.format ?? ""))
      return { code: "InvalidImage.Content", message: "The image format is not supported." };
    if (meta.width <= 50 || meta.height <= 50)
      return { code: "InvalidImage.Resolution", message: "The image resolution must be larger than 50x50." };
    if (meta.width >= maxSide || meta.height >= maxSide)
      return {
        code: "InvalidImage.Resolution",
        message: `The image resolution must be smaller than ${maxSide}x${maxSide}.`,
      };
    return { width: meta.width, height: meta.height };
  }

  /** A mask as the fake's `maskStyle` says: grey levels, or the alpha channel of a uniform white image. */
  async function maskPng(mask: Buffer, width: number, height: number): Promise<Buffer> {
    if (state.maskStyle === "grey")
      return sharp(mask, { raw: { width, height, channels: 1 } })
        .png()
        .toBuffer();
    return sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
      .joinChannel(mask, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
  }

  /** OpenPlatform AuthorizeFileUpload: a one-object upload policy for the fake OSS bucket. */
  function authorizeFileUpload(res: ServerResponse, url: URL) {
    if (url.searchParams.get("Product") !== "imageseg" || !url.searchParams.get("RegionId"))
      return fail(res, "AuthorizeFileUpload", 400, "MissingParameter", "Product and RegionId are mandatory.");
    const objectKey = `upload/${randomUUID()}.jpg`;
    const secret = randomBytes(16).toString("hex");
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(Date.now() + 1800_000).toISOString(),
        conditions: [["eq", "$key", objectKey]],
      }),
    ).toString("base64");
    state.policies.set(objectKey, secret);
    state.calls.push({ action: "AuthorizeFileUpload", status: 200 });
    send(res, 200, {
      RequestId: randomUUID().toUpperCase(),
      AccessKeyId: "STS.fake-oss-key",
      Bucket: OSS_BUCKET,
      Endpoint: new URL(base).host,
      ObjectKey: objectKey,
      EncodedPolicy: policy,
      Signature: createHmac("sha1", secret).update(policy).digest("base64"),
      UseAccelerate: false,
    });
  }

  /** OSS PostObject: the policy must be the one issued for this key, signed with its secret. */
  async function ossPost(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const form = await new Response(new Uint8Array(body), {
      headers: { "content-type": String(req.headers["content-type"] ?? "") },
    })
      .formData()
      .catch(() => null);
    const key = String(form?.get("key") ?? "");
    const policy = String(form?.get("policy") ?? "");
    const file = form?.get("file");
    const secret = state.policies.get(key);
    const expected = secret ? createHmac("sha1", secret).update(policy).digest("base64") : "";
    if (!secret || form?.get("Signature") !== expected || !file || typeof file === "string") {
      state.calls.push({ action: "oss.post", status: 403, code: "AccessDenied" });
      return void res
        .writeHead(403, { "content-type": "application/xml" })
        .end("<Error><Code>AccessDenied</Code><Message>Invalid according to Policy</Message></Error>");
    }
    state.policies.delete(key);
    state.oss.set(key, { bytes: Buffer.from(await file.arrayBuffer()), mime: file.type || "image/jpeg" });
    state.calls.push({ action: "oss.post", status: Number(form?.get("success_action_status") ?? 204) });
    res.writeHead(Number(form?.get("success_action_status") ?? 204), { "content-type": "application/xml" });
    res.end(`<PostResponse><Bucket>${OSS_BUCKET}</Bucket><Key>${key}</Key></PostResponse>`);
  }

  function storeResult(bytes: Buffer, mime: string): string {
    const id = randomUUID();
    const expires = Math.floor(Date.now() / 1000) + (state.expireResults ? -60 : 1800);
    state.results.set(id, { bytes, mime, expires });
    return `${base}/upload/result_fake/${id}.${mime === "image/png" ? "png" : "jpg"}?Expires=${expires}&OSSAccessKeyId=LTAIfake&Signature=${randomUUID()}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const url = new URL(req.url ?? "/", base);
    if (req.method === "POST" && (url.pathname === `/${OSS_BUCKET}` || url.pathname === `/${OSS_BUCKET}/`))
      return ossPost(req, res, body);
    if (req.method === "GET" && url.pathname.startsWith(`/${OSS_BUCKET}/`)) {
      const object = state.oss.get(decodeURIComponent(url.pathname.slice(OSS_BUCKET.length + 2)));
      if (!object)
        return void res
          .writeHead(404, { "content-type": "application/xml" })
          .end("<Error><Code>NoSuchKey</Code></Error>");
      return void res.writeHead(200, { "content-type": object.mime }).end(object.bytes);
    }
    if (req.method === "GET" && url.pathname.startsWith("/upload/result_fake/") && state.downloadFailures > 0) {
      state.downloadFailures -= 1;
      return void res
        .writeHead(503, { "content-type": "application/xml" })
        .end("<Error><Code>ServiceUnavailable</Code></Error>");
    }
    if (req.method === "GET" && url.pathname.startsWith("/upload/result_fake/")) {
      const id = url.pathname
        .split("/")
        .pop()!
        .replace(/\.\w+$/, "");
      const result = state.results.get(id);
      if (!result)
        return void res
          .writeHead(404, { "content-type": "application/xml" })
          .end("<Error><Code>NoSuchKey</Code></Error>");
      if (Number(url.searchParams.get("Expires")) * 1000 < Date.now()) {
        return void res
          .writeHead(403, { "content-type": "application/xml" })
          .end("<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>");
      }
      res.writeHead(200, { "content-type": result.mime, "content-length": String(result.bytes.length) });
      return void res.end(result.bytes);
    }
    if (req.method !== "POST" || url.pathname !== "/")
      return send(res, 404, { Code: "NotFound", Message: "Not found" });

    const action = String(req.headers["x-acs-action"] ?? "");
    // --- signature (ACS3-HMAC-SHA256)
    const auth = String(req.headers.authorization ?? "");
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(auth);
    if (!match)
      return fail(res, action, 400, "MissingAuthorization", "The Authorization header is missing or malformed.");
    const [, credential, signedList, signature] = match;
    const signedHeaders = signedList!.split(";");
    for (const required of [
      "host",
      "x-acs-action",
      "x-acs-content-sha256",
      "x-acs-date",
      "x-acs-signature-nonce",
      "x-acs-version",
    ]) {
      if (!signedHeaders.includes(required))
        return fail(res, action, 400, "IncompleteSignature", `The header ${required} must be signed.`);
    }
    if (credential !== state.accessKeyId)
      return fail(res, action, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    if (req.headers["x-acs-content-sha256"] !== createHash("sha256").update(body).digest("hex"))
      return fail(res, action, 400, "ContentSHA256NotMatch", "x-acs-content-sha256 does not match the body.");
    if (expectedSignature(req, url, body, signedHeaders, state.accessKeySecret) !== signature) {
      return fail(res, action, 400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.");
    }
    const date = Date.parse(String(req.headers["x-acs-date"] ?? ""));
    if (!Number.isFinite(date) || Math.abs(Date.now() - date) > 15 * 60_000)
      return fail(res, action, 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
    const nonce = String(req.headers["x-acs-signature-nonce"]);
    if (state.nonces.has(nonce))
      return fail(res, action, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
    state.nonces.add(nonce);
    if (action === "AuthorizeFileUpload") {
      if (req.headers["x-acs-version"] !== "2019-12-19")
        return fail(res, action, 400, "InvalidVersion", "Specified parameter Version is not valid.");
      return authorizeFileUpload(res, url);
    }
    if (req.headers["x-acs-version"] !== "2019-12-30")
      return fail(res, action, 400, "InvalidVersion", "Specified parameter Version is not valid.");

    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
    if (state.failNext > 0) {
      state.failNext -= 1;
      return fail(res, action, 500, "InternalError.Algo", "An internal error occurred in the algorithm.");
    }
    if (state.throttleNext > 0) {
      state.throttleNext -= 1;
      return fail(res, action, 400, "Throttling.User", "Request was denied due to user flow control.");
    }

    const maxSide = action === "SegmentSky" ? 3000 : 2000;
    if (!["ChangeSky", "SegmentSky", "SegmentCommonImage"].includes(action))
      return fail(res, action, 400, "InvalidAction.NotFound", `Specified api is not found: ${action}`);
    const input = await fetchInput(url.searchParams.get("ImageURL"));
    if (!Buffer.isBuffer(input)) return fail(res, action, 400, input.code, input.message);
    const size = await checkLimits(input, maxSide);
    if ("code" in size) return fail(res, action, 400, size.code, size.message);
    const { width, height } = size;
    const skyHeight = Math.max(1, Math.round(height * 0.4));

    let resultUrl: string;
    if (action === "ChangeSky") {
      const reference = await fetchInput(url.searchParams.get("ReplaceImageURL"));
      if (!Buffer.isBuffer(reference)) return fail(res, action, 400, reference.code, reference.message);
      // "Replace the sky": the top 40 % of the photo becomes the reference sky.
      const sky = await sharp(reference).resize(width, skyHeight, { fit: "cover" }).removeAlpha().png().toBuffer();
      const out = await sharp(input)
        .composite([{ input: sky, top: 0, left: 0 }])
        .jpeg({ quality: 90 })
        .toBuffer();
      resultUrl = storeResult(out, "image/jpeg");
    } else if (action === "SegmentSky") {
      // A 4-channel sky cut-out: opaque (sky) in the top 40 %, transparent below.
      const alpha = Buffer.alloc(width * height, 0);
      alpha.fill(255, 0, width * skyHeight);
      const out = await sharp(await sharp(input).removeAlpha().toBuffer())
        .joinChannel(alpha, { raw: { width, height, channels: 1 } })
        .png()
        .toBuffer();
      resultUrl = storeResult(out, "image/png");
    } else {
      // The "subject" is the centre half of the frame.
      const alpha = Buffer.alloc(width * height, 0);
      for (let y = Math.floor(height / 4); y < Math.floor((3 * height) / 4); y += 1)
        alpha.fill(255, y * width + Math.floor(width / 4), y * width + Math.floor((3 * width) / 4));
      const returnForm = url.searchParams.get("ReturnForm");
      const out =
        returnForm === "mask"
          ? await maskPng(alpha, width, height)
          : await sharp(await sharp(input).removeAlpha().toBuffer())
              .joinChannel(alpha, { raw: { width, height, channels: 1 } })
              .png()
              .toBuffer();
      resultUrl = storeResult(out, "image/png");
    }
    state.calls.push({ action, status: 200 });
    send(res, 200, { RequestId: randomUUID().toUpperCase(), Data: { ImageURL: resultUrl } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
