"use client";
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PublicApiKey } from "@/lib/accounts/api-keys";
import type { AccountOverview, ActivityItem } from "@/lib/accounts/activity";
import type { PublicTopup } from "@/lib/billing/topups";
import type { PublicPack } from "@/lib/catalog/packs";
import type { ServiceId } from "@/lib/catalog/services";
import { useSyncExternalStore } from "react";
import { apiClient, parseResponse } from "@/lib/api-client";
import { queryKeys } from "./keys";
import type { BatchView, JobView } from "./types";

export type { ActivityItem, PublicApiKey, PublicPack, PublicTopup };

export type AccountState = { signedIn: false } | ({ signedIn: true; csrfToken: string } & AccountOverview);
export type SignedInState = Extract<AccountState, { signedIn: true }>;

/** The CSRF cookie is readable by scripts: without it there is no session, so no request is needed. */
export function hasSessionHint(): boolean {
  return typeof document !== "undefined" && /(?:^|;\s*)bd_csrf=/.test(document.cookie);
}

const accountQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.account.me(),
    queryFn: () => apiClient.get<AccountState>("/api/account"),
    staleTime: 10_000,
  });

/** The signed-in account and its balance (`{ signedIn: false }` otherwise); skips the request without a session. */
export function useAccountQuery(options: { enabled?: boolean } = {}) {
  return useQuery({ ...accountQueryOptions(), enabled: options.enabled ?? true });
}

/** Writes to the account API: same-origin JSON with the session's CSRF token. */
async function accountWrite<T>(params: {
  url: string;
  method: "POST" | "PATCH" | "DELETE";
  csrfToken: string;
  body?: unknown;
}): Promise<T> {
  return parseResponse<T>(
    await fetch(params.url, {
      method: params.method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": params.csrfToken },
      body: params.body === undefined ? undefined : JSON.stringify(params.body),
    }),
  );
}

export function useApiKeysQuery(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.account.keys(),
    queryFn: async () => (await apiClient.get<{ keys: PublicApiKey[] }>("/api/account/keys")).keys,
    enabled,
  });
}

export function useActivityQuery(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.account.activity(),
    queryFn: async () => (await apiClient.get<{ items: ActivityItem[] }>("/api/account/activity")).items,
    enabled,
  });
}

export function useCreditPacksQuery() {
  return useQuery({
    queryKey: queryKeys.creditPacks(),
    queryFn: () => apiClient.get<{ packs: PublicPack[]; sandbox: boolean }>("/api/credits/packs"),
    staleTime: 60_000,
  });
}

function useInvalidateAccount() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.account.all() });
}

export function useRequestSignInLinkMutation() {
  return useMutation({
    mutationFn: (vars: { email: string; returnTo?: string }) =>
      apiClient.post<{ sent: true; delivery: "smtp" | "log"; expiresAt: string }>("/api/account/sign-in", vars),
  });
}

export function useCreateApiKeyMutation(csrfToken: string) {
  const invalidate = useInvalidateAccount();
  return useMutation({
    mutationFn: (vars: { name: string; monthlyCap: number | null }) =>
      accountWrite<{ key: string; apiKey: PublicApiKey }>({
        url: "/api/account/keys",
        method: "POST",
        csrfToken,
        body: vars,
      }),
    onSuccess: invalidate,
  });
}

export function useRevokeApiKeyMutation(csrfToken: string) {
  const invalidate = useInvalidateAccount();
  return useMutation({
    mutationFn: (keyId: string) =>
      accountWrite<{ revoked: true }>({
        url: `/api/account/keys/${encodeURIComponent(keyId)}`,
        method: "DELETE",
        csrfToken,
      }),
    onSuccess: invalidate,
  });
}

export function useSetApiKeyCapMutation(csrfToken: string) {
  const invalidate = useInvalidateAccount();
  return useMutation({
    mutationFn: (vars: { keyId: string; monthlyCap: number | null }) =>
      accountWrite<{ ok: true }>({
        url: `/api/account/keys/${encodeURIComponent(vars.keyId)}`,
        method: "PATCH",
        csrfToken,
        body: { monthlyCap: vars.monthlyCap },
      }),
    onSuccess: invalidate,
  });
}

export function useBuyPackMutation(csrfToken: string) {
  const invalidate = useInvalidateAccount();
  return useMutation({
    mutationFn: (packId: string) =>
      accountWrite<{ topup: PublicTopup }>({ url: "/api/account/topups", method: "POST", csrfToken, body: { packId } }),
    onSuccess: invalidate,
  });
}

export function useSignOutMutation(csrfToken: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => accountWrite<{ signedIn: false }>({ url: "/api/account/sign-out", method: "POST", csrfToken }),
    onSuccess: () => queryClient.setQueryData(queryKeys.account.me(), { signedIn: false }),
  });
}

export function useDeleteAccountMutation(csrfToken: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (confirmEmail: string) =>
      accountWrite<{ deleted: true; deletedFiles: number }>({
        url: "/api/account",
        method: "DELETE",
        csrfToken,
        body: { confirmEmail },
      }),
    onSuccess: () => {
      queryClient.setQueryData(queryKeys.account.me(), { signedIn: false });
      void queryClient.invalidateQueries({ queryKey: queryKeys.history() });
    },
  });
}

export type CreditBalance = { balance: number; csrfToken: string };

/** The signed-in account's spendable credits, or null (not signed in, or still loading). */
export function useCreditBalance(): CreditBalance | null {
  const hint = useSyncExternalStore(noSubscription, hasSessionHint, () => false);
  const account = useAccountQuery({ enabled: hint });
  const state = hint ? account.data : undefined;
  return state?.signedIn ? { balance: state.credits.balance, csrfToken: state.csrfToken } : null;
}

const noSubscription = () => () => {};

type StartedJob = { job: JobView };

/** Starts a studio edit paid with one of the account's credits (no checkout), and seeds its job query. */
export function useStartCreditJobMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (vars: { serviceId: ServiceId; input: Record<string, unknown>; csrfToken: string }) =>
      (
        await accountWrite<StartedJob>({
          url: "/api/jobs",
          method: "POST",
          csrfToken: vars.csrfToken,
          body: { serviceId: vars.serviceId, input: vars.input, payWith: "credits" },
        })
      ).job,
    onSuccess: (job) => {
      queryClient.setQueryData(queryKeys.job(job.id), job);
      void queryClient.invalidateQueries({ queryKey: queryKeys.history() });
      void queryClient.invalidateQueries({ queryKey: queryKeys.account.all() });
    },
  });
}

/** Starts a bulk run paid with the account's credits (one per photo, all reserved at once). */
export function useStartCreditBatchMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (vars: { items: Array<Record<string, unknown>>; look: Record<string, unknown>; csrfToken: string }) =>
      accountWrite<BatchView>({
        url: "/api/batches",
        method: "POST",
        csrfToken: vars.csrfToken,
        body: { items: vars.items, look: vars.look, payWith: "credits" },
      }),
    onSuccess: (batch) => {
      queryClient.setQueryData(queryKeys.batch(batch.id), batch);
      void queryClient.invalidateQueries({ queryKey: queryKeys.account.all() });
    },
  });
}
