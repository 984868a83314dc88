"use client";
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiClient } from "@/lib/api-client";
import type { ServiceId } from "@/lib/catalog/services";
import { queryKeys } from "./keys";
import { isFinished, type JobView, type PaymentCreated } from "./types";

type JobResponse = JobView | { job: JobView };
const unwrap = (body: JobResponse): JobView => ("job" in body ? body.job : body);

const jobQueryOptions = (id: string) =>
  queryOptions({
    queryKey: queryKeys.job(id),
    queryFn: async () => unwrap(await apiClient.get<JobResponse>(`/api/jobs/${encodeURIComponent(id)}`)),
    staleTime: 0,
    // Poll while the job is not finished; stop once it is.
    refetchInterval: (query) => (query.state.data && isFinished(query.state.data.status) ? false : 1000),
    refetchIntervalInBackground: false,
  });

export function useJobQuery(id: string) {
  return useQuery(jobQueryOptions(id));
}

/** A payment for one studio edit; a cancelled card Checkout comes back to the studio. */
export function createPayment(serviceId: ServiceId): Promise<PaymentCreated> {
  return apiClient.post<PaymentCreated>("/api/payments", { serviceId, returnPath: "/studio" });
}

/** Starts a paid job with a payment token, and seeds the job's query so the progress view shows at once. */
export function useCreateJobMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (vars: { serviceId: ServiceId; input: Record<string, unknown>; paymentToken: string }) =>
      unwrap(await apiClient.post<JobResponse>("/api/jobs", vars)),
    onSuccess: (job) => {
      queryClient.setQueryData(queryKeys.job(job.id), job);
      void queryClient.invalidateQueries({ queryKey: queryKeys.history() });
    },
  });
}
