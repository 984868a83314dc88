"use client";
import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import { queryKeys } from "./keys";
import type { BatchView } from "./types";

export const batchQueryOptions = (id: string) =>
  queryOptions({
    queryKey: queryKeys.batch(id),
    queryFn: () => apiClient.get<BatchView>(`/api/batches/${encodeURIComponent(id)}`),
    refetchInterval: (query) => (query.state.data?.done ? false : 1500),
  });

export type CreateBatchVariables = {
  items: Array<Record<string, unknown>>;
  look: Record<string, unknown>;
  paymentToken: string;
};

/** Starts a batch paid by one token covering every item, and seeds its query for the progress page. */
export function useCreateBatchMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (vars: CreateBatchVariables) => apiClient.post<BatchView>("/api/batches", vars),
    onSuccess: (batch) => queryClient.setQueryData(queryKeys.batch(batch.id), batch),
  });
}
