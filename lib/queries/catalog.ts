"use client";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import type { ServiceId } from "@/lib/catalog/services";
import { queryKeys } from "./keys";
import type { CatalogService } from "./types";

type WireService = {
  id: ServiceId;
  name: string;
  description?: string;
  enabled?: boolean;
  priceMinor?: number;
  currency?: string;
  pricing?: { amountMinor: number; currency: string };
};
type CatalogResponse = { services: WireService[]; payment?: { mode?: string; sandbox?: boolean } };

export type Catalog = { services: CatalogService[]; paymentsMode: "sandbox" | "stripe" };

export const catalogQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.catalog(),
    queryFn: async (): Promise<Catalog> => {
      const body = await apiClient.get<CatalogResponse>("/api/catalog");
      return {
        paymentsMode: body.payment?.mode === "stripe" ? "stripe" : "sandbox",
        services: body.services.map((service) => ({
          id: service.id,
          name: service.name,
          description: service.description,
          enabled: service.enabled ?? true,
          priceMinor: service.priceMinor ?? service.pricing?.amountMinor ?? 0,
          currency: service.currency ?? service.pricing?.currency ?? "USD",
        })),
      };
    },
    staleTime: 60_000,
  });

export function useCatalogQuery() {
  return useQuery(catalogQueryOptions());
}
