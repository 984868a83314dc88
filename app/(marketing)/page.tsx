import { IntentLink } from "@/components/layout/intent-link";
import { listServices } from "@/lib/catalog/catalog";
import { ACCEPTED_LABEL, UPLOAD_LIMITS_LABEL } from "@/lib/image/options";
import { formatPrice } from "@/lib/utils";

export const dynamic = "force-dynamic";

const STEPS = [
  {
    title: "Upload",
    text: `Drop, paste or pick a ${ACCEPTED_LABEL} photo ${UPLOAD_LIMITS_LABEL}, straight from the camera.`,
  },
  {
    title: "Preview for free",
    text: "Try skies and backgrounds side by side as watermarked previews before you pay a cent.",
  },
  {
    title: "Pay per edit",
    text: "Pay only for the result you keep, at full resolution. A failed edit is never charged.",
  },
];

const CURL = `curl -X POST $HOST/api/tools/sky-replacement \\
  -H 'Content-Type: application/json' \\
  -d '{"ImageURL":"https://…/photo.jpg","ReplaceImageURL":"https://…/sky.jpg"}'
# → 402 Payment Required: how to pay, the price, POST /api/payments
# → retry with  X-Payment-Token: <token>`;

export default async function LandingPage() {
  const services = await listServices();
  return (
    <>
      <section className="relative overflow-hidden">
        <div
          aria-hidden
          className="absolute inset-0 -z-10 bg-gradient-to-b from-sky-200 via-brand-50 to-white dark:from-slate-900 dark:via-slate-950 dark:to-slate-950"
        />
        <div
          aria-hidden
          className="absolute -top-24 right-[-10%] -z-10 h-96 w-96 bg-[radial-gradient(closest-side,rgb(251_146_60/0.3),transparent)]"
        />
        <div className="mx-auto grid max-w-6xl items-center gap-10 px-4 py-16 sm:py-24 lg:grid-cols-2">
          <div>
            <p className="mb-3 inline-flex rounded-full border border-brand-200 bg-white/70 px-3 py-1 text-xs font-medium text-brand-700 dark:border-brand-800 dark:bg-slate-900 dark:text-brand-300">
              Self-hostable · works offline · pay per edit
            </p>
            <h1 className="text-4xl font-bold tracking-tight text-balance sm:text-5xl">
              A better sky. A cleaner background. One photo at a time.
            </h1>
            <p className="mt-5 max-w-xl text-lg text-slate-700 dark:text-slate-300">
              Backdrop replaces skies, changes and removes backgrounds, and cuts masks from a prompt — at your
              photo&apos;s full resolution. Preview every look free; pay only for the one you keep.
            </p>
            <div className="mt-8 flex flex-wrap gap-3">
              <IntentLink
                href="/studio"
                className="rounded-lg bg-brand-600 px-5 py-3 font-medium text-white shadow-sm hover:bg-brand-700"
              >
                Open the studio
              </IntentLink>
              <IntentLink
                href="/docs/api"
                className="rounded-lg border border-slate-300 bg-white px-5 py-3 font-medium text-slate-800 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800"
              >
                API &amp; MCP for programs
              </IntentLink>
            </div>
          </div>
          <HeroIllustration />
        </div>
      </section>

      <section aria-labelledby="services" className="mx-auto max-w-6xl px-4 py-16" id="pricing">
        <h2 id="services" className="text-2xl font-semibold tracking-tight">
          Four edits, one price each
        </h2>
        <p className="mt-2 text-slate-600 dark:text-slate-400">
          No subscription and no credits to expire. Prices per finished, full-resolution image.
        </p>
        <ul className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {services.map((service) => (
            <li
              key={service.id}
              className="flex flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900"
            >
              <h3 className="font-semibold">{service.name}</h3>
              <p className="mt-2 flex-1 text-sm text-slate-600 dark:text-slate-400">{service.description}</p>
              <p className="mt-4 text-2xl font-bold">
                {formatPrice(service.priceMinor, service.currency)}
                <span className="ml-1 text-sm font-normal text-slate-500 dark:text-slate-400">per image</span>
              </p>
            </li>
          ))}
        </ul>
      </section>

      <section
        aria-labelledby="how"
        className="border-y border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-900/50"
      >
        <div className="mx-auto max-w-6xl px-4 py-16">
          <h2 id="how" className="text-2xl font-semibold tracking-tight">
            How it works
          </h2>
          <ol className="mt-8 grid gap-6 sm:grid-cols-3">
            {STEPS.map((step, index) => (
              <li key={step.title} className="rounded-xl bg-white p-5 shadow-sm dark:bg-slate-900">
                <span className="flex h-8 w-8 items-center justify-center rounded-full bg-brand-600 text-sm font-semibold text-white">
                  {index + 1}
                </span>
                <h3 className="mt-3 font-semibold">{step.title}</h3>
                <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{step.text}</p>
              </li>
            ))}
          </ol>
        </div>
      </section>

      <section aria-labelledby="programs" className="mx-auto grid max-w-6xl gap-8 px-4 py-16 lg:grid-cols-2">
        <div>
          <h2 id="programs" className="text-2xl font-semibold tracking-tight">
            Built for programs and AI agents too
          </h2>
          <p className="mt-3 text-slate-700 dark:text-slate-300">
            Every edit is an HTTP tool that answers{" "}
            <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">402 Payment Required</code> until it is paid,
            Server402-style, and the same tools are served over MCP. Drop-in compatible with the Aliyun ChangeSky input
            keys (<code>ImageURL</code>, <code>ReplaceImageURL</code>).
          </p>
          <ul className="mt-4 space-y-2 text-sm text-slate-700 dark:text-slate-300">
            <li>• A JSON body that tells a program exactly how to pay</li>
            <li>• Single-use payment tokens, captured only when the edit succeeds</li>
            <li>
              • OpenAPI document and an MCP server at <code>/api/mcp</code>
            </li>
          </ul>
        </div>
        <pre
          tabIndex={0}
          className="overflow-x-auto rounded-xl bg-slate-900 p-5 text-sm leading-relaxed text-slate-100"
        >
          <code>{CURL}</code>
        </pre>
      </section>
    </>
  );
}

function HeroIllustration() {
  return (
    <div
      aria-hidden
      className="relative mx-auto aspect-[4/3] w-full max-w-lg overflow-hidden rounded-2xl shadow-2xl ring-1 ring-slate-900/10"
    >
      <div className="absolute inset-0 bg-gradient-to-b from-slate-400 via-slate-300 to-slate-200" />
      <div className="absolute inset-y-0 right-0 w-1/2 bg-gradient-to-b from-indigo-500 via-sunset-400 to-amber-200" />
      <svg viewBox="0 0 400 300" className="absolute inset-0 h-full w-full" preserveAspectRatio="none">
        <path
          d="M0 210 L60 150 L110 190 L170 120 L230 185 L290 140 L350 190 L400 160 L400 300 L0 300 Z"
          fill="#1e293b"
        />
        <path d="M0 250 L80 220 L160 245 L250 215 L330 240 L400 225 L400 300 L0 300 Z" fill="#0f172a" />
      </svg>
      <div className="absolute inset-y-0 left-1/2 w-0.5 bg-white/90" />
      <div className="absolute left-1/2 top-1/2 flex h-9 w-9 -translate-x-1/2 -translate-y-1/2 items-center justify-center rounded-full bg-white text-slate-700 shadow">
        ⇆
      </div>
      <span className="absolute bottom-3 left-3 rounded bg-black/50 px-2 py-0.5 text-xs text-white">Before</span>
      <span className="absolute bottom-3 right-3 rounded bg-black/50 px-2 py-0.5 text-xs text-white">After</span>
    </div>
  );
}
