"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { ApiError, apiClient } from "@/lib/api-client";
import { buttonStyles } from "@/components/ui/button";
import { inputStyles, labelStyles } from "./ui";

export function AdminLoginForm({ next }: { next?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      await apiClient.post("/api/admin/login", {
        username: String(form.get("username") ?? ""),
        password: String(form.get("password") ?? ""),
      });
      const target = next && next.startsWith("/admin") && !next.startsWith("//") ? next : "/admin";
      router.replace(target);
      router.refresh();
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : "Could not sign in; try again.");
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div>
        <label htmlFor="admin-username" className={labelStyles}>
          Username
        </label>
        <input
          id="admin-username"
          name="username"
          autoComplete="username"
          required
          defaultValue="admin"
          className={inputStyles}
        />
      </div>
      <div>
        <label htmlFor="admin-password" className={labelStyles}>
          Password
        </label>
        <input
          id="admin-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className={inputStyles}
        />
      </div>
      {error ? (
        <p
          role="alert"
          className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300"
        >
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={pending} className={buttonStyles({ className: "w-full" })}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
