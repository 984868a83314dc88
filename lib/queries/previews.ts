"use client";
import { useMutation } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import type { ServiceId } from "@/lib/catalog/services";
import type { Preview } from "./types";

export function usePreviewMutation() {
  return useMutation({
    mutationFn: (vars: { serviceId: ServiceId; input: Record<string, unknown> }) =>
      apiClient.post<Preview>("/api/previews", vars),
  });
}
