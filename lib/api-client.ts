/** Browser-side fetch helpers that turn the `{ error: { code, message } }` envelope into ApiError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function parseResponse<T>(response: Response): Promise<T> {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `Request failed (${response.status})`,
      error?.details,
    );
  }
  return body as T;
}

export const apiClient = {
  get: async <T>(url: string) => parseResponse<T>(await fetch(url, { headers: { Accept: "application/json" } })),
  post: async <T>(url: string, body?: unknown, headers?: Record<string, string>) =>
    parseResponse<T>(
      await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    ),
};

/** Uploads with progress (fetch has no upload progress; XMLHttpRequest does). */
export function uploadWithProgress<T>(params: {
  url: string;
  form: FormData;
  onProgress?: (fraction: number) => void;
}): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", params.url);
    xhr.responseType = "text";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) params.onProgress?.(event.loaded / event.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, "network_error", "The upload failed; check your connection and try again."));
    xhr.onload = () => {
      parseResponse<T>(new Response(xhr.responseText || null, { status: xhr.status })).then(resolve, reject);
    };
    xhr.send(params.form);
  });
}
