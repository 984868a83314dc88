"use client";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import { queryKeys } from "./keys";
import type { Preset } from "./types";

export const presetsQueryOptions = (kind: "sky" | "background") =>
  queryOptions({
    queryKey: queryKeys.presets(kind),
    queryFn: async () => (await apiClient.get<{ presets: Preset[] }>(`/api/presets?kind=${kind}`)).presets,
    staleTime: Infinity,
  });

export function usePresetsQuery(kind: "sky" | "background") {
  return useQuery(presetsQueryOptions(kind));
}
