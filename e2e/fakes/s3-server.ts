/**
 * A small S3-compatible server for tests, the scale harness and load benches (path-style URLs:
 * `/{bucket}/{key}`). Speaks the documented protocol for what Backdrop uses: ListBuckets
 * (`GET /`), CreateBucket (`PUT /{bucket}`), HeadBucket, PutObject, GetObject, HeadObject,
 * DeleteObject, multipart uploads (Create, UploadPart, Complete, Abort) and presigned GETs.
 * Every request must carry a valid AWS SigV4 signature (header or presigned query) for the
 * configured key pair, or for a temporary key pair with its session token; it is checked by the
 * fake's own verifier (./s3-sigv4-verify.ts), which shares no code with the client under test.
 * Failures answer 403 `SignatureDoesNotMatch` / `InvalidAccessKeyId` / `InvalidToken` like S3.
 * Objects live in memory.
 *
 * Fault switches for reliability tests: `state.failNext` (the next N requests answer 503
 * SlowDown), `state.refuseParts` (UploadPart answers 400), `stop()` / `restart()` (the port goes
 * away and comes back).
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { verifySigV4, type SigV4Identity } from "./s3-sigv4-verify";

type StoredObject = { bytes: Buffer; contentType: string; etag: string; lastModified: Date };
type PendingUpload = { bucket: string; key: string; contentType: string; parts: Map<number, Buffer> };

/** S3's rule: every part but the last is at least 5 MiB. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;

export type S3FakeState = {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Temporary credentials (as STS or an instance profile would hand out): key id → secret + token. */
  temporary: Map<string, { secretAccessKey: string; sessionToken: string }>;
  buckets: Map<string, Map<string, StoredObject>>;
  /** Multipart uploads begun and neither completed nor aborted. */
  uploads: Map<string, PendingUpload>;
  /** The next N requests answer 503 SlowDown. */
  failNext: number;
  /** UploadPart answers 400 while set. */
  refuseParts: boolean;
  calls: { method: string; path: string; operation: string; status: number; accessKeyId?: string }[];
  signatureFailures: number;
};

export type S3Fake = {
  url: string;
  port: number;
  state: S3FakeState;
  /** Stops listening (connections are refused) until restart(). */
  stop: () => Promise<void>;
  restart: () => Promise<void>;
  close: () => Promise<void>;
};

const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

const BUCKET_OPERATIONS: Record<string, string> = {
  PUT: "CreateBucket",
  HEAD: "HeadBucket",
  DELETE: "DeleteBucket",
  GET: "ListObjects",
};
const MULTIPART_OPERATIONS: Record<string, string> = {
  PUT: "UploadPart",
  POST: "CompleteMultipartUpload",
  DELETE: "AbortMultipartUpload",
};
const OBJECT_OPERATIONS: Record<string, string> = {
  PUT: "PutObject",
  GET: "GetObject",
  HEAD: "HeadObject",
  DELETE: "DeleteObject",
};

/** The S3 API operation a request is (for the call log that tests read). */
function operationName(method: string, path: string, query: URLSearchParams): string {
  const [bucket = "", ...key] = path.split("/").slice(1);
  if (!bucket) return "ListBuckets";
  if (key.join("/") === "") return BUCKET_OPERATIONS[method] ?? method;
  if (query.has("uploads")) return "CreateMultipartUpload";
  if (query.has("uploadId")) return MULTIPART_OPERATIONS[method] ?? method;
  return OBJECT_OPERATIONS[method] ?? method;
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export async function startS3Fake(
  options: {
    port?: number;
    host?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    region?: string;
    buckets?: string[];
  } = {},
): Promise<S3Fake> {
  const state: S3FakeState = {
    accessKeyId: options.accessKeyId ?? "backdrop-test-key",
    secretAccessKey: options.secretAccessKey ?? "backdrop-test-secret-0123456789abcdef",
    region: options.region ?? "us-east-1",
    temporary: new Map(),
    buckets: new Map((options.buckets ?? []).map((name) => [name, new Map()])),
    uploads: new Map(),
    failNext: 0,
    refuseParts: false,
    calls: [],
    signatureFailures: 0,
  };
  const host = options.host ?? "127.0.0.1";

  const accessKeyIds = new WeakMap<IncomingMessage, string>();

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer | null,
    headers: Record<string, string> = {},
  ) {
    const [path = "/", query = ""] = (req.url ?? "/").split("?");
    state.calls.push({
      method: req.method ?? "",
      path,
      operation: operationName(req.method ?? "", path, new URLSearchParams(query)),
      status,
      accessKeyId: accessKeyIds.get(req),
    });
    if (state.calls.length > 10_000) state.calls.splice(0, 5_000);
    const payload = body === null ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
    res.writeHead(status, {
      "x-amz-request-id": createHash("md5").update(String(Math.random())).digest("hex").slice(0, 16),
      ...headers,
      "content-length": String(payload.length),
    });
    res.end(req.method === "HEAD" ? undefined : payload);
  }

  function error(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) {
    send(
      req,
      res,
      status,
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
      {
        "content-type": "application/xml",
      },
    );
  }

  const lookup = (accessKeyId: string): SigV4Identity | undefined =>
    accessKeyId === state.accessKeyId ? { secretAccessKey: state.secretAccessKey } : state.temporary.get(accessKeyId);

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    if (state.failNext > 0) {
      state.failNext -= 1;
      return error(req, res, 503, "SlowDown", "Please reduce your request rate.");
    }
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    const method = req.method ?? "GET";
    const check = verifySigV4(
      { method, target: req.url ?? "/", headers: req.headers },
      { region: state.region, now: Date.now(), lookup },
    );
    if (!check.ok) {
      state.signatureFailures += 1;
      return error(req, res, 403, check.code, check.message);
    }
    accessKeyIds.set(req, check.accessKeyId);
    const declared = check.payloadHash;
    if (declared.startsWith("STREAMING-"))
      return error(req, res, 501, "NotImplemented", "aws-chunked uploads are not supported by this test server.");
    if (declared !== "UNSIGNED-PAYLOAD") {
      if (createHash("sha256").update(body).digest("hex") !== declared)
        return error(
          req,
          res,
          400,
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
    }

    const segments = url.pathname.split("/").slice(1);
    const bucketName = decodeURIComponent(segments[0] ?? "");
    const key = segments
      .slice(1)
      .map((part) => decodeURIComponent(part))
      .join("/");

    if (!bucketName) {
      if (method !== "GET")
        return error(req, res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      const list = [...state.buckets.keys()]
        .map(
          (name) =>
            `<Bucket><Name>${xmlEscape(name)}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>`,
        )
        .join("");
      return send(
        req,
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Owner><ID>backdrop</ID></Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`,
        {
          "content-type": "application/xml",
        },
      );
    }

    const bucket = state.buckets.get(bucketName);
    if (!key) {
      if (method === "PUT") {
        if (bucket)
          return error(
            req,
            res,
            409,
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
          );
        state.buckets.set(bucketName, new Map());
        return send(req, res, 200, null, { location: `/${bucketName}` });
      }
      if (!bucket) return error(req, res, 404, "NoSuchBucket", "The specified bucket does not exist.");
      if (method === "HEAD") return send(req, res, 200, null);
      if (method === "DELETE") {
        if (bucket.size > 0)
          return error(req, res, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty.");
        state.buckets.delete(bucketName);
        return send(req, res, 204, null);
      }
      if (method === "GET") {
        const items = [...bucket.entries()]
          .map(
            ([name, object]) =>
              `<Contents><Key>${xmlEscape(name)}</Key><Size>${object.bytes.length}</Size><ETag>${object.etag}</ETag></Contents>`,
          )
          .join("");
        return send(
          req,
          res,
          200,
          `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${xmlEscape(bucketName)}</Name><KeyCount>${bucket.size}</KeyCount>${items}</ListBucketResult>`,
          {
            "content-type": "application/xml",
          },
        );
      }
      return error(req, res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }

    if (!bucket) return error(req, res, 404, "NoSuchBucket", "The specified bucket does not exist.");
    const query = url.searchParams;
    const uploadId = query.get("uploadId");
    if (query.has("uploads") && method === "POST") {
      const id = randomBytes(12).toString("hex");
      state.uploads.set(id, {
        bucket: bucketName,
        key,
        contentType: String(req.headers["content-type"] ?? "binary/octet-stream"),
        parts: new Map(),
      });
      return send(
        req,
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
        { "content-type": "application/xml" },
      );
    }
    if (uploadId !== null) {
      const upload = state.uploads.get(uploadId);
      if (!upload || upload.bucket !== bucketName || upload.key !== key)
        return error(req, res, 404, "NoSuchUpload", "The specified multipart upload does not exist.");
      if (method === "PUT") {
        const partNumber = Number(query.get("partNumber"));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)
          return error(req, res, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000.");
        if (state.refuseParts) return error(req, res, 400, "InvalidRequest", "This part was refused (fault switch).");
        upload.parts.set(partNumber, body);
        return send(req, res, 200, null, { etag: `"${createHash("md5").update(body).digest("hex")}"` });
      }
      if (method === "DELETE") {
        state.uploads.delete(uploadId);
        return send(req, res, 204, null);
      }
      if (method === "POST") {
        const listed = [...body.toString("utf8").matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? "")?.[1]),
          etag: /<ETag>([^<]+)<\/ETag>/.exec(m[1] ?? "")?.[1]?.replace(/&quot;|&#34;/g, '"'),
        }));
        if (listed.length === 0) return error(req, res, 400, "MalformedXML", "No parts were listed.");
        const chunks: Buffer[] = [];
        for (const [index, part] of listed.entries()) {
          const bytes = upload.parts.get(part.number);
          if (!bytes || part.etag !== `"${createHash("md5").update(bytes).digest("hex")}"`)
            return error(req, res, 400, "InvalidPart", "One or more of the specified parts could not be found.");
          if (index > 0 && part.number <= listed[index - 1]!.number)
            return error(req, res, 400, "InvalidPartOrder", "The list of parts was not in ascending order.");
          if (index < listed.length - 1 && bytes.length < S3_MIN_PART_BYTES)
            return error(
              req,
              res,
              400,
              "EntityTooSmall",
              "Your proposed upload is smaller than the minimum allowed size.",
            );
          chunks.push(bytes);
        }
        const whole = Buffer.concat(chunks);
        const etag = `"${createHash("md5")
          .update(Buffer.concat(chunks.map((chunk) => createHash("md5").update(chunk).digest())))
          .digest("hex")}-${chunks.length}"`;
        bucket.set(key, { bytes: whole, contentType: upload.contentType, etag, lastModified: new Date() });
        state.uploads.delete(uploadId);
        return send(
          req,
          res,
          200,
          `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`,
          { "content-type": "application/xml" },
        );
      }
      return error(req, res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
    if (method === "PUT") {
      if (body.length > MAX_OBJECT_BYTES)
        return error(req, res, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.");
      const etag = `"${createHash("md5").update(body).digest("hex")}"`;
      bucket.set(key, {
        bytes: body,
        contentType: String(req.headers["content-type"] ?? "binary/octet-stream"),
        etag,
        lastModified: new Date(),
      });
      return send(req, res, 200, null, { etag });
    }
    if (method === "GET" || method === "HEAD") {
      const object = bucket.get(key);
      if (!object) return error(req, res, 404, "NoSuchKey", "The specified key does not exist.");
      return send(req, res, 200, object.bytes, {
        "content-type": object.contentType,
        etag: object.etag,
        "last-modified": object.lastModified.toUTCString(),
        "accept-ranges": "bytes",
      });
    }
    if (method === "DELETE") {
      bucket.delete(key);
      return send(req, res, 204, null);
    }
    return error(req, res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }

  const makeServer = () =>
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OBJECT_BYTES + 1) chunks.push(chunk);
      });
      req.on("end", () => {
        try {
          handle(req, res, Buffer.concat(chunks));
        } catch (err) {
          if (!res.headersSent) error(req, res, 500, "InternalError", String(err));
        }
      });
    });

  let server: Server = makeServer();
  const sockets = new Set<Socket>();
  const track = (s: Server) =>
    s.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
  track(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  const stop = async () => {
    if (!listening) return;
    listening = false;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const restart = async () => {
    if (listening) return;
    server = makeServer();
    track(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    listening = true;
  };
  return { url: `http://${host}:${port}`, port, state, stop, restart, close: stop };
}
