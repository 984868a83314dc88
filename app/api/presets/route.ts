import { route } from "@/lib/http";
import { listPresets, parsePresetKind } from "@/lib/previews/presets";

export const runtime = "nodejs";

// GET /api/presets?kind=sky|background – the preset library with thumbnail links
export const GET = route(async ({ req }) => {
  const kind = parsePresetKind(new URL(req.url).searchParams.get("kind"));
  return Response.json({ kind, presets: listPresets(kind) }, { headers: { "Cache-Control": "public, max-age=300" } });
});
