import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startFakeStripe } from "./fakes/stripe-server";

const photo = (name: string) => ({
  name,
  mimeType: "image/jpeg",
  buffer: readFileSync(path.resolve("e2e/fixtures/files", name)),
});

test("a marketer adds several photos, sees why one is refused and what the batch costs", async ({ page }) => {
  await page.goto("/batch");
  await expect(page.getByRole("heading", { level: 1, name: "Bulk backgrounds for product photos" })).toBeVisible();
  await page
    .getByLabel("Choose product photos")
    .setInputFiles([
      photo("camera.jpg"),
      photo("coffee.jpg"),
      { name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image at all") },
    ]);
  const files = page.getByTestId("batch-files");
  await expect(files.getByText("Ready ·")).toHaveCount(2, { timeout: 30_000 });
  await expect(files.getByRole("alert")).toContainText("Refused:");
  await expect(page.getByTestId("batch-price")).toHaveText("2 × $0.20 = $0.40");
  await expect(page.getByRole("button", { name: "Pay and process 2 photos" })).toBeEnabled();
  await page.screenshot({ path: path.resolve("test-results/screenshots/batch-ready.png"), fullPage: true });
});

test("a batch paid by card starts by itself when the buyer comes back from Stripe Checkout", async ({ page }) => {
  test.setTimeout(300_000);
  // A second production server on the same build, in Stripe mode, against the in-repo Stripe fake.
  const stripe = await startFakeStripe({ secretKey: "sk_test_e2e_batch" });
  const port = Number(process.env.E2E_PORT ?? 3200) + 1;
  const base = `http://127.0.0.1:${port}`;
  const dataDir = path.resolve(".cache", "e2e-data-stripe");
  rmSync(dataDir, { recursive: true, force: true });
  const server = spawn(
    process.execPath,
    [createRequire(import.meta.url).resolve("next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      // No PUBLIC_BASE_URL: Checkout must still send the buyer back to the origin the page (and its saved batch) lives on.
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATA_DIR: dataDir,
        PUBLIC_BASE_URL: "",
        PAYMENTS_MODE: "stripe",
        STRIPE_SECRET_KEY: "sk_test_e2e_batch",
        STRIPE_WEBHOOK_SECRET: "whsec_e2e_batch",
        STRIPE_API_BASE: stripe.url,
      },
      stdio: "ignore",
    },
  );
  try {
    await expect
      .poll(async () => (await fetch(`${base}/api/health`).catch(() => null))?.status ?? 0, {
        timeout: 120_000,
        intervals: [1000],
      })
      .toBe(200);
    await page.goto(`${base}/batch`);
    await page.getByLabel("Choose product photos").setInputFiles([photo("camera.jpg"), photo("coffee.jpg")]);
    await expect(page.getByTestId("batch-files").getByText("Ready ·")).toHaveCount(2, { timeout: 30_000 });
    await expect(
      page.getByText("You pay on Stripe Checkout; the batch starts by itself when you come back."),
    ).toBeVisible();
    await page.getByRole("button", { name: "Pay and process 2 photos" }).click();

    // Checkout (the fake pays at once) → the success page → the batch, without another click.
    await page.waitForURL(/\/batch\/bat_/, { timeout: 60_000 });
    const [session] = [...stripe.sessions.values()];
    expect(session).toMatchObject({
      amount_total: 40,
      payment_status: "paid",
      cancel_url: `${base}/batch?checkout=canceled`,
    });
    await expect(page.getByTestId("batch-summary")).toContainText("Done · 2 of 2 finished", { timeout: 200_000 });
    await expect(page.getByTestId("batch-summary")).toContainText("charged $0.40 for 2 photos");

    // Had the buyer cancelled instead, Checkout's back link lands here.
    await page.goto(session!.cancel_url);
    await expect(
      page.getByRole("status").filter({ hasText: "Checkout was cancelled, so you were not charged." }),
    ).toBeVisible();
  } finally {
    server.kill("SIGTERM");
    await stripe.close();
  }
});
