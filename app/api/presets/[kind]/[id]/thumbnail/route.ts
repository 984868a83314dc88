import { route } from "@/lib/http";
import { getPresetThumbnail, parsePresetKind } from "@/lib/previews/presets";

export const runtime = "nodejs";

// GET /api/presets/{kind}/{id}/thumbnail – a preset's 320×200 WebP thumbnail (long cache)
export const GET = route<{ kind: string; id: string }>(async ({ params }) => {
  const bytes = await getPresetThumbnail({ kind: parsePresetKind(params.kind), id: params.id });
  return new Response(new Uint8Array(bytes), {
    headers: {
      "Content-Type": "image/webp",
      "Content-Length": String(bytes.length),
      "Cache-Control": "public, max-age=31536000, immutable",
    },
  });
});
