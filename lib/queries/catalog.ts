"use client";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import { queryKeys } from "./keys";
import type { CatalogDiscovery } from "./types";

/** A service as the studio and the bulk page use it: its discovery entry with the price flattened. */
export type CatalogService = Pick<CatalogDiscovery["services"][number], "id" | "name" | "description"> & {
  priceMinor: number;
  currency: string;
  /** The discovery document lists enabled services only. */
  enabled: true;
};
export type Catalog = { services: CatalogService[]; paymentsMode: CatalogDiscovery["payment"]["mode"] };

const catalogQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.catalog(),
    queryFn: async (): Promise<Catalog> => {
      const body = await apiClient.get<CatalogDiscovery>("/api/catalog");
      return {
        paymentsMode: body.payment.mode,
        services: body.services.map((service) => ({
          id: service.id,
          name: service.name,
          description: service.description,
          enabled: true,
          priceMinor: service.pricing.amountMinor,
          currency: service.pricing.currency,
        })),
      };
    },
    staleTime: 60_000,
  });

export function useCatalogQuery() {
  return useQuery(catalogQueryOptions());
}
