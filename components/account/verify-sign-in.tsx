"use client";

import { useMutation } from "@tanstack/react-query";
import { buttonStyles } from "@/components/ui/button";
import { apiClient } from "@/lib/api-client";

type Verified = { signedIn: true; email: string; created: boolean; claimedEdits: number; returnTo: string };

export function VerifySignIn({ token }: { token: string }) {
  const verify = useMutation({
    mutationFn: () => apiClient.post<Verified>("/api/account/verify", { token }),
    // A full navigation: every part of the page (the header's account link too) renders signed in.
    onSuccess: (result) => window.location.assign(result.returnTo),
  });
  return (
    <div className="space-y-4">
      <button
        type="button"
        onClick={() => verify.mutate()}
        disabled={verify.isPending || verify.isSuccess}
        className={buttonStyles({ size: "lg" })}
      >
        {verify.isPending || verify.isSuccess ? "Signing in…" : "Sign in"}
      </button>
      {verify.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {verify.error.message}
        </p>
      )}
    </div>
  );
}
