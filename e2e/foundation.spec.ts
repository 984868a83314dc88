import { mkdir } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import sharp from "sharp";

const SHOTS = path.join("test-results", "screenshots");

async function photo(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 90, g: 150, b: 220 } } })
    .composite([
      {
        input: Buffer.from(
          `<svg width="${width}" height="${height}"><rect y="${height / 2}" width="${width}" height="${height / 2}" fill="#2f4f2f"/></svg>`,
        ),
      },
    ])
    .jpeg()
    .toBuffer();
}

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
});

test("the health check reports the embedded database and local storage", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({
    ok: true,
    checks: { database: { detail: "embedded" }, storage: { detail: "local" } },
  });
});

for (const viewport of [
  { name: "desktop", width: 1280, height: 900 },
  { name: "mobile", width: 390, height: 844 },
]) {
  test(`the landing page says what Backdrop does (${viewport.name})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    for (const service of ["Sky replacement", "Background change", "Background removal", "Segmentation by prompt"]) {
      await expect(page.getByRole("heading", { name: service })).toBeVisible();
    }
    await expect(page.getByText("$0.20").first()).toBeVisible();
    await expect(page.getByText(/402 Payment Required/).first()).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, `foundation-landing-${viewport.name}.png`), fullPage: true });
  });

  test(`the studio accepts a photo and shows its dimensions (${viewport.name})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto("/studio");
    await page.screenshot({ path: path.join(SHOTS, `foundation-studio-empty-${viewport.name}.png`), fullPage: true });
    await page
      .getByLabel("Choose a photo")
      .first()
      .setInputFiles({ name: "lake.jpg", mimeType: "image/jpeg", buffer: await photo(1600, 1067) });
    await expect(page.getByTestId("photo-dimensions")).toContainText("1600 × 1067 px");
    await expect(page.getByRole("img", { name: /uploaded photo/i })).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, `foundation-studio-photo-${viewport.name}.png`), fullPage: true });
  });
}

test("the studio explains why a file was refused", async ({ page }) => {
  await page.goto("/studio");
  // A text file with an image extension passes the browser's type check; the server decodes it and says no.
  await page
    .getByLabel("Choose a photo")
    .first()
    .setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image at all") });
  // (Next.js keeps an empty route announcer with role="alert" on every page.)
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText("not a JPEG, PNG or WebP image");
  // A PDF is refused in the browser before any upload.
  await page
    .getByLabel("Choose a photo")
    .first()
    .setInputFiles({ name: "doc.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4") });
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText(
    "doc.pdf is not a JPEG, PNG or WebP image",
  );
});
