import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

const photo = (name: string) => ({ name, mimeType: "image/jpeg", buffer: readFileSync(path.resolve("e2e/fixtures/files", name)) });

test("a marketer adds several photos, sees why one is refused and what the batch costs", async ({ page }) => {
  await page.goto("/batch");
  await expect(page.getByRole("heading", { level: 1, name: "Bulk backgrounds for product photos" })).toBeVisible();
  await page.getByLabel("Choose product photos").setInputFiles([
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
