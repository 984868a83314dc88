"use client";

import { useRouter } from "next/navigation";
import { useCallback, useMemo, useRef, useState } from "react";
import { useDropzone, type FileRejection } from "react-dropzone";
import { savePendingEdit } from "@/components/checkout/pending-edit";
import { buttonStyles } from "@/components/ui/button";
import { ApiError, apiClient, uploadWithProgress } from "@/lib/api-client";
import { MAX_BATCH_ITEMS } from "@/lib/batches/schemas";
import {
  ACCEPTED_IMAGE_TYPES,
  ACCEPTED_LABEL,
  CANVAS_PRESET_IDS,
  MAX_UPLOAD_BYTES,
  UPLOAD_LIMITS_LABEL,
  type CanvasPreset,
  type OutputFormat,
  canvasLabel,
  formatBytes,
} from "@/lib/image/options";
import { useCreditBalance, useStartCreditBatchMutation } from "@/lib/queries/account";
import { useCreateBatchMutation } from "@/lib/queries/batches";
import { useCatalogQuery } from "@/lib/queries/catalog";
import { usePresetsQuery } from "@/lib/queries/presets";
import { cn, formatPrice } from "@/lib/utils";

const UPLOAD_CONCURRENCY = 3;

type Item = {
  key: string;
  name: string;
  size: number;
  previewUrl: string | null;
  state: "uploading" | "ready" | "refused";
  progress: number;
  assetId?: string;
  width?: number;
  height?: number;
  reason?: string;
};

type BackgroundMode = "preset" | "color" | "image" | "prompt";

const CANVASES = CANVAS_PRESET_IDS.map((id) => ({ id, label: canvasLabel(id) }));

function rejectionReason(rejection: FileRejection): string {
  const error = rejection.errors[0];
  if (error?.code === "file-too-large")
    return `${formatBytes(rejection.file.size)} is over the ${formatBytes(MAX_UPLOAD_BYTES)} limit`;
  if (error?.code === "file-invalid-type") return `not a ${ACCEPTED_LABEL} image`;
  return error?.message ?? "cannot be used";
}

let counter = 0;
const nextKey = () => `f${++counter}`;

export function BatchWorkbench() {
  const router = useRouter();
  const catalog = useCatalogQuery();
  const presets = usePresetsQuery("background");
  const createBatch = useCreateBatchMutation();
  const [items, setItems] = useState<Item[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [mode, setMode] = useState<BackgroundMode>("color");
  const [presetId, setPresetId] = useState<string | null>(null);
  const [color, setColor] = useState("#ffffff");
  const [prompt, setPrompt] = useState("");
  const [backgroundAsset, setBackgroundAsset] = useState<{ id: string; name: string } | null>(null);
  const [backgroundError, setBackgroundError] = useState<string | null>(null);
  const [shadow, setShadow] = useState(true);
  const [canvas, setCanvas] = useState<CanvasPreset>("square-2000");
  const [format, setFormat] = useState<OutputFormat>("jpeg");
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const queue = useRef<Array<{ key: string; file: File }>>([]);
  const active = useRef(0);
  // The first upload of a new visitor gets the owner cookie its photos belong to: parallel first
  // uploads would each start a different visitor, so one lane runs until the first answer is in.
  const ownerKnown = useRef(false);

  const update = useCallback(
    (key: string, patch: Partial<Item>) =>
      setItems((current) => current.map((item) => (item.key === key ? { ...item, ...patch } : item))),
    [],
  );

  /** Up to UPLOAD_CONCURRENCY lanes, each uploading queued files one after another. */
  const pump = useCallback(() => {
    const lane = async () => {
      for (let next = queue.current.shift(); next; next = queue.current.shift()) {
        const { key, file } = next;
        const form = new FormData();
        form.append("file", file);
        try {
          const asset = await uploadWithProgress<{ id: string; width: number; height: number }>({
            url: "/api/assets",
            form,
            onProgress: (progress) => update(key, { progress }),
          });
          update(key, { state: "ready", assetId: asset.id, width: asset.width, height: asset.height, progress: 1 });
        } catch (error) {
          update(key, { state: "refused", reason: error instanceof ApiError ? error.message : "the upload failed" });
        }
        if (!ownerKnown.current) {
          ownerKnown.current = true;
          openLanes();
        }
      }
      active.current--;
    };
    const openLanes = () => {
      const lanes = ownerKnown.current ? UPLOAD_CONCURRENCY : 1;
      while (active.current < lanes && queue.current.length > 0) {
        active.current++;
        void lane();
      }
    };
    openLanes();
  }, [update]);

  const onDrop = useCallback(
    (accepted: File[], rejected: FileRejection[]) => {
      setNotice(null);
      const room = MAX_BATCH_ITEMS - items.filter((item) => item.state !== "refused").length;
      const taken = accepted.slice(0, Math.max(0, room));
      if (accepted.length > taken.length)
        setNotice(`A batch holds at most ${MAX_BATCH_ITEMS} photos; ${accepted.length - taken.length} were left out.`);
      const fresh: Item[] = taken.map((file) => ({
        key: nextKey(),
        name: file.name,
        size: file.size,
        previewUrl: URL.createObjectURL(file),
        state: "uploading",
        progress: 0,
      }));
      const refused: Item[] = rejected.map((rejection) => ({
        key: nextKey(),
        name: rejection.file.name,
        size: rejection.file.size,
        previewUrl: null,
        state: "refused",
        progress: 0,
        reason: rejectionReason(rejection),
      }));
      setItems((current) => [...current, ...fresh, ...refused]);
      fresh.forEach((item, index) => queue.current.push({ key: item.key, file: taken[index]! }));
      pump();
    },
    [items, pump],
  );

  const { getRootProps, getInputProps, isDragActive } = useDropzone({
    accept: ACCEPTED_IMAGE_TYPES as unknown as Record<string, string[]>,
    maxSize: MAX_UPLOAD_BYTES,
    multiple: true,
    onDrop,
  });

  const ready = items.filter((item) => item.state === "ready");
  const uploading = items.some((item) => item.state === "uploading");
  const service = catalog.data?.services.find((candidate) => candidate.id === "background-change");
  const total = service ? service.priceMinor * ready.length : null;
  const credits = useCreditBalance();
  const startCreditBatch = useStartCreditBatchMutation();
  const sandbox = catalog.data?.paymentsMode !== "stripe";

  const look = useMemo(() => {
    const base = { shadow, canvas, format };
    if (mode === "preset") return presetId ? { ...base, backgroundPresetId: presetId } : null;
    if (mode === "color") return /^#[0-9a-fA-F]{6}$/.test(color) ? { ...base, backgroundColor: color } : null;
    if (mode === "image") return backgroundAsset ? { ...base, backgroundAssetId: backgroundAsset.id } : null;
    return prompt.trim() ? { ...base, backgroundPrompt: prompt.trim() } : null;
  }, [mode, presetId, color, backgroundAsset, prompt, shadow, canvas, format]);

  async function uploadBackground(file: File) {
    setBackgroundError(null);
    try {
      const form = new FormData();
      form.append("file", file);
      const asset = await uploadWithProgress<{ id: string }>({ url: "/api/assets", form });
      setBackgroundAsset({ id: asset.id, name: file.name });
    } catch (error) {
      setBackgroundError(error instanceof ApiError ? error.message : "The upload failed.");
    }
  }

  // Signed in with enough credits: one credit per photo from the balance, no checkout.
  const payWithCredits = credits !== null && ready.length > 0 && credits.balance >= ready.length;

  async function start() {
    if (!look || ready.length === 0) return;
    setSubmitting(true);
    setSubmitError(null);
    const batchItems = ready.map((item) => ({ imageAssetId: item.assetId }));
    try {
      if (payWithCredits && credits) {
        const batch = await startCreditBatch.mutateAsync({ items: batchItems, look, csrfToken: credits.csrfToken });
        router.push(`/batch/${batch.id}`);
        return;
      }
      const payment = await apiClient.post<{ paymentId: string; token?: string; checkoutUrl: string | null }>(
        "/api/payments",
        {
          serviceId: "background-change",
          units: ready.length,
          returnPath: "/batch",
        },
      );
      if (!payment.token) {
        if (!payment.checkoutUrl) throw new ApiError(500, "payment_incomplete", "The payment did not return a token.");
        // Stripe Checkout: the success page starts this batch with the payment's token (ResumePaidEdit).
        savePendingEdit({
          kind: "batch",
          paymentId: payment.paymentId,
          items: batchItems,
          look,
          label: `${ready.length} photos`,
          savedAt: Date.now(),
        });
        window.location.assign(payment.checkoutUrl);
        return;
      }
      const batch = await createBatch.mutateAsync({ items: batchItems, look, paymentToken: payment.token });
      router.push(`/batch/${batch.id}`);
    } catch (error) {
      setSubmitError(error instanceof ApiError ? error.message : "Could not start the batch; try again.");
      setSubmitting(false);
    }
  }

  const tab = (id: BackgroundMode, label: string) => (
    <button
      key={id}
      type="button"
      role="tab"
      aria-selected={mode === id}
      aria-controls={`bg-panel-${id}`}
      id={`bg-tab-${id}`}
      onClick={() => setMode(id)}
      className={cn(
        "rounded-lg px-3 py-1.5 text-sm font-medium",
        mode === id
          ? "bg-white text-slate-900 shadow-sm dark:bg-slate-800 dark:text-white"
          : "text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white",
      )}
    >
      {label}
    </button>
  );

  return (
    <div className="grid gap-8 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <section aria-labelledby="photos-heading" className="min-w-0">
        <h2 id="photos-heading" className="mb-3 text-lg font-semibold">
          1. Your product photos{" "}
          <span className="text-sm font-normal text-slate-500">
            ({ready.length} ready, up to {MAX_BATCH_ITEMS})
          </span>
        </h2>
        <div
          {...getRootProps({
            className: cn(
              "flex cursor-pointer flex-col items-center justify-center gap-2 rounded-2xl border-2 border-dashed px-6 py-12 text-center transition-colors",
              isDragActive
                ? "border-brand-500 bg-brand-50 dark:bg-brand-950/40"
                : "border-slate-300 bg-slate-50 hover:border-brand-400 hover:bg-brand-50/50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800",
            ),
            "aria-label": "Drop product photos here, or click to choose several",
          })}
        >
          <input {...getInputProps({ "aria-label": "Choose product photos" })} />
          <p className="font-medium">
            {isDragActive ? "Release to add these photos" : "Drop up to 100 product photos"}
          </p>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            or click to choose · {ACCEPTED_LABEL} · {UPLOAD_LIMITS_LABEL} each
          </p>
        </div>
        {notice ? (
          <p role="status" className="mt-3 text-sm text-amber-700 dark:text-amber-300">
            {notice}
          </p>
        ) : null}
        {items.length > 0 ? (
          <ul
            className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-3 xl:grid-cols-4"
            aria-label="Photos in this batch"
            data-testid="batch-files"
          >
            {items.map((item) => (
              <li
                key={item.key}
                className={cn(
                  "overflow-hidden rounded-xl border bg-white text-sm shadow-sm dark:bg-slate-900",
                  item.state === "refused"
                    ? "border-red-300 dark:border-red-900"
                    : "border-slate-200 dark:border-slate-800",
                )}
              >
                <div className="relative aspect-square bg-slate-100 dark:bg-slate-800">
                  {item.previewUrl ? (
                    // eslint-disable-next-line @next/next/no-img-element -- local object URL preview
                    <img src={item.previewUrl} alt="" className="h-full w-full object-cover" />
                  ) : (
                    <div className="flex h-full items-center justify-center text-slate-400">No preview</div>
                  )}
                  <button
                    type="button"
                    onClick={() => setItems((current) => current.filter((candidate) => candidate.key !== item.key))}
                    className="absolute top-1.5 right-1.5 rounded-full bg-white/90 px-2 py-0.5 text-xs text-slate-700 shadow hover:bg-white dark:bg-slate-900/90 dark:text-slate-200"
                    aria-label={`Remove ${item.name}`}
                  >
                    ✕
                  </button>
                </div>
                <div className="p-2">
                  <p className="truncate font-medium" title={item.name}>
                    {item.name}
                  </p>
                  {item.state === "uploading" ? (
                    <div
                      className="mt-1 h-1.5 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
                      role="progressbar"
                      aria-label={`Uploading ${item.name}`}
                      aria-valuenow={Math.round(item.progress * 100)}
                      aria-valuemin={0}
                      aria-valuemax={100}
                    >
                      <div className="h-full bg-brand-500" style={{ width: `${Math.round(item.progress * 100)}%` }} />
                    </div>
                  ) : item.state === "ready" ? (
                    <p className="text-xs text-emerald-700 dark:text-emerald-400">
                      Ready · {item.width}×{item.height}
                    </p>
                  ) : (
                    <p className="text-xs text-red-700 dark:text-red-300" role="alert">
                      Refused: {item.reason}
                    </p>
                  )}
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <aside className="space-y-6 lg:sticky lg:top-6 lg:self-start">
        <section
          aria-labelledby="look-heading"
          className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
          <h2 id="look-heading" className="mb-3 text-lg font-semibold">
            2. One look for all
          </h2>
          <div
            role="tablist"
            aria-label="Background"
            className="mb-4 inline-flex flex-wrap gap-1 rounded-xl bg-slate-100 p-1 dark:bg-slate-950"
          >
            {tab("color", "Colour")}
            {tab("preset", "Preset")}
            {tab("image", "Own image")}
            {tab("prompt", "Describe")}
          </div>
          <div role="tabpanel" id={`bg-panel-${mode}`} aria-labelledby={`bg-tab-${mode}`}>
            {mode === "color" ? (
              <div className="flex items-center gap-3">
                <label htmlFor="bg-color" className="text-sm">
                  Background colour
                </label>
                <input
                  id="bg-color"
                  type="color"
                  value={color}
                  onChange={(event) => setColor(event.target.value)}
                  className="h-9 w-14 cursor-pointer rounded border border-slate-300"
                />
                <code className="text-xs">{color}</code>
              </div>
            ) : mode === "preset" ? (
              presets.isLoading ? (
                <p className="text-sm text-slate-500">Loading presets…</p>
              ) : (
                <ul className="grid max-h-64 grid-cols-3 gap-2 overflow-y-auto" aria-label="Background presets">
                  {(presets.data ?? []).map((preset) => (
                    <li key={preset.id}>
                      <button
                        type="button"
                        onClick={() => setPresetId(preset.id)}
                        aria-pressed={presetId === preset.id}
                        className={cn(
                          "block w-full overflow-hidden rounded-lg border-2 text-left",
                          presetId === preset.id ? "border-brand-500" : "border-transparent hover:border-slate-300",
                        )}
                      >
                        {/* eslint-disable-next-line @next/next/no-img-element -- small generated thumbnails */}
                        <img
                          src={preset.thumbnailUrl}
                          alt=""
                          className="aspect-square w-full object-cover"
                          loading="lazy"
                        />
                        <span className="block truncate px-1 py-0.5 text-xs">{preset.name}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              )
            ) : mode === "image" ? (
              <div className="space-y-2">
                <label htmlFor="bg-image" className="text-sm">
                  Background image
                </label>
                <input
                  id="bg-image"
                  type="file"
                  accept="image/jpeg,image/png,image/webp"
                  onChange={(event) => {
                    const file = event.target.files?.[0];
                    if (file) void uploadBackground(file);
                  }}
                  className="block w-full text-sm"
                />
                {backgroundAsset ? <p className="text-xs text-emerald-700">Using {backgroundAsset.name}</p> : null}
                {backgroundError ? (
                  <p role="alert" className="text-xs text-red-700">
                    {backgroundError}
                  </p>
                ) : null}
              </div>
            ) : (
              <div>
                <label htmlFor="bg-prompt" className="mb-1 block text-sm">
                  Describe the background
                </label>
                <input
                  id="bg-prompt"
                  value={prompt}
                  maxLength={300}
                  onChange={(event) => setPrompt(event.target.value)}
                  placeholder="white marble, soft daylight"
                  className="block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
                />
              </div>
            )}
          </div>
          <div className="mt-5 space-y-4 border-t border-slate-200 pt-4 dark:border-slate-800">
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={shadow}
                onChange={(event) => setShadow(event.target.checked)}
                className="h-4 w-4 rounded border-slate-300"
              />
              Soft contact shadow under each product
            </label>
            <div>
              <label htmlFor="bg-canvas" className="mb-1 block text-sm">
                Output size
              </label>
              <select
                id="bg-canvas"
                value={canvas}
                onChange={(event) => setCanvas(event.target.value as typeof canvas)}
                className="block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
              >
                {CANVASES.map((option) => (
                  <option key={option.id} value={option.id}>
                    {option.label}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="bg-format" className="mb-1 block text-sm">
                File format
              </label>
              <select
                id="bg-format"
                value={format}
                onChange={(event) => setFormat(event.target.value as typeof format)}
                className="block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
              >
                <option value="jpeg">JPEG</option>
                <option value="png">PNG</option>
                <option value="webp">WebP</option>
              </select>
            </div>
          </div>
        </section>

        <section
          aria-labelledby="pay-heading"
          className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
          <h2 id="pay-heading" className="mb-2 text-lg font-semibold">
            3. Pay once, per photo
          </h2>
          <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="batch-price">
            {service && total !== null
              ? `${ready.length} × ${formatPrice(service.priceMinor, service.currency)} = ${formatPrice(total, service.currency)}`
              : "Loading the price…"}
          </p>
          <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            A photo that fails is never charged; you can retry failures at no extra cost.
          </p>
          {sandbox ? (
            <p className="mt-2 inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 dark:bg-amber-950 dark:text-amber-300">
              Sandbox payments: no money moves
            </p>
          ) : null}
          {catalog.data && !sandbox ? (
            <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
              You pay on Stripe Checkout; the batch starts by itself when you come back.
            </p>
          ) : null}
          <button
            type="button"
            className={buttonStyles({ size: "lg", className: "mt-4 w-full" })}
            disabled={!look || ready.length === 0 || uploading || submitting}
            onClick={() => void start()}
          >
            {submitting
              ? "Starting…"
              : uploading
                ? "Waiting for uploads…"
                : ready.length === 0
                  ? "Add photos to start"
                  : !look
                    ? "Choose a background"
                    : payWithCredits
                      ? `Use ${ready.length} credit${ready.length === 1 ? "" : "s"} and process ${ready.length} photo${ready.length === 1 ? "" : "s"}`
                      : `Pay and process ${ready.length} photo${ready.length === 1 ? "" : "s"}`}
          </button>
          {credits ? (
            <p className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="batch-balance">
              Your account has {credits.balance} credit{credits.balance === 1 ? "" : "s"}
              {payWithCredits
                ? "; one is spent per photo that succeeds."
                : ready.length > 0
                  ? ` — not enough for ${ready.length} photos, so this batch is paid by card.`
                  : "."}
            </p>
          ) : null}
          {submitError ? (
            <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-300">
              {submitError}
            </p>
          ) : null}
        </section>
      </aside>
    </div>
  );
}
