"use client";

import { createContext, useCallback, useContext, type ReactNode } from "react";
import { parseResponse } from "@/lib/api-client";

type AdminSession = { username: string; csrfToken: string };

const AdminSessionContext = createContext<AdminSession | null>(null);

export function AdminSessionProvider({ value, children }: { value: AdminSession; children: ReactNode }) {
  return <AdminSessionContext.Provider value={value}>{children}</AdminSessionContext.Provider>;
}

export function useAdminSession(): AdminSession {
  const session = useContext(AdminSessionContext);
  if (!session) throw new Error("useAdminSession outside the admin console");
  return session;
}

/** fetch for admin writes: same-origin, JSON, with the session's CSRF token header. */
export function useAdminMutation() {
  const { csrfToken } = useAdminSession();
  return useCallback(
    async <T,>(url: string, init: { method: "POST" | "PUT" | "DELETE"; body?: unknown }) =>
      parseResponse<T>(
        await fetch(url, {
          method: init.method,
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        }),
      ),
    [csrfToken],
  );
}
