"use client";
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiClient, parseResponse } from "@/lib/api-client";
import { queryKeys } from "./keys";
import type { HistoryItem } from "./types";

const historyQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.history(),
    queryFn: async () => (await apiClient.get<{ items: HistoryItem[] }>("/api/history")).items,
    staleTime: 5_000,
  });

export function useHistoryQuery() {
  return useQuery(historyQueryOptions());
}

export function useDeleteMyPhotosMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      parseResponse<{ deletedFiles: number }>(
        await fetch("/api/history", { method: "DELETE", headers: { Accept: "application/json" } }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["history"] }),
  });
}
