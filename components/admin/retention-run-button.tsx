"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { buttonStyles } from "@/components/ui/button";
import { useAdminMutation } from "./admin-session";

export function RetentionRunButton() {
  const router = useRouter();
  const mutate = useAdminMutation();
  const [busy, setBusy] = useState(false);
  const [text, setText] = useState<string | null>(null);
  return (
    <div className="flex flex-wrap items-center gap-3">
      <button
        type="button"
        disabled={busy}
        className={buttonStyles({ size: "sm" })}
        onClick={async () => {
          setBusy(true);
          setText(null);
          try {
            const result = await mutate<{ run: { assetsDeleted: number } }>("/api/admin/retention", { method: "POST" });
            setText(`Done: ${result.run.assetsDeleted} file${result.run.assetsDeleted === 1 ? "" : "s"} deleted.`);
            router.refresh();
          } catch (cause) {
            setText(cause instanceof ApiError ? cause.message : "The run failed.");
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Running…" : "Run now"}
      </button>
      <span role="status" className="text-sm text-slate-600 dark:text-slate-400">
        {text}
      </span>
    </div>
  );
}
