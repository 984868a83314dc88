import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

// The server gets ADMIN_PASSWORD from scripts/e2e-server.mjs.
const ADMIN_PASSWORD = "e2e-admin-password";
const SHOTS = path.resolve("test-results/screenshots");

/** A real paid edit through the public API: upload, sandbox payment, tool call with the token. */
async function paidEdit(
  request: APIRequestContext,
  params: { serviceId: "background-change" | "background-removal"; input: Record<string, unknown> },
): Promise<string> {
  const upload = await request.post("/api/assets", {
    multipart: {
      file: {
        name: "camera.jpg",
        mimeType: "image/jpeg",
        buffer: readFileSync(path.resolve("e2e/fixtures/files/camera.jpg")),
      },
    },
  });
  expect(upload.status()).toBe(201);
  const asset = (await upload.json()) as { id: string };
  const payment = await request.post("/api/payments", { data: { serviceId: params.serviceId } });
  expect(payment.status()).toBe(201);
  const { token } = (await payment.json()) as { token: string };
  const call = await request.post(`/api/tools/${params.serviceId}`, {
    data: { imageAssetId: asset.id, ...params.input },
    headers: { "X-Payment-Token": token, Prefer: "wait=120" },
    timeout: 150_000,
  });
  const body = (await call.json()) as { data: { JobId: string; JobURL?: string } };
  expect(body.data.JobId).toBeTruthy();
  // Under load the API may answer 202 first; wait for the job to finish.
  await expect
    .poll(
      async () => ((await (await request.get(`/api/jobs/${body.data.JobId}`)).json()) as { status: string }).status,
      { timeout: 150_000, intervals: [1000] },
    )
    .toBe("succeeded");
  return body.data.JobId;
}

async function signIn(page: Page): Promise<void> {
  await page.goto("/admin/login");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
}

test("the admin console and its API are refused without a session", async ({ page, request }) => {
  await page.goto("/admin/jobs");
  await expect(page).toHaveURL(/\/admin\/login$/);
  await expect(page.getByRole("heading", { name: "Admin console" })).toBeVisible();

  for (const url of [
    "/api/admin/jobs",
    "/api/admin/payments",
    "/api/admin/export?kind=jobs&from=2026-01-01&to=2026-12-31",
  ]) {
    const response = await request.get(url);
    expect(response.status(), url).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  }
  const write = await request.post("/api/admin/retention", { data: {} });
  expect(write.status()).toBe(401);

  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Wrong username or password" })).toBeVisible();
});

test("an admin filters the jobs, opens a paid job and refunds it exactly once", async ({ page, request }) => {
  test.setTimeout(360_000);
  const jobId = await paidEdit(request, { serviceId: "background-change", input: { backgroundColor: "#ffffff" } });
  const otherJobId = await paidEdit(request, { serviceId: "background-removal", input: {} });

  await signIn(page);
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Jobs" })).toBeVisible();
  await expect(page.locator(`a[href="/admin/jobs/${otherJobId}"]`)).toBeVisible();

  await page.getByLabel("Service").selectOption("background-change");
  await page.getByLabel("Status").selectOption("succeeded");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/service=background-change/);
  await expect(page.locator(`a[href="/admin/jobs/${jobId}"]`)).toBeVisible();
  await expect(page.locator(`a[href="/admin/jobs/${otherJobId}"]`)).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, "admin-jobs-filtered.png"), fullPage: true });

  await page.locator(`a[href="/admin/jobs/${jobId}"]`).click();
  await expect(page.getByRole("heading", { level: 1, name: "Background change job" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Before image" })).toBeVisible();
  await expect(page.getByRole("img", { name: "After image" })).toBeVisible();
  const ledger = page.getByTestId("ledger-body");
  await expect(ledger).toContainText("capture");
  await expect(ledger).not.toContainText("refund");

  await page.getByRole("button", { name: "Refund", exact: true }).click();
  // A refund asks for a reason first; nothing moves until it is confirmed.
  await expect(page.getByRole("button", { name: "Confirm refund" })).toBeDisabled();
  await page.getByLabel("Reason for the refund (kept in the audit log)").fill("customer complaint: halo");
  await page.screenshot({ path: path.join(SHOTS, "admin-job-refund-confirm.png"), fullPage: true });
  await page.getByRole("button", { name: "Confirm refund" }).click();
  await expect(page.getByTestId("job-action-message")).toContainText("Refunded $0.20");
  await expect(ledger.getByText("refund", { exact: true })).toHaveCount(1);
  await expect(page.getByText("-$0.20")).toBeVisible();

  await page.getByRole("button", { name: "Refunded" }).click();
  await page.getByLabel("Reason for the refund (kept in the audit log)").fill("second try");
  await page.getByRole("button", { name: "Confirm refund" }).click();
  await expect(page.getByTestId("job-action-message")).toContainText("Already refunded — nothing was done this time.");
  await expect(ledger.getByText("refund", { exact: true })).toHaveCount(1);
  await page.screenshot({ path: path.join(SHOTS, "admin-job-refunded.png"), fullPage: true });

  const job = (await (await request.get(`/api/jobs/${jobId}`)).json()) as {
    payment: { status: string };
    charged: boolean;
  };
  expect(job.payment.status).toBe("refunded");
  expect(job.charged).toBe(false);
});

test("refunding one photo of a batch refunds that edit only, and the payment shows it is partly refunded", async ({
  page,
  request,
}) => {
  test.setTimeout(360_000);
  const assetIds: string[] = [];
  for (const name of ["camera.jpg", "coffee.jpg"]) {
    const upload = await request.post("/api/assets", {
      multipart: {
        file: { name, mimeType: "image/jpeg", buffer: readFileSync(path.resolve("e2e/fixtures/files", name)) },
      },
    });
    expect(upload.status()).toBe(201);
    assetIds.push(((await upload.json()) as { id: string }).id);
  }
  const payment = await request.post("/api/payments", { data: { serviceId: "background-change", units: 2 } });
  const { token, paymentId } = (await payment.json()) as { token: string; paymentId: string };
  const created = await request.post("/api/batches", {
    data: {
      items: assetIds.map((imageAssetId) => ({ imageAssetId })),
      look: { backgroundColor: "#ffffff" },
      paymentToken: token,
    },
  });
  expect(created.status()).toBe(201);
  const batchId = ((await created.json()) as { id: string }).id;
  await expect
    .poll(
      async () =>
        ((await (await request.get(`/api/batches/${batchId}`)).json()) as { counts: { succeeded: number } }).counts
          .succeeded,
      { timeout: 240_000, intervals: [2000] },
    )
    .toBe(2);
  const batch = (await (await request.get(`/api/batches/${batchId}`)).json()) as { items: Array<{ jobId: string }> };

  await signIn(page);
  await page.goto(`/admin/jobs/${batch.items[0]!.jobId}`);
  await page.getByRole("button", { name: "Refund this edit (1 of 2)" }).click();
  await page.getByLabel("Reason for the refund (kept in the audit log)").fill("one photo was wrong");
  await page.getByRole("button", { name: "Confirm refund" }).click();
  await expect(page.getByTestId("job-action-message")).toContainText(
    "Refunded $0.20 (sandbox) ($0.20 of $0.40 refunded so far).",
  );
  await expect(page.getByTestId("ledger-body").getByText("refund", { exact: true })).toHaveCount(1);
  await page.getByRole("button", { name: "Refunded" }).click();
  await page.getByLabel("Reason for the refund (kept in the audit log)").fill("second try");
  await page.getByRole("button", { name: "Confirm refund" }).click();
  await expect(page.getByTestId("job-action-message")).toContainText("Already refunded — nothing was done this time.");

  await page.goto(`/admin/payments/${paymentId}`);
  await expect(page.getByText("partly refunded")).toBeVisible();
  await expect(page.getByText("partly: refunds are per edit")).toBeVisible();
  const after = (await (await request.get(`/api/batches/${batchId}`)).json()) as {
    charged: { edits: number };
    items: Array<{ charged: boolean }>;
  };
  expect(after.charged.edits).toBe(1);
  expect(after.items.map((item) => item.charged)).toEqual([false, true]);
});
