"use client";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import { queryKeys } from "./keys";
import type { CatalogService } from "./types";

type CatalogResponse = { services: CatalogService[] } | CatalogService[];

export const catalogQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.catalog(),
    queryFn: async () => {
      const body = await apiClient.get<CatalogResponse>("/api/catalog");
      return Array.isArray(body) ? body : body.services;
    },
    staleTime: 60_000,
  });

export function useCatalogQuery() {
  return useQuery(catalogQueryOptions());
}
