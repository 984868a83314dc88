/**
 * A small S3-compatible server for tests, the scale harness and load benches (path-style URLs:
 * `/{bucket}/{key}`). Speaks the documented protocol for what Backdrop uses: ListBuckets
 * (`GET /`), CreateBucket (`PUT /{bucket}`), HeadBucket, PutObject, GetObject, HeadObject,
 * DeleteObject, and presigned GETs. Every request must carry a valid AWS SigV4 signature for
 * the configured key pair (verified with the same canonicalisation rules S3 uses), else it
 * answers 403 `SignatureDoesNotMatch` / `AccessDenied` like S3 does. Objects live in memory.
 *
 * Fault switches for reliability tests: `state.failNext` (the next N requests answer 503
 * SlowDown), `stop()` / `restart()` (the port goes away and comes back).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { verifyRequest } from "../../lib/assets/storage/sigv4";

type StoredObject = { bytes: Buffer; contentType: string; etag: string; lastModified: Date };

export type S3FakeState = {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  buckets: Map<string, Map<string, StoredObject>>;
  /** The next N requests answer 503 SlowDown. */
  failNext: number;
  calls: { method: string; path: string; status: number }[];
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
    buckets: new Map((options.buckets ?? []).map((name) => [name, new Map()])),
    failNext: 0,
    calls: [],
    signatureFailures: 0,
  };
  const host = options.host ?? "127.0.0.1";

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer | null,
    headers: Record<string, string> = {},
  ) {
    state.calls.push({ method: req.method ?? "", path: (req.url ?? "/").split("?")[0] ?? "/", status });
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

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    if (state.failNext > 0) {
      state.failNext -= 1;
      return error(req, res, 503, "SlowDown", "Please reduce your request rate.");
    }
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    const method = req.method ?? "GET";
    const check = verifyRequest({
      method,
      url,
      headers: req.headers,
      lookupSecret: (id) => (id === state.accessKeyId ? state.secretAccessKey : undefined),
      region: state.region,
    });
    if (!check.ok) {
      state.signatureFailures += 1;
      const code =
        check.reason === "signature does not match"
          ? "SignatureDoesNotMatch"
          : check.reason === "unknown access key"
            ? "InvalidAccessKeyId"
            : "AccessDenied";
      return error(req, res, 403, code, check.reason);
    }
    const declared = req.headers["x-amz-content-sha256"];
    if (typeof declared === "string" && declared !== "UNSIGNED-PAYLOAD" && /^[0-9a-f]{64}$/.test(declared)) {
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
