import { z } from "zod";
import { type EngineConfig, resolveEngineConfig } from "@/lib/image/config";
import { isIP } from "node:net";
import { adminPasswordProblem } from "@/lib/password-rule";

/**
 * Every setting Backdrop reads, validated once. Documented in `.env.example`.
 * Nothing else reads `process.env` (scripts pass settings through here too).
 */
const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());
const bool = (fallback: boolean) =>
  z.preprocess(
    (value) =>
      value === "" || value === undefined ? fallback : ["1", "true", "yes", "on"].includes(String(value).toLowerCase()),
    z.boolean(),
  );
const optionalBool = z.preprocess(
  (value) =>
    value === "" || value === undefined ? undefined : ["1", "true", "yes", "on"].includes(String(value).toLowerCase()),
  z.boolean().optional(),
);
const providerList = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .default("local")
    .transform((value) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    ),
);

/** `Name=cost,Name=cost` (e.g. `ChangeSky=0,SegmentCommonImage=1`) → a record of non-negative integers. */
const costMap = (fallback: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default(fallback)
      .transform((value, ctx) => {
        const out: Record<string, number> = {};
        for (const part of value
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)) {
          const match = /^([A-Za-z][\w.-]*)=(\d+)$/.exec(part);
          if (!match) {
            ctx.addIssue({ code: "custom", message: `"${part}" is not Name=integer` });
            return z.NEVER;
          }
          out[match[1]!] = Number(match[2]);
        }
        return out;
      }),
  );

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().positive().default(3000),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
        .optional(),
    ),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default("./data")),
    PUBLIC_BASE_URL: optionalUrl,
    SIGNING_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32).optional()),
    SIGNED_URL_TTL_SECONDS: z.coerce.number().int().positive().default(3600),

    PAYMENTS_MODE: z.enum(["sandbox", "stripe"]).default("sandbox"),
    PAYMENT_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(24 * 3600),
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    STRIPE_API_BASE: optionalUrl,

    X402_ENABLED: bool(false),
    X402_NETWORK: optionalString,
    X402_PAY_TO: optionalString,
    X402_ASSET: optionalString,
    X402_RPC_URL: optionalUrl,
    X402_FACILITATOR_URL: optionalUrl,

    ADMIN_PASSWORD: optionalString,

    // Accounts and prepaid credits.
    /** Where sign-in links are sent from: smtp(s)://user:pass@host:port. Unset: the link is printed to the server log. */
    SMTP_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
        .optional(),
    ),
    SMTP_FROM: z.preprocess(emptyAsUndefined, z.string().default("Backdrop <no-reply@localhost>")),
    /** How long a signed-in browser stays signed in (days). */
    ACCOUNT_SESSION_DAYS: z.coerce.number().min(0.01).max(365).default(30),
    /** How long an emailed sign-in link works (minutes). */
    SIGN_IN_LINK_MINUTES: z.coerce
      .number()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** Sign-in emails per hour per client address and email address. */
    SIGN_IN_EMAILS_PER_HOUR: z.coerce.number().int().min(1).default(5),

    ALIBABA_ACCESS_KEY_ID: optionalString,
    ALIBABA_ACCESS_KEY_SECRET: optionalString,
    ALIBABA_ENDPOINT: optionalUrl,
    /** Where AuthorizeFileUpload is called when an input must be uploaded to Alibaba's storage. */
    ALIBABA_OPENPLATFORM_ENDPOINT: optionalUrl,
    SELLERPIC_API_KEY: optionalString,
    SELLERPIC_BASE_URL: optionalUrl,
    YOUCAM_API_KEY: optionalString,
    YOUCAM_BASE_URL: optionalUrl,
    PROVIDER_SKY_REPLACEMENT: providerList,
    PROVIDER_BACKGROUND_CHANGE: providerList,
    PROVIDER_BACKGROUND_REMOVAL: providerList,
    PROVIDER_PROMPT_SEGMENTATION: providerList,

    S3_ENDPOINT: optionalUrl,
    S3_BUCKET: optionalString,
    S3_ACCESS_KEY_ID: optionalString,
    S3_SECRET_ACCESS_KEY: optionalString,
    S3_SESSION_TOKEN: optionalString,
    S3_REGION: z.preprocess(emptyAsUndefined, z.string().default("us-east-1")),

    WORKER_MODE: z.enum(["embedded", "external"]).default("embedded"),
    WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(1),
    /** ONNX runtime threads per image (default: up to 2, never more than the cores). */
    ENGINE_THREADS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(64).optional()),
    /** Engine worker threads per process (default: 1 below 4 cores, else 2). */
    ENGINE_CONCURRENCY: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(64).optional()),
    /** Where the rewritten subject model is cached (default: DATA_DIR). */
    ENGINE_CACHE_DIR: optionalString,
    /** onnxruntime's memory arena off (default: on for fp32 and an own model, off for int8). */
    ENGINE_LOW_MEMORY: optionalBool,
    /** The engine worker's entry file, when the project root is not the working directory. */
    ENGINE_WORKER_PATH: optionalString,
    ENGINE_SUBJECT_MODEL: optionalString,
    /** ISNet inference side for the bundled model: a multiple of 128 from 256 to 1024. */
    ENGINE_SUBJECT_SIDE: z.coerce
      .number()
      .int()
      .min(256)
      .max(1024)
      .refine((side) => side % 128 === 0, "must be a multiple of 128")
      .default(768),
    /** Bundled ISNet's arithmetic: static int8 quantisation or plain fp32 (lib/image/README.md). */
    ENGINE_SUBJECT_PRECISION: z.enum(["int8", "fp32"]).default("int8"),
    /** Run each edit on a small synthetic photo when a process starts, so the first real job is not slow. */
    ENGINE_WARMUP: bool(true),
    ASSET_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
    /** Computed mattes (subject, sky) kept in each process's memory, in MB (0 = storage only). */
    MATTE_CACHE_MEMORY_MB: z.coerce.number().int().min(0).max(65536).default(256),
    /** How long a stored matte is kept for the next edit of the same photo (retention deletes it after). */
    MATTE_CACHE_TTL_HOURS: z.coerce
      .number()
      .min(0.1)
      .max(24 * 365)
      .default(24),
    /** How long POST /api/tools/{service} waits for the result before answering 202 with the job URL. */
    API_WAIT_SECONDS: z.coerce.number().min(0).max(300).default(60),
    /** A running job's lease; a worker that stops heart-beating loses the job after this long. */
    JOB_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
    /**
     * Proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` is believed, e.g.
     * `127.0.0.1,::1` behind a reverse proxy on the same machine. Unset: the socket's address is the
     * client, whatever a request's headers say.
     */
    TRUSTED_PROXIES: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default("")
        .transform((value, ctx) => {
          const entries = value
            .split(",")
            .map((part) => part.trim())
            .filter(Boolean);
          for (const entry of entries) {
            const [address = "", bits] = entry.split("/");
            const max = isIP(address) === 4 ? 32 : isIP(address) === 6 ? 128 : 0;
            if (!max || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
              ctx.addIssue({ code: "custom", message: `"${entry}" is not an IP address or CIDR range` });
              return z.NEVER;
            }
          }
          return entries;
        }),
    ),
    /** Uploads (POST /api/assets) one client address may make per minute (token bucket). */
    UPLOAD_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    /** New anonymous visitors (owner cookies) one client address may start per hour, e.g. by uploading without the cookie it was given. */
    NEW_VISITORS_PER_HOUR: z.coerce.number().int().min(1).default(10),
    /** Payments one client IP may create per minute (token bucket). */
    PAYMENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),

    /** Test-only: hosts (host or host:port) the URL fetcher may reach although they are private. */
    URL_FETCH_ALLOWLIST: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .default("")
        .transform((value) =>
          value
            .split(",")
            .map((part) => part.trim().toLowerCase())
            .filter(Boolean),
        ),
    ),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),

    // Vendor providers. See lib/providers/{alibaba,sellerpic,youcam}.
    /** YouCam background-change feature slug: docs disagree (`bg-replace` current, `bg-replace-v2` older). */
    YOUCAM_BG_TASK_PATH: z.preprocess(emptyAsUndefined, z.enum(["bg-replace", "bg-replace-v2"]).default("bg-replace")),
    /** Standard Webhooks secret (`whsec_…`) from the YouCam API console; unset = webhook route answers 503. */
    YOUCAM_WEBHOOK_SECRET: optionalString,
    YOUCAM_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.01).max(60).default(3),
    /** SellerPic 1.0.0 docs ask for at least one minute between status checks. */
    SELLERPIC_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.01).max(600).default(60),
    /** Longest a vendor task may run before we give up on it (and fall back). */
    PROVIDER_TASK_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(600),
    /** Timeout of one outbound vendor HTTP request (ChangeSky is synchronous: keep it generous). */
    PROVIDER_HTTP_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(45),
    /**
     * What vendor calls cost us, in catalog minor units (ProviderCall rows, the margin report).
     * Alibaba per action: ChangeSky and SegmentSky are free in public beta; SegmentCommonImage is paid.
     */
    ALIBABA_ACTION_COSTS_MINOR: costMap("ChangeSky=0,SegmentSky=0,SegmentCommonImage=1"),
    SELLERPIC_CREDIT_COST_MINOR: z.coerce.number().int().min(0).default(5),
    /** One YouCam unit (background change takes 4, removal 1); 5 keeps a 4-unit edit within its default price. */
    YOUCAM_UNIT_COST_MINOR: z.coerce.number().int().min(0).default(5),
    /** SellerPic's Background Remover task path (its page lists the endpoint; the path follows its siblings). */
    SELLERPIC_REMOVER_PATH: z.preprocess(
      emptyAsUndefined,
      z.string().startsWith("/").default("/api/generate/removeBackground"),
    ),

    // Admin console and batches.
    /** How long an admin session lasts without activity being required (hours). */
    ADMIN_SESSION_HOURS: z.coerce
      .number()
      .min(0.1)
      .max(24 * 30)
      .default(12),
    /** Admin sign-in attempts per minute per client address and username. */
    ADMIN_LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(5),
    /** How often the asset retention job runs (minutes); 0 = never on a timer (the admin's "Run now" still works). */
    RETENTION_INTERVAL_MINUTES: z.coerce
      .number()
      .min(0)
      .max(7 * 24 * 60)
      .default(60),

    // Native x402. See lib/billing/x402. Checked together by getX402Config() when X402_ENABLED.
    /** EIP-712 domain of the asset (`extra.name`/`extra.version` in the requirements): Base USDC is "USD Coin"/"2", Base Sepolia USDC "USDC"/"2". */
    X402_ASSET_NAME: z.preprocess(emptyAsUndefined, z.string().default("USD Coin")),
    X402_ASSET_VERSION: z.preprocess(emptyAsUndefined, z.string().default("2")),
    X402_ASSET_DECIMALS: z.coerce.number().int().min(2).max(30).default(6),
    /** How long a payment authorisation must stay valid (the client sets validBefore = now + this). Jobs must finish and settle inside it. */
    X402_MAX_TIMEOUT_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
    /** Refuse authorisations with less time left than this (the job + settlement must fit). */
    X402_MIN_VALIDITY_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
    /** Time kept free before validBefore for the on-chain settlement. */
    X402_SETTLE_MARGIN_SECONDS: z.coerce.number().int().min(5).max(600).default(20),
    /** Direct settlement against X402_RPC_URL: the key that sends transferWithAuthorization (pays the gas). */
    X402_SELLER_PRIVATE_KEY: optionalString,
  })
  .superRefine((env, ctx) => {
    if (env.PAYMENTS_MODE === "stripe" && (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "PAYMENTS_MODE=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET",
      });
    }
    const weak = env.ADMIN_PASSWORD ? adminPasswordProblem(env.ADMIN_PASSWORD) : null;
    if (weak) ctx.addIssue({ code: "custom", path: ["ADMIN_PASSWORD"], message: weak });
    if (env.SMTP_URL && !env.PUBLIC_BASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["PUBLIC_BASE_URL"],
        message: "SMTP_URL needs PUBLIC_BASE_URL: emailed sign-in links must not be built from a request's Host header",
      });
    }
    if (
      !env.S3_BUCKET &&
      (env.S3_ENDPOINT || env.S3_ACCESS_KEY_ID || env.S3_SECRET_ACCESS_KEY || env.S3_SESSION_TOKEN)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["S3_BUCKET"],
        message: "S3 storage needs S3_BUCKET (S3_ENDPOINT and the S3 keys are optional beside it)",
      });
    }
    if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["S3_ACCESS_KEY_ID"],
        message:
          "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (or leave both unset for the AWS credential chain)",
      });
    }
    if (env.S3_SESSION_TOKEN && !env.S3_ACCESS_KEY_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["S3_SESSION_TOKEN"],
        message: "S3_SESSION_TOKEN belongs to temporary keys in S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export class EnvError extends Error {
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  return result.data;
}

/** The validated configuration of this process (parsed on first use). */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change process.env between cases; this drops the cached parse. */
export function resetEnvCache(): void {
  cached = undefined;
}

/** The image engine's configuration from the validated settings (the engine itself never reads the environment). */
export function engineConfigFromEnv(env: Env = getEnv()): EngineConfig {
  return resolveEngineConfig({
    modelPath: env.ENGINE_SUBJECT_MODEL,
    subjectSide: env.ENGINE_SUBJECT_SIDE,
    subjectPrecision: env.ENGINE_SUBJECT_PRECISION,
    cacheDir: env.ENGINE_CACHE_DIR ?? env.DATA_DIR,
    threads: env.ENGINE_THREADS,
    concurrency: env.ENGINE_CONCURRENCY,
    lowMemory: env.ENGINE_LOW_MEMORY,
    workerPath: env.ENGINE_WORKER_PATH,
  });
}
