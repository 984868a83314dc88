import type { Metadata } from "next";
import Link from "next/link";
import { listServices } from "@/lib/catalog/catalog";
import { getEnv } from "@/lib/env";
import { formatPrice } from "@/lib/utils";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "API & MCP · Backdrop",
  description: "Pay-per-call photo edits over HTTP and MCP: 402 → pay → retry with X-Payment-Token.",
};

const HOST = "https://your-backdrop.example";

const STEP_402 = `curl -i -X POST ${HOST}/api/tools/sky-replacement \\
  -H 'Content-Type: application/json' \\
  -d '{"ImageURL":"https://example.com/photo.jpg","skyPresetId":"golden-hour"}'

HTTP/1.1 402 Payment Required
{ "code": "402", "content": "", "data": { "Action": "ChangeSky" },
  "message": "payment_required: Sky replacement costs $0.20 per image. …",
  "error": { "code": "payment_required", "message": "…" },
  "payment": {
    "serviceId": "sky-replacement",
    "price": { "amountMinor": 20, "currency": "USD", "display": "$0.20" },
    "createPayment": { "method": "POST", "url": "${HOST}/api/payments",
                       "body": { "serviceId": "sky-replacement" } },
    "paymentHeader": "X-Payment-Token", "mcpArgument": "paymentToken",
    "sandbox": true } }`;

const STEP_PAY = `curl -X POST ${HOST}/api/payments \\
  -H 'Content-Type: application/json' \\
  -d '{"serviceId":"sky-replacement"}'

{ "paymentId": "pay_…", "serviceId": "sky-replacement", "status": "paid",
  "amountMinor": 20, "currency": "USD", "method": "sandbox", "sandbox": true,
  "expiresAt": "…", "token": "bdp_…" }        # the token is shown only here`;

const STEP_RETRY = `curl -X POST ${HOST}/api/tools/sky-replacement \\
  -H 'Content-Type: application/json' \\
  -H 'X-Payment-Token: bdp_…' \\
  -d '{"ImageURL":"https://example.com/photo.jpg","skyPresetId":"golden-hour"}'

{ "code": "200", "content": "",
  "data": { "Action": "ChangeSky", "JobId": "job_…",
            "ImageURL": "${HOST}/api/assets/ast_…/content?expires=…&sig=…",
            "JobURL": "${HOST}/api/jobs/job_…", "Charged": true },
  "message": "success", "requestId": "…" }`;

const STEP_POLL = `# Long edits answer 202 with data.JobURL (or ask for it: -H 'Prefer: wait=0')
curl ${HOST}/api/jobs/job_…
{ "id": "job_…", "status": "running", "progress": 0.4, "charged": false,
  "payment": { "status": "reserved", … }, "result": null, … }`;

const MCP_CONFIG = `{
  "mcpServers": {
    "backdrop": {
      "type": "http",
      "url": "${HOST}/api/mcp"
    }
  }
}`;

const MCP_CALL = `// tools: sky_replacement, background_change, background_removal, prompt_segmentation
await client.callTool({
  name: "sky_replacement",
  arguments: { ImageURL: "https://example.com/photo.jpg", skyPresetId: "golden-hour",
               paymentToken: "bdp_…" },
});
// Without paymentToken: isError: true and the same payment instructions as the 402.`;

const ERRORS: Array<{ code: string; status: number; meaning: string; charged: string }> = [
  { code: "payment_required", status: 402, meaning: "No token sent. The body says how to pay.", charged: "no" },
  { code: "token_invalid", status: 402, meaning: "The token is not known.", charged: "no" },
  { code: "token_expired", status: 402, meaning: "The token's time ran out; create a new payment.", charged: "no" },
  { code: "payment_not_paid", status: 402, meaning: "The card checkout has not completed yet.", charged: "no" },
  { code: "token_wrong_service", status: 409, meaning: "The token pays for another service.", charged: "no" },
  { code: "token_in_use", status: 409, meaning: "Another request is using this token right now.", charged: "no" },
  { code: "token_already_used", status: 409, meaning: "The token already paid for a finished edit.", charged: "—" },
  {
    code: "validation_failed",
    status: 422,
    meaning: "The input does not match the schema (checked before any 402).",
    charged: "no",
  },
  {
    code: "url_not_allowed",
    status: 422,
    meaning: "ImageURL points to a private, loopback or metadata address.",
    charged: "no, token usable again",
  },
  {
    code: "url_fetch_failed",
    status: 422,
    meaning: "ImageURL could not be downloaded (unreachable, 404, timeout).",
    charged: "no, token usable again",
  },
  {
    code: "no_sky_detected",
    status: 422,
    meaning: "The photo has no sky to replace.",
    charged: "no, token usable again",
  },
  {
    code: "sky_uncertain",
    status: 422,
    meaning: "A sky was found but its outline is too uncertain to replace cleanly; send hints to decide.",
    charged: "no, token usable again",
  },
  {
    code: "no_subject_detected",
    status: 422,
    meaning: "No subject found to keep or cut out.",
    charged: "no, token usable again",
  },
  { code: "engine_failed", status: 500, meaning: "The edit failed on our side.", charged: "no, token usable again" },
  { code: "rate_limited", status: 429, meaning: "Too many payments from your address; wait and retry.", charged: "no" },
  { code: "service_not_found", status: 404, meaning: "No such tool.", charged: "no" },
  { code: "job_not_found", status: 404, meaning: "No job with this id.", charged: "—" },
];

function Code({ children, label }: { children: string; label: string }) {
  return (
    <figure className="mt-3">
      <figcaption className="sr-only">{label}</figcaption>
      <pre
        tabIndex={0}
        className="overflow-x-auto rounded-xl bg-slate-900 p-4 text-[13px] leading-relaxed text-slate-100 ring-1 ring-slate-800"
      >
        <code>{children}</code>
      </pre>
    </figure>
  );
}

function Step({ n, title, children }: { n: number; title: string; children: React.ReactNode }) {
  return (
    <li className="relative pl-12">
      <span className="absolute left-0 top-0 flex h-8 w-8 items-center justify-center rounded-full bg-brand-600 text-sm font-semibold text-white">
        {n}
      </span>
      <h3 className="text-lg font-semibold">{title}</h3>
      {children}
    </li>
  );
}

export default async function ApiDocsPage() {
  const services = await listServices();
  const sandbox = getEnv().PAYMENTS_MODE === "sandbox";
  return (
    <div className="mx-auto max-w-5xl px-4 py-12 sm:py-16">
      <header className="max-w-3xl">
        <p className="mb-3 inline-flex rounded-full border border-brand-200 bg-brand-50 px-3 py-1 text-xs font-medium text-brand-700 dark:border-brand-800 dark:bg-slate-900 dark:text-brand-300">
          HTTP API · MCP · Server402-compatible
        </p>
        <h1 className="text-4xl font-bold tracking-tight text-balance">Pay per edit, from any program</h1>
        <p className="mt-4 text-lg text-slate-700 dark:text-slate-300">
          Every edit is one HTTP call. Without payment it answers{" "}
          <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">402</code> with exactly how to pay; pay, repeat
          the call with the token, get the result. A failed edit is never charged and its token works again.
        </p>
        <div className="mt-6 flex flex-wrap gap-3 text-sm">
          <a
            href="/api/openapi.json"
            className="rounded-lg bg-brand-600 px-4 py-2 font-medium text-white shadow-sm hover:bg-brand-700"
          >
            OpenAPI document
          </a>
          <a
            href="/api/catalog"
            className="rounded-lg border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
          >
            Catalog JSON
          </a>
          <Link
            href="/studio"
            className="rounded-lg px-4 py-2 font-medium text-brand-700 hover:underline dark:text-brand-300"
          >
            Prefer clicking? Open the studio →
          </Link>
        </div>
        {sandbox ? (
          <p
            role="note"
            className="mt-6 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-200"
          >
            <strong>Sandbox mode:</strong> this server issues payment tokens at once and no money moves. Every payment
            is labelled <code>&quot;sandbox&quot;: true</code>.
          </p>
        ) : null}
      </header>

      <section aria-labelledby="tools" className="mt-14">
        <h2 id="tools" className="text-2xl font-semibold tracking-tight">
          Tools and prices
        </h2>
        <div className="mt-4 overflow-x-auto rounded-xl border border-slate-200 dark:border-slate-800">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-600 dark:bg-slate-900 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-4 py-3 font-medium">
                  Endpoint
                </th>
                <th scope="col" className="px-4 py-3 font-medium">
                  MCP tool
                </th>
                <th scope="col" className="px-4 py-3 font-medium">
                  Action
                </th>
                <th scope="col" className="px-4 py-3 text-right font-medium">
                  Price
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
              {services.map((service) => (
                <tr key={service.id}>
                  <td className="px-4 py-3">
                    <code className="font-medium">POST /api/tools/{service.id}</code>
                    <p className="mt-1 max-w-md text-xs text-slate-500 dark:text-slate-400">{service.description}</p>
                  </td>
                  <td className="px-4 py-3">
                    <code>{service.tool}</code>
                  </td>
                  <td className="px-4 py-3">
                    <code>{service.action}</code>
                  </td>
                  <td className="px-4 py-3 text-right font-semibold">
                    {formatPrice(service.priceMinor, service.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
          Inputs use the Aliyun ChangeSky keys (<code>ImageURL</code>, <code>ReplaceImageURL</code>) plus optional
          extensions such as <code>imageAssetId</code> (from <code>POST /api/assets</code>), <code>skyPresetId</code>,{" "}
          <code>skyPrompt</code>, <code>backgroundColor</code>, <code>prompt</code>. The legacy path{" "}
          <code>/api/tools/aliyun-imageseg-change-sky</code> still works. Image URLs must be public http(s) addresses;
          private and metadata addresses are refused.
        </p>
      </section>

      <section aria-labelledby="flow" className="mt-14">
        <h2 id="flow" className="text-2xl font-semibold tracking-tight">
          402 → pay → retry
        </h2>
        <ol className="mt-6 space-y-10">
          <Step n={1} title="Call the tool without paying">
            <p className="mt-1 text-slate-700 dark:text-slate-300">
              The input is validated first (a bad input is a 422, never a charge); then you get the price and how to
              pay.
            </p>
            <Code label="Unpaid call">{STEP_402}</Code>
          </Step>
          <Step n={2} title="Create a payment">
            <p className="mt-1 text-slate-700 dark:text-slate-300">
              {sandbox
                ? "In sandbox mode the payment is paid at once and the answer carries the token."
                : "The answer carries a checkoutUrl; after paying, the success page shows the token once."}{" "}
              Tokens are single-use, bound to one service, and expire.
            </p>
            <Code label="Create a payment">{STEP_PAY}</Code>
          </Step>
          <Step n={3} title="Repeat the call with the token">
            <p className="mt-1 text-slate-700 dark:text-slate-300">
              The token is reserved, the edit runs, and the charge is captured only when it succeeds.
            </p>
            <Code label="Paid call">{STEP_RETRY}</Code>
          </Step>
          <Step n={4} title="Long edits: poll the job">
            <Code label="Poll a job">{STEP_POLL}</Code>
          </Step>
        </ol>
      </section>

      <section aria-labelledby="mcp" className="mt-14 grid gap-6 lg:grid-cols-2">
        <div>
          <h2 id="mcp" className="text-2xl font-semibold tracking-tight">
            MCP for agents
          </h2>
          <p className="mt-3 text-slate-700 dark:text-slate-300">
            <code>POST /api/mcp</code> speaks MCP over Streamable HTTP (stateless). The four tools take the same input
            keys plus <code>paymentToken</code>; the <code>X-Payment-Token</code> header on the MCP request works too.
          </p>
          <Code label="MCP client configuration">{MCP_CONFIG}</Code>
        </div>
        <div className="lg:pt-14">
          <Code label="Calling a tool">{MCP_CALL}</Code>
        </div>
      </section>

      <section aria-labelledby="errors" className="mt-14">
        <h2 id="errors" className="text-2xl font-semibold tracking-tight">
          Errors
        </h2>
        <p className="mt-2 text-slate-600 dark:text-slate-400">
          Tool calls answer in the envelope above with <code>code</code> = the HTTP status and <code>message</code> ={" "}
          <code>&quot;&lt;error_code&gt;: …&quot;</code>, plus <code>error: {"{ code, message }"}</code>. Other
          endpoints answer <code>{'{ "error": { "code", "message" } }'}</code>.
        </p>
        <div className="mt-4 overflow-x-auto rounded-xl border border-slate-200 dark:border-slate-800">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-600 dark:bg-slate-900 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-4 py-3 font-medium">
                  Code
                </th>
                <th scope="col" className="px-4 py-3 font-medium">
                  HTTP
                </th>
                <th scope="col" className="px-4 py-3 font-medium">
                  Meaning
                </th>
                <th scope="col" className="px-4 py-3 font-medium">
                  Charged?
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
              {ERRORS.map((row) => (
                <tr key={row.code}>
                  <td className="px-4 py-2.5">
                    <code>{row.code}</code>
                  </td>
                  <td className="px-4 py-2.5 tabular-nums">{row.status}</td>
                  <td className="px-4 py-2.5 text-slate-700 dark:text-slate-300">{row.meaning}</td>
                  <td className="px-4 py-2.5 text-slate-600 dark:text-slate-400">{row.charged}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
