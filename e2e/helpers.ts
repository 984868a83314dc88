import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import sharp, { type Metadata } from "sharp";

const FIXTURES = path.resolve("e2e/fixtures/files");
const SCREENSHOT_DIR = path.resolve("test-results/screenshots");
const WIDTHS = [1280, 390] as const;

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Saves a full-page screenshot of the current state at 1280 px and 390 px wide. */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width > 600 ? 900 : 844 });
    await page.waitForTimeout(150);
    // A modal sits in the viewport: a full-page capture would show it off-centre over a stretched backdrop.
    const hasModal = (await page.locator("dialog[open]").count()) > 0;
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, `${name}-${width}.png`),
      fullPage: !hasModal,
      animations: "disabled",
    });
  }
  await page.setViewportSize(original);
}

/** Uploads a fixture through the studio's dropzone and waits until the photo is ready. */
export async function uploadPhoto(page: Page, name: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(readFileSync(fixture(name))).metadata();
  await page.getByLabel("Choose a photo").first().setInputFiles(fixture(name));
  await expect(page.getByTestId("photo-dimensions")).toContainText(`${meta.width} × ${meta.height} px`);
  // The studio shows a first look on its own: wait until it is there (or given up on).
  await expect(page.getByTestId("first-look-note")).not.toHaveAttribute("data-state", "working", { timeout: 90_000 });
  return { width: meta.width, height: meta.height };
}

export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole("tab", { name, exact: true }).click();
  await expect(page.getByRole("tab", { name, exact: true })).toHaveAttribute("aria-selected", "true");
}

/** Renders a free preview and waits until it is shown in the strip (`expectedLooks` counts the first look too). */
export async function previewLook(page: Page, expectedLooks: number): Promise<void> {
  await page.getByTestId("preview-button").click();
  await expect(page.getByTestId("look-strip").getByRole("button")).toHaveCount(expectedLooks, { timeout: 60_000 });
}

/** Pays in the sandbox checkout and returns the started job's id. */
export async function payInSandbox(page: Page, screenshotName?: string): Promise<string> {
  await page.getByTestId("pay-button").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId("sandbox-badge")).toHaveText(/Sandbox — no real money/);
  await expect(dialog.getByLabel("Card number")).toHaveValue("4242 4242 4242 4242");
  if (screenshotName) await snap(page, screenshotName);
  await dialog.getByTestId("confirm-pay").click();
  const link = page.getByRole("link", { name: "Link to this edit" });
  await expect(link).toBeVisible();
  const href = await link.getAttribute("href");
  const id = href?.split("/").pop();
  expect(id).toMatch(/^job_/);
  return id!;
}

export async function waitForJob(page: Page, status: "succeeded" | "failed"): Promise<void> {
  await expect(page.getByTestId("job-view")).toHaveAttribute("data-status", status, { timeout: 180_000 });
}

/** Clicks Download and decodes the saved file with sharp. */
export async function downloadResult(page: Page): Promise<Metadata> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download").click()]);
  const file = await download.path();
  return sharp(readFileSync(file)).metadata();
}

/** Runs axe (WCAG 2.x A/AA) and fails on serious or critical violations, listing them readably. */
export async function expectNoSeriousViolations(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter(
    (violation) => violation.impact === "serious" || violation.impact === "critical",
  );
  const summary = serious.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
        .map((node) => node.target.join(" "))
        .slice(0, 5)
        .join(", ")}`,
  );
  expect(summary, `${name}: serious/critical accessibility violations`).toEqual([]);
}
