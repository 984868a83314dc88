import "server-only";
import { z } from "zod";
import { SERVICES, SERVICE_IDS } from "@/lib/catalog/services";
import type { CatalogService } from "@/lib/catalog/catalog";
import { ERROR_STATUS } from "@/lib/errors";
import { formatPrice } from "@/lib/utils";
import { TOOL_INPUT_SCHEMAS } from "@/lib/edits/schemas";
import { SERVICE_ALIASES } from "./api";

function inputSchema(serviceId: (typeof SERVICE_IDS)[number]) {
  const schema = z.toJSONSchema(TOOL_INPUT_SCHEMAS[serviceId], {
    io: "input",
    unrepresentable: "any",
    target: "openapi-3.0",
  }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

const envelope = (example: Record<string, unknown>) => ({
  type: "object",
  required: ["code", "content", "data", "message", "requestId"],
  properties: {
    code: { type: "string", description: "The HTTP status as a string." },
    content: { type: "string" },
    data: { type: "object", nullable: true, additionalProperties: true },
    message: { type: "string", description: "`success`, or `<error_code>: <explanation>`." },
    requestId: { type: "string" },
    error: { $ref: "#/components/schemas/Error" },
    payment: { $ref: "#/components/schemas/PaymentInstructions" },
  },
  example,
});

/** The OpenAPI 3.0 document of the paid API, built from the same zod schemas the handlers use. */
export function buildOpenApi(params: { origin: string; services: CatalogService[] }) {
  const paths: Record<string, unknown> = {};
  const prices = new Map(params.services.map((service) => [service.id, service]));
  for (const serviceId of SERVICE_IDS) {
    const service = SERVICES[serviceId];
    const price = prices.get(serviceId);
    const aliases = Object.entries(SERVICE_ALIASES)
      .filter(([, target]) => target === serviceId)
      .map(([alias]) => alias);
    const operation = {
      operationId: service.tool,
      summary: `${service.name}${price ? ` (${formatPrice(price.priceMinor, price.currency)} per image)` : ""}`,
      description: `${service.description}\n\nWithout \`X-Payment-Token\` the answer is 402 with payment instructions. With a valid token the call waits up to 60 s (\`Prefer: wait=N\` to shorten) and answers 200 with the result URL, or 202 with the job URL.`,
      tags: ["tools"],
      security: [{}, { PaymentToken: [] }],
      parameters: [
        {
          name: "Prefer",
          in: "header",
          required: false,
          schema: { type: "string", example: "wait=10" },
          description: "How long to wait for the result (seconds).",
        },
      ],
      requestBody: { required: true, content: { "application/json": { schema: inputSchema(serviceId) } } },
      responses: {
        "200": {
          description: "The edit is done.",
          content: {
            "application/json": {
              schema: envelope({
                code: "200",
                content: "",
                data: {
                  Action: service.action,
                  ImageURL: `${params.origin}/api/assets/ast_…/content?expires=…&sig=…`,
                  JobId: "job_…",
                },
                message: "success",
                requestId: "…",
              }),
            },
          },
        },
        "202": {
          description: "Still running; poll `data.JobURL`.",
          content: {
            "application/json": {
              schema: envelope({
                code: "202",
                content: "",
                data: { Action: service.action, JobId: "job_…", JobURL: `${params.origin}/api/jobs/job_…` },
                message: "accepted: …",
                requestId: "…",
              }),
            },
          },
        },
        "402": {
          description: "Payment required (no, unknown, expired or unpaid token). The body says how to pay.",
          content: {
            "application/json": {
              schema: envelope({
                code: "402",
                content: "",
                data: null,
                message: "payment_required: …",
                requestId: "…",
              }),
            },
          },
        },
        "409": {
          description: "The token is in use, already used, or for another service.",
          content: {
            "application/json": {
              schema: envelope({
                code: "409",
                content: "",
                data: null,
                message: "token_already_used: …",
                requestId: "…",
              }),
            },
          },
        },
        "422": {
          description:
            "Input not valid, or the photo cannot be edited (e.g. no_sky_detected, url_not_allowed). Never charged.",
          content: {
            "application/json": {
              schema: envelope({
                code: "422",
                content: "",
                data: null,
                message: "validation_failed: …",
                requestId: "…",
              }),
            },
          },
        },
      },
      ...(aliases.length ? { "x-aliases": aliases.map((alias) => `/api/tools/${alias}`) } : {}),
    };
    paths[`/api/tools/${serviceId}`] = { post: operation };
    for (const alias of aliases)
      paths[`/api/tools/${alias}`] = {
        post: { ...operation, operationId: `${service.tool}_legacy`, deprecated: true },
      };
  }

  paths["/api/payments"] = {
    post: {
      operationId: "createPayment",
      summary: "Create a payment for one service",
      tags: ["payments"],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["serviceId"],
              properties: {
                serviceId: { type: "string", enum: [...SERVICE_IDS] },
                units: { type: "integer", minimum: 1, maximum: 100 },
                returnPath: {
                  type: "string",
                  pattern: "^/(?!/)[A-Za-z0-9/_-]*$",
                  description: "Stripe mode: the path on this site a cancelled Checkout returns to.",
                },
              },
            },
          },
        },
      },
      responses: {
        "201": {
          description: "Created. Sandbox: paid, with `token` (shown once). Stripe: pending, with `checkoutUrl`.",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Payment" } } },
        },
        "429": { description: "Too many payments from this address (`rate_limited`)." },
      },
    },
  };
  paths["/api/payments/{paymentId}"] = {
    get: {
      operationId: "getPayment",
      summary: "Read a payment (never its token; with `session_id` of a paid Stripe checkout, the token once)",
      tags: ["payments"],
      parameters: [
        { name: "paymentId", in: "path", required: true, schema: { type: "string" } },
        { name: "session_id", in: "query", required: false, schema: { type: "string" } },
      ],
      responses: {
        "200": {
          description: "The payment.",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Payment" } } },
        },
        "404": { description: "payment_not_found" },
      },
    },
  };
  paths["/api/jobs"] = {
    post: {
      operationId: "startJob",
      summary: "Queue a paid edit without waiting",
      tags: ["jobs"],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["serviceId", "input"],
              properties: {
                serviceId: { type: "string", enum: [...SERVICE_IDS] },
                input: { type: "object" },
                paymentToken: { type: "string" },
              },
            },
          },
        },
      },
      responses: { "202": { description: "`{ job }`" } },
    },
  };
  paths["/api/jobs/{jobId}"] = {
    get: {
      operationId: "getJob",
      summary: "A job's status, progress, payment and result URLs (the id is the secret)",
      tags: ["jobs"],
      parameters: [{ name: "jobId", in: "path", required: true, schema: { type: "string" } }],
      responses: { "200": { description: "The job." }, "404": { description: "job_not_found" } },
    },
    delete: {
      operationId: "cancelJob",
      summary: "Cancel a job (its payment is released)",
      tags: ["jobs"],
      parameters: [{ name: "jobId", in: "path", required: true, schema: { type: "string" } }],
      responses: { "200": { description: "The job." } },
    },
  };
  paths["/api/catalog"] = {
    get: {
      operationId: "getCatalog",
      summary: "Services, prices and the payment convention",
      tags: ["catalog"],
      responses: { "200": { description: "The catalog." } },
    },
  };
  paths["/api/mcp"] = {
    post: {
      operationId: "mcp",
      summary: "MCP (Streamable HTTP, stateless, JSON responses)",
      tags: ["mcp"],
      responses: { "200": { description: "JSON-RPC response." } },
    },
  };

  return {
    openapi: "3.0.3",
    info: {
      title: "Backdrop paid photo-editing API",
      version: "1.0.0",
      description:
        "Sky replacement, background change and removal, and segmentation by prompt. Pay per call: 402 → POST /api/payments → retry with X-Payment-Token.",
    },
    servers: [{ url: params.origin }],
    paths,
    components: {
      securitySchemes: { PaymentToken: { type: "apiKey", in: "header", name: "X-Payment-Token" } },
      schemas: {
        Error: {
          type: "object",
          required: ["code", "message"],
          properties: {
            code: { type: "string", enum: Object.keys(ERROR_STATUS) },
            message: { type: "string" },
            details: {},
          },
        },
        PaymentInstructions: {
          type: "object",
          properties: {
            serviceId: { type: "string" },
            price: {
              type: "object",
              properties: {
                amountMinor: { type: "integer" },
                currency: { type: "string" },
                display: { type: "string" },
              },
            },
            createPayment: {
              type: "object",
              properties: { method: { type: "string" }, url: { type: "string" }, body: { type: "object" } },
            },
            paymentHeader: { type: "string", example: "X-Payment-Token" },
            mcpArgument: { type: "string", example: "paymentToken" },
            sandbox: { type: "boolean" },
          },
        },
        Payment: {
          type: "object",
          properties: {
            paymentId: { type: "string" },
            serviceId: { type: "string" },
            amountMinor: { type: "integer" },
            amountCents: { type: "integer" },
            currency: { type: "string" },
            status: {
              type: "string",
              enum: ["pending", "paid", "reserved", "captured", "released", "refunded", "expired", "canceled"],
            },
            usable: { type: "boolean" },
            method: { type: "string", enum: ["sandbox", "stripe", "x402", "credits"] },
            sandbox: { type: "boolean" },
            expiresAt: { type: "string", format: "date-time", nullable: true },
            checkoutUrl: { type: "string", nullable: true },
            token: {
              type: "string",
              description: "Only in the creating answer (sandbox) or once after a paid checkout.",
            },
          },
        },
      },
    },
  };
}
