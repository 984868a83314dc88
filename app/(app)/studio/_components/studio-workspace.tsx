"use client";

import dynamic from "next/dynamic";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { buttonStyles } from "@/components/ui/button";
import { UploadDropzone, type UploadedAsset } from "@/components/upload/upload-dropzone";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, apiClient, uploadWithProgress } from "@/lib/api-client";
import type { ServiceId } from "@/lib/catalog/services";
import { canvasOutputSize, formatBytes } from "@/lib/image/options";
import { CreditPayButton } from "@/components/account/credit-pay";
import { useCreditBalance } from "@/lib/queries/account";
import { useCatalogQuery } from "@/lib/queries/catalog";
import { presetsQueryOptions } from "@/lib/queries/presets";
import { usePreviewMutation } from "@/lib/queries/previews";
import type { Preview } from "@/lib/queries/types";
import { cn, formatPrice } from "@/lib/utils";
import { buildInput, DEFAULT_OPTIONS, type EditOptions } from "./edit-model";
import { EditPanel } from "./edit-panel";
import type { Photo } from "./studio";

// Shown only after a preview, a payment or a click: loaded on demand, not with the page.
const StageLoading = () => (
  <div className="aspect-[4/3] w-full animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-900" aria-busy="true" />
);
const CompareSlider = dynamic(() => import("@/components/compare/compare-slider").then((m) => m.CompareSlider), {
  ssr: false,
  loading: StageLoading,
});
const JobView = dynamic(() => import("@/components/jobs/job-view").then((m) => m.JobView), {
  ssr: false,
  loading: StageLoading,
});
const MaskBrush = dynamic(() => import("./mask-brush").then((m) => m.MaskBrush), { ssr: false, loading: StageLoading });
const CheckoutDialog = dynamic(() => import("./checkout-dialog").then((m) => m.CheckoutDialog), { ssr: false });

type Look = { key: string; serviceId: ServiceId; label: string; options: EditOptions; preview: Preview };
type PreviewProblem = { code: string; message: string };

const MAX_LOOKS = 8;

/** The first look's first guess: a daytime sky (most photos); the engine then names the skies that suit the photo's light. */
const FIRST_SKY = "clear-blue";

/** What the studio did on its own right after the upload. */
type FirstLook =
  { state: "working" } | { state: "sky"; timeOfDay: string | null } | { state: "cutout" } | { state: "failed" };

const TIME_OF_DAY_WORDS: Record<string, string> = {
  day: "daylight",
  "golden-hour": "golden-hour light",
  sunset: "sunset light",
  dusk: "dusk light",
  night: "night light",
};

function firstLookMessage(first: FirstLook): string {
  switch (first.state) {
    case "working":
      return "Preparing a first look…";
    case "sky":
      return `First look: a new sky matched to your photo's ${first.timeOfDay ? (TIME_OF_DAY_WORDS[first.timeOfDay] ?? "light") : "light"}. Pick any other look on the right.`;
    case "cutout":
      return "No sky was found in this photo, so here is the subject cut out on white. Pick another background on the right.";
    case "failed":
      return "Choose a look on the right, then press “Preview free”.";
  }
}

function previewMessage(problem: PreviewProblem): string {
  switch (problem.code) {
    case "no_sky_detected":
      return "We couldn't find the sky — paint it with the brush and we'll use your marks.";
    case "sky_uncertain":
      return "We couldn't tell the sky's outline reliably — paint it with the brush and we'll use your marks.";
    case "no_subject_detected":
      return "We couldn't find a clear subject in this photo. Try a photo where the subject stands out.";
    case "rate_limited":
      return problem.message;
    case "prompt_not_supported":
      return `${problem.message} Try one of the suggestions.`;
    default:
      return problem.message || "The preview failed. Try again.";
  }
}

/** Full output size of a paid edit (what the user will download). */
function outputSize(serviceId: ServiceId, options: EditOptions, photo: { width: number; height: number }) {
  if (serviceId !== "background-change") return photo;
  return canvasOutputSize(options["background-change"].canvas, photo);
}

type Props = {
  photo: Photo;
  /** Another photo was uploaded from the workspace. */
  onPhotoChange: (asset: UploadedAsset, previewUrl: string) => void;
};

/** Everything after the upload: the edit tabs, previews, the brush, checkout and the result. */
export function StudioWorkspace({ photo, onPhotoChange }: Props) {
  const [tab, setTab] = useState<ServiceId>("sky-replacement");
  const [options, setOptions] = useState<EditOptions>(DEFAULT_OPTIONS);
  const [looks, setLooks] = useState<Look[]>([]);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [compareKey, setCompareKey] = useState<string>("original");
  const [problem, setProblem] = useState<PreviewProblem | null>(null);
  const [brushOpen, setBrushOpen] = useState(false);
  const [hintsBusy, setHintsBusy] = useState(false);
  const [checkoutOpen, setCheckoutOpen] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [firstLook, setFirstLook] = useState<FirstLook | null>(null);
  const firstLookFor = useRef<string | null>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const catalog = useCatalogQuery();
  const preview = usePreviewMutation();
  const queryClient = useQueryClient();

  // A first look without a click: a sky matched to the photo's light when it has a sky, else the
  // cut-out on white. Masks are computed once by the server, so the second render here is cheap.
  useEffect(() => {
    const assetId = photo.asset.id;
    if (firstLookFor.current === assetId) return;
    firstLookFor.current = assetId;
    const current = () => firstLookFor.current === assetId;
    const render = async <S extends ServiceId>(serviceId: S, all: EditOptions): Promise<Look> => {
      const next = buildInput({ serviceId, imageAssetId: assetId, options: all[serviceId] });
      if (!next.ok) throw new Error(next.reason);
      const result = await apiClient.post<Preview>("/api/previews", { serviceId, input: next.input });
      return { key: result.id, serviceId, label: next.label, options: all, preview: result };
    };
    const show = (look: Look) => {
      setLooks((previous) => [look, ...previous].slice(0, MAX_LOOKS));
      setSelectedKey(look.key);
      setTab(look.serviceId);
      setOptions(look.options);
    };
    const withSky = (id: string, name: string | null): EditOptions => ({
      ...DEFAULT_OPTIONS,
      "sky-replacement": { ...DEFAULT_OPTIONS["sky-replacement"], source: "preset", presetId: id, presetName: name },
    });
    void (async () => {
      setFirstLook({ state: "working" });
      const skies = await queryClient.fetchQuery(presetsQueryOptions("sky")).catch(() => []);
      const nameOf = (id: string) => skies.find((preset) => preset.id === id)?.name ?? null;
      try {
        let look = await render("sky-replacement", withSky(FIRST_SKY, nameOf(FIRST_SKY)));
        const meta = look.preview.meta;
        const matching = Array.isArray(meta.matchingSkies) ? meta.matchingSkies[0] : undefined;
        if (typeof matching === "string" && matching !== FIRST_SKY && current()) {
          look = await render("sky-replacement", withSky(matching, nameOf(matching)));
        }
        if (!current()) return;
        show(look);
        const light = meta.photoLight as { timeOfDay?: unknown } | undefined;
        setFirstLook({ state: "sky", timeOfDay: typeof light?.timeOfDay === "string" ? light.timeOfDay : null });
      } catch (error) {
        if (!current()) return;
        if (!(error instanceof ApiError && error.code === "no_sky_detected")) {
          setFirstLook({ state: "failed" });
          return;
        }
        try {
          const cutout: EditOptions = {
            ...DEFAULT_OPTIONS,
            "background-change": { ...DEFAULT_OPTIONS["background-change"], source: "color", color: "#ffffff" },
          };
          const look = await render("background-change", cutout);
          if (!current()) return;
          show(look);
          setFirstLook({ state: "cutout" });
        } catch {
          if (current()) setFirstLook({ state: "failed" });
        }
      }
    })();
  }, [photo.asset.id, queryClient]);

  const onUploaded = useCallback(
    (asset: UploadedAsset, previewUrl: string) => {
      onPhotoChange(asset, previewUrl);
      setLooks([]);
      setSelectedKey(null);
      setCompareKey("original");
      setProblem(null);
      setBrushOpen(false);
      setJobId(null);
      setOptions((current) => ({
        ...current,
        "sky-replacement": { ...current["sky-replacement"], hintsAssetId: null },
      }));
    },
    [onPhotoChange],
  );

  const setServiceOptions = useCallback(<S extends ServiceId>(serviceId: S, patch: Partial<EditOptions[S]>) => {
    setOptions((current) => ({ ...current, [serviceId]: { ...current[serviceId], ...patch } }));
  }, []);

  const built = useMemo(
    () => buildInput({ serviceId: tab, imageAssetId: photo.asset.id, options: options[tab] }),
    [photo, tab, options],
  );
  const service = catalog.data?.services.find((candidate) => candidate.id === tab);
  const selected = looks.find((look) => look.key === selectedKey) ?? null;
  const compareLook = looks.find((look) => look.key === compareKey) ?? null;
  const skySuggestion = useMemo(() => {
    const meta = looks.find((look) => look.serviceId === "sky-replacement")?.preview.meta;
    const light = meta?.photoLight as { timeOfDay?: unknown } | undefined;
    const ids = meta?.matchingSkies;
    return typeof light?.timeOfDay === "string" && Array.isArray(ids)
      ? { timeOfDay: light.timeOfDay, ids: ids.filter((id): id is string => typeof id === "string") }
      : null;
  }, [looks]);

  const runPreview = useCallback(
    (override?: EditOptions) => {
      const current = override ?? options;
      const next = buildInput({ serviceId: tab, imageAssetId: photo.asset.id, options: current[tab] });
      if (!next.ok) return setProblem({ code: "incomplete", message: next.reason });
      setProblem(null);
      preview.mutate(
        { serviceId: tab, input: next.input },
        {
          onSuccess: (result) => {
            const look: Look = { key: result.id, serviceId: tab, label: next.label, options: current, preview: result };
            setLooks((previous) => [look, ...previous].slice(0, MAX_LOOKS));
            setSelectedKey(look.key);
            setBrushOpen(false);
            setFirstLook(null);
          },
          onError: (error) => {
            setProblem(
              error instanceof ApiError
                ? { code: error.code, message: error.message }
                : { code: "network_error", message: "The preview failed; check your connection." },
            );
          },
        },
      );
    },
    [photo, options, tab, preview],
  );

  const applyHints = async (hints: Blob) => {
    setHintsBusy(true);
    try {
      const form = new FormData();
      form.append("file", new File([hints], "sky-hints.png", { type: "image/png" }));
      const asset = await uploadWithProgress<UploadedAsset>({ url: "/api/assets", form });
      const next = { ...options, "sky-replacement": { ...options["sky-replacement"], hintsAssetId: asset.id } };
      setOptions(next);
      setTab("sky-replacement");
      runPreview(next);
    } catch (error) {
      setProblem({
        code: "upload_failed",
        message: error instanceof ApiError ? error.message : "Your marks could not be saved. Try again.",
      });
    } finally {
      setHintsBusy(false);
    }
  };

  const selectLook = (look: Look) => {
    setSelectedKey(look.key);
    setTab(look.serviceId);
    setOptions(look.options);
    if (compareKey === look.key) setCompareKey("original");
  };

  // Bring the stage into view when what it shows changes (on phones the controls sit below it).
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage || (!jobId && !brushOpen && !selectedKey)) return;
    if (stage.getBoundingClientRect().top < 0 || stage.getBoundingClientRect().top > window.innerHeight * 0.6) {
      stage.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }, [jobId, brushOpen, selectedKey]);

  const { asset } = photo;
  const original = { src: photo.previewUrl, width: asset.width, height: asset.height };
  const price = service ? formatPrice(service.priceMinor, service.currency) : null;
  const size = outputSize(tab, options, asset);
  const canPay = Boolean(built.ok && service && service.enabled);
  // Signed in with credits: the edit is paid from the balance, no checkout.
  const credits = useCreditBalance();
  const isPreviewing = preview.isPending || firstLook?.state === "working";

  let stage: ReactNode;
  if (jobId) {
    stage = <JobView jobId={jobId} localBefore={original} onTryAnother={() => setJobId(null)} />;
  } else if (brushOpen) {
    stage = (
      <MaskBrush
        photo={original}
        busy={hintsBusy || isPreviewing}
        onApply={(blob) => void applyHints(blob)}
        onCancel={() => setBrushOpen(false)}
      />
    );
  } else if (selected) {
    const before = compareLook
      ? {
          src: compareLook.preview.url,
          width: compareLook.preview.width,
          height: compareLook.preview.height,
          alt: `Preview: ${compareLook.label}`,
          label: compareLook.label,
        }
      : { ...original, alt: "Your original photo", label: "Original" };
    stage = (
      <div className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm">
            <span className="font-medium">Preview:</span> {selected.label}{" "}
            <span className="text-slate-600 dark:text-slate-400">
              · {selected.preview.width} × {selected.preview.height} px, lightly watermarked · “Zoom to 100 %” shows it
              pixel for pixel
            </span>
          </p>
          <label className="flex items-center gap-2 text-sm">
            Compare with
            <select
              value={compareKey}
              onChange={(event) => setCompareKey(event.target.value)}
              className="rounded-lg border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
            >
              <option value="original">Original</option>
              {looks
                .filter((look) => look.key !== selected.key)
                .map((look) => (
                  <option key={look.key} value={look.key}>
                    {look.label}
                  </option>
                ))}
            </select>
          </label>
        </div>
        <CompareSlider
          key={`${selected.key}:${compareKey}`}
          before={before}
          after={{
            src: selected.preview.url,
            width: selected.preview.width,
            height: selected.preview.height,
            alt: `Preview: ${selected.label}`,
            label: selected.label,
          }}
          transparent={selected.serviceId === "background-removal"}
        />
      </div>
    );
  } else {
    stage = (
      <figure className="overflow-hidden rounded-2xl border border-slate-200 bg-slate-100 dark:border-slate-800 dark:bg-slate-900">
        {/* eslint-disable-next-line @next/next/no-img-element -- a local blob URL of the user's own photo */}
        <img
          src={photo.previewUrl}
          alt="Your uploaded photo"
          width={asset.width}
          height={asset.height}
          className="mx-auto h-auto max-h-[70vh] w-auto max-w-full object-contain"
        />
        <figcaption className="border-t border-slate-200 px-4 py-3 text-sm text-slate-600 dark:border-slate-800 dark:text-slate-400">
          {firstLook?.state === "working"
            ? "Your first look is on its way…"
            : "Choose a look on the right, then press “Preview free”."}
        </figcaption>
      </figure>
    );
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <div ref={stageRef} className="min-w-0 scroll-mt-4 space-y-4">
        {firstLook && !jobId && (
          <p
            role="status"
            data-testid="first-look-note"
            data-state={firstLook.state}
            className="flex items-center gap-2 rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700 dark:bg-slate-900 dark:text-slate-300"
          >
            {firstLook.state === "working" && (
              <span
                aria-hidden
                className="h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent"
              />
            )}
            {firstLookMessage(firstLook)}
          </p>
        )}
        {stage}
        {looks.length > 0 && !jobId && (
          <section aria-labelledby="looks-heading">
            <h2 id="looks-heading" className="mb-2 text-sm font-semibold">
              Your looks{" "}
              <span className="font-normal text-slate-600 dark:text-slate-400">
                · click one to see it, pick another in “Compare with”
              </span>
            </h2>
            <ul className="flex gap-2 overflow-x-auto pb-2" data-testid="look-strip">
              {looks.map((look) => (
                <li key={look.key} className="shrink-0">
                  <button
                    type="button"
                    onClick={() => selectLook(look)}
                    aria-pressed={look.key === selectedKey}
                    className={cn(
                      "block w-28 overflow-hidden rounded-lg border-2 text-left",
                      look.key === selectedKey
                        ? "border-brand-600"
                        : "border-transparent hover:border-slate-300 dark:hover:border-slate-600",
                    )}
                  >
                    {/* eslint-disable-next-line @next/next/no-img-element -- small signed preview links */}
                    <img
                      src={look.preview.url}
                      alt=""
                      width={look.preview.width}
                      height={look.preview.height}
                      loading="lazy"
                      className={cn(
                        "block aspect-[4/3] w-full object-cover",
                        look.serviceId === "background-removal" ? "checkerboard" : "bg-slate-200 dark:bg-slate-800",
                      )}
                    />
                    <span className="block truncate px-1.5 py-1 text-xs">{look.label}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>

      <aside className="space-y-4" aria-label="Edit settings">
        <div className="rounded-2xl border border-slate-200 p-4 dark:border-slate-800">
          <EditPanel
            tab={tab}
            onTabChange={setTab}
            options={options}
            onOptionsChange={setServiceOptions}
            onOpenBrush={() => {
              setJobId(null);
              setBrushOpen(true);
            }}
            skySuggestion={skySuggestion}
          />
        </div>

        <div className="space-y-3 rounded-2xl border border-slate-200 p-4 dark:border-slate-800">
          <button
            type="button"
            onClick={() => runPreview()}
            disabled={isPreviewing || !built.ok}
            className={buttonStyles({ variant: "secondary", className: "w-full" })}
            data-testid="preview-button"
          >
            {isPreviewing ? (
              <>
                <span
                  aria-hidden
                  className="h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent"
                />{" "}
                Rendering preview…
              </>
            ) : (
              "Preview free"
            )}
          </button>
          {!built.ok && <p className="text-sm text-slate-600 dark:text-slate-400">{built.reason}</p>}
          <div aria-live="polite">
            {problem && (
              <div
                role="alert"
                className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
                data-testid="preview-problem"
              >
                <p>{previewMessage(problem)}</p>
                {(problem.code === "no_sky_detected" || problem.code === "sky_uncertain") && (
                  <button
                    type="button"
                    onClick={() => setBrushOpen(true)}
                    className="font-semibold underline underline-offset-2"
                  >
                    Paint the sky
                  </button>
                )}
              </div>
            )}
          </div>
          <hr className="border-slate-200 dark:border-slate-800" />
          <div className="flex items-baseline justify-between text-sm">
            <span className="text-slate-600 dark:text-slate-400">
              Full resolution · {size.width} × {size.height} px
            </span>
            <span className="text-lg font-semibold" data-testid="price">
              {price ?? (catalog.isError ? "—" : "…")}
            </span>
          </div>
          {credits && credits.balance > 0 ? (
            <CreditPayButton
              credits={credits}
              serviceId={tab}
              input={built.ok ? built.input : null}
              disabled={!canPay}
              onStarted={(id) => {
                setBrushOpen(false);
                setJobId(id);
              }}
            />
          ) : (
            <button
              type="button"
              onClick={() => setCheckoutOpen(true)}
              disabled={!canPay}
              className={buttonStyles({ size: "lg", className: "w-full" })}
              data-testid="pay-button"
            >
              {price ? `Pay ${price} & download` : "Pay & download"}
            </button>
          )}
          <p className="text-xs text-slate-600 dark:text-slate-400">
            You only pay for the result you keep. A failed edit is never charged.
          </p>
          {catalog.isError && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              Prices could not be loaded; paying is unavailable right now.
            </p>
          )}
        </div>

        <div className="space-y-3 rounded-2xl border border-slate-200 p-4 text-sm dark:border-slate-800">
          <div className="flex items-center gap-3">
            {/* eslint-disable-next-line @next/next/no-img-element -- a local blob URL of the user's own photo */}
            <img
              src={photo.previewUrl}
              alt=""
              width={asset.width}
              height={asset.height}
              className="h-12 w-12 shrink-0 rounded-md object-cover"
            />
            <div className="min-w-0">
              <p className="truncate font-medium">{asset.fileName ?? "Photo"}</p>
              <p data-testid="photo-dimensions" className="text-slate-600 dark:text-slate-400">
                {asset.width} × {asset.height} px · {formatBytes(asset.bytes)}
              </p>
            </div>
          </div>
          <UploadDropzone onUploaded={onUploaded} compact label="Use another photo" />
        </div>
      </aside>

      {checkoutOpen && service && built.ok && catalog.data && (
        <CheckoutDialog
          open
          onClose={() => setCheckoutOpen(false)}
          service={service}
          paymentsMode={catalog.data.paymentsMode}
          edit={{ serviceId: tab, input: built.input, label: built.label }}
          outputSize={size}
          onStarted={(id) => {
            setCheckoutOpen(false);
            setBrushOpen(false);
            setJobId(id);
          }}
        />
      )}
    </div>
  );
}
