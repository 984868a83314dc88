import { expect, test } from "@playwright/test";
import { expectNoSeriousViolations, payInSandbox, previewLook, snap, uploadPhoto, waitForJob } from "./helpers";

for (const scheme of ["light", "dark"] as const) {
  test.describe(`accessibility (${scheme})`, () => {
    test.use({ colorScheme: scheme });

    test("landing page", async ({ page }) => {
      await page.goto("/");
      await expectNoSeriousViolations(page, "landing");
    });

    test("API docs page", async ({ page }) => {
      const docs = await page.goto("/docs/api");
      expect(docs?.ok(), "the API docs page exists").toBe(true);
      await expectNoSeriousViolations(page, "API docs");
    });

    test("studio (before and after upload, preview, checkout, result), job page and history", async ({ page }) => {
      test.setTimeout(240_000);
      await page.goto("/studio");
      await expectNoSeriousViolations(page, "studio before upload");

      await uploadPhoto(page, "camera.jpg");
      await page.getByText("Orange sunset", { exact: true }).click();
      await expectNoSeriousViolations(page, "studio after upload");
      await previewLook(page, 2);
      await expectNoSeriousViolations(page, "studio with a preview");

      await page.getByTestId("pay-button").click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await expectNoSeriousViolations(page, "checkout dialog");
      await page.getByRole("button", { name: "Cancel" }).click();

      const jobId = await payInSandbox(page);
      await waitForJob(page, "succeeded");
      await expectNoSeriousViolations(page, "studio with a result");

      await page.goto(`/jobs/${jobId}`);
      await waitForJob(page, "succeeded");
      await expectNoSeriousViolations(page, "job page");
      if (scheme === "dark") await snap(page, "20-job-page-dark");

      await page.goto("/history");
      await expect(page.getByTestId("history-list")).toBeVisible();
      await expectNoSeriousViolations(page, "history");
      if (scheme === "dark") await snap(page, "21-history-dark");
    });
  });
}

test("the header links to the bulk page on desktop and in the mobile menu (keyboard too)", async ({ page }) => {
  await page.goto("/studio");
  const header = page.getByRole("banner");
  await header.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Bulk" }).click();
  await expect(page).toHaveURL(/\/batch$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Bulk");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/studio");
  const menu = header.getByText("Menu");
  await expect(header.getByRole("link", { name: "Bulk" })).toBeHidden();
  await menu.focus();
  await page.keyboard.press("Enter");
  const bulk = header.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Bulk" });
  await expect(bulk).toBeVisible();
  await expectNoSeriousViolations(page, "mobile menu");
  await page.keyboard.press("Escape");
  await expect(bulk).toBeHidden();
  await expect(menu).toBeFocused();
  await menu.click();
  await expect(bulk).toBeVisible();
  await snap(page, "16-mobile-menu-open");
  await bulk.click();
  await expect(page).toHaveURL(/\/batch$/);
  await expect(bulk).toBeHidden();
});
