import { createBatchZip } from "@/lib/batches/batches";
import { route } from "@/lib/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// GET /api/batches/{id}/zip – the finished results and manifest.csv, streamed (partial batches too)
export const GET = route<{ id: string }>(async ({ params }) => {
  const { stream, fileName } = await createBatchZip(params.id);
  return new Response(stream, {
    headers: {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "no-store",
    },
  });
});
