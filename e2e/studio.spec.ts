import { expect, test } from "@playwright/test";
import sharp from "sharp";
import { downloadResult, openTab, payInSandbox, previewLook, snap, uploadPhoto, waitForJob } from "./helpers";

test.describe("studio", () => {
  // Full-resolution renders run on a 2-core machine next to other work: allow for a slow engine.
  test.setTimeout(240_000);

  test("sky replacement: upload → two previews → compare → pay (sandbox) → full-resolution download", async ({
    page,
  }) => {
    await page.goto("/studio");
    await expect(page.getByRole("heading", { name: "Studio" })).toBeVisible();
    await snap(page, "01-studio-empty");

    const size = await uploadPhoto(page, "camera.jpg");
    await expect(page.getByTestId("price")).toHaveText("$0.20");
    // A first look without a click: a sky matched to the photo's light, already in the strip.
    await expect(page.getByTestId("first-look-note")).toContainText("matched to your photo's daylight");
    await expect(page.getByTestId("look-strip").getByRole("button")).toHaveCount(1);
    await snap(page, "02-studio-uploaded");

    // Two looks from the gallery, side by side in the strip.
    await page.getByText("Orange sunset", { exact: true }).click();
    await previewLook(page, 2);
    await expect(page.getByText(/watermarked/)).toBeVisible();
    // The engine read the photo's light from its old sky: daylight skies are marked as suiting it.
    await expect(page.getByTestId("sky-suggestion")).toContainText("daytime light");
    await expect(page.getByRole("radio", { name: /\(suits your photo\)/ }).first()).toBeAttached();
    await page.getByText("Starry night", { exact: true }).click();
    await page.getByLabel("Blend the light").fill("0.8");
    await previewLook(page, 3);
    await snap(page, "03-sky-previews");

    // The comparison slider is keyboard operable.
    const slider = page.getByRole("slider", { name: /Before and after/ });
    await expect(slider).toHaveAttribute("aria-valuenow", "50");
    await slider.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await expect(slider).toHaveAttribute("aria-valuenow", "54");
    await page.keyboard.press("Home");
    await expect(slider).toHaveAttribute("aria-valuenow", "0");

    // Compare two looks against each other, then pick the first one again (its options come back).
    await page.getByRole("combobox", { name: "Compare with" }).selectOption({ label: "Orange sunset" });
    await page
      .getByTestId("look-strip")
      .getByRole("button", { name: /Orange sunset/ })
      .click();
    await expect(page.getByRole("radio", { name: "Orange sunset" })).toBeChecked();

    await payInSandbox(page, "04-sandbox-checkout");
    await waitForJob(page, "succeeded");
    await expect(page.getByText("You were not charged")).toHaveCount(0);
    await snap(page, "05-sky-result");

    // Side by side and zoom work on the result.
    await page.getByRole("button", { name: "Side by side" }).click();
    await expect(page.getByRole("img", { name: "Your original photo" })).toBeVisible();
    await page.getByRole("button", { name: "Zoom to 100 %" }).click();
    await expect(page.getByRole("button", { name: "Fit to screen" })).toBeVisible();

    const meta = await downloadResult(page);
    expect(meta.format).toBe("jpeg");
    expect({ width: meta.width, height: meta.height }).toEqual(size);

    // "Try another look" keeps the upload.
    await page.getByRole("button", { name: "Try another look" }).click();
    await expect(page.getByTestId("photo-dimensions")).toContainText(`${size.width} × ${size.height} px`);
    await expect(page.getByTestId("look-strip").getByRole("button")).toHaveCount(3);
  });

  test("sky brush: paint sky / not sky, undo, apply → hints PNG uploaded and used for the preview", async ({
    page,
  }) => {
    await page.goto("/studio");
    await uploadPhoto(page, "camera.jpg");
    await page.getByText("Clear blue", { exact: true }).click();
    await page.getByRole("button", { name: "Fix the sky mask" }).click();
    const brush = page.getByTestId("mask-brush");
    await expect(brush).toBeVisible();
    const canvas = brush.getByRole("application", { name: /Sky brush/ });
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const stroke = async (y: number) => {
      await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * y, { steps: 8 });
      await page.mouse.up();
    };
    await stroke(0.1);
    await brush.getByRole("radio", { name: "Not sky" }).click();
    await stroke(0.9);
    await stroke(0.8);
    await brush.getByRole("button", { name: "Undo" }).click();
    await snap(page, "06-sky-brush");

    const uploadResponse = page.waitForResponse(
      (response) => response.url().endsWith("/api/assets") && response.request().method() === "POST",
    );
    const previewRequest = page.waitForRequest((request) => request.url().endsWith("/api/previews"));
    await brush.getByRole("button", { name: "Apply marks and preview" }).click();
    const hints = (await (await uploadResponse).json()) as { id: string; width: number; height: number; mime: string };
    expect(hints.mime).toBe("image/png");
    expect(hints.width / hints.height).toBeCloseTo(1, 2); // camera.jpg is square
    const body = (await previewRequest).postDataJSON() as { input: { hintsAssetId?: string } };
    expect(body.input.hintsAssetId).toBe(hints.id);
    await expect(page.getByTestId("look-strip").getByRole("button")).toHaveCount(2, { timeout: 60_000 });
    await expect(page.getByText("Using your sky brush marks.")).toBeVisible();
  });

  test("sky brush by keyboard: paint sky and not sky, resize, undo → the hints mask changes the re-rendered preview", async ({
    page,
  }) => {
    await page.goto("/studio");
    await uploadPhoto(page, "camera.jpg");
    await page.getByText("Clear blue", { exact: true }).click();
    await previewLook(page, 2);
    const looks = page.getByTestId("look-strip").getByRole("button");
    const before = await looks.first().locator("img").getAttribute("src");

    await page.getByRole("button", { name: "Fix the sky mask" }).click();
    const brush = page.getByTestId("mask-brush");
    await expect(brush.getByText(/Keyboard: Tab to the photo/)).toBeVisible();
    const canvas = brush.getByRole("application", { name: /Sky brush/ });
    await expect(canvas).toHaveAccessibleDescription(/arrow keys/);
    await canvas.focus();
    const status = brush.getByTestId("brush-status");
    const press = async (key: string, times = 1) => {
      for (let i = 0; i < times; i++) await page.keyboard.press(key);
    };

    // The camera photo is square; the brush starts in the middle. Steps: 2 % (arrows), 10 % (Shift).
    await press("]", 5);
    await expect(status).toHaveText("Sky brush · 10 % · pen up · 0 marks");
    await expect(brush.getByTestId("brush-cursor")).toBeVisible();
    await press("Shift+ArrowLeft", 4);
    await press("Shift+ArrowUp", 4);
    await press("Space");
    await expect(status).toContainText("painting");
    await press("Shift+ArrowRight");
    await press("Space");
    await expect(status).toHaveText("Sky brush · 10 % · pen up · 1 mark");

    // Not sky over the top-right corner of the sky, then a stray stroke that is undone.
    await press("n");
    await press("Shift+ArrowRight", 5);
    await press("Enter");
    await press("Shift+ArrowRight", 3);
    await press("Shift+ArrowDown");
    await press("Shift+ArrowLeft", 3);
    await press("Enter");
    await expect(status).toHaveText("Not sky brush · 10 % · pen up · 2 marks");
    await press("Space");
    await press("ArrowDown", 10);
    await press("Space");
    await expect(status).toContainText("3 marks");
    await press("Control+z");
    await expect(status).toContainText("2 marks");
    await expect(brush.getByRole("status")).toHaveText("Undone. 2 marks.");
    await snap(page, "06b-sky-brush-keyboard");

    const uploadResponse = page.waitForResponse(
      (response) => response.url().endsWith("/api/assets") && response.request().method() === "POST",
    );
    const previewRequest = page.waitForRequest((request) => request.url().endsWith("/api/previews"));
    await press("Tab");
    await expect(brush.getByRole("button", { name: "Apply marks and preview" })).toBeFocused();
    await press("Enter");

    // The uploaded hints: white where sky was painted, black where "not sky" was, grey elsewhere.
    const hints = (await (await uploadResponse).json()) as { id: string; url: string; width: number; height: number };
    const hintsPixels = await sharp(await (await page.request.get(hints.url)).body())
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const hintAt = (x: number, y: number) =>
      hintsPixels.data[
        Math.floor(y * hintsPixels.info.height) * hintsPixels.info.width + Math.floor(x * hintsPixels.info.width)
      ]!;
    expect(hintAt(0.15, 0.1)).toBeGreaterThan(200);
    expect(hintAt(0.85, 0.1)).toBeLessThan(50);
    expect(hintAt(0.5, 0.8)).toBeGreaterThan(100);
    expect(hintAt(0.5, 0.8)).toBeLessThan(156);
    expect(((await previewRequest).postDataJSON() as { input: { hintsAssetId?: string } }).input.hintsAssetId).toBe(
      hints.id,
    );

    // The re-rendered preview keeps the original sky where it was marked "not sky".
    await expect(looks).toHaveCount(3, { timeout: 60_000 });
    await expect(page.getByText("Using your sky brush marks.")).toBeVisible();
    const after = await looks.first().locator("img").getAttribute("src");
    expect(after).not.toBe(before);
    const region = async (src: string | null) => {
      const image = sharp(await (await page.request.get(src!)).body());
      const { width, height } = await image.metadata();
      return image
        .extract({
          left: Math.round(width * 0.72),
          top: Math.round(height * 0.07),
          width: Math.round(width * 0.2),
          height: Math.round(height * 0.06),
        })
        .removeAlpha()
        .raw()
        .toBuffer();
    };
    const [regionBefore, regionAfter] = await Promise.all([region(before), region(after)]);
    let difference = 0;
    for (let i = 0; i < regionBefore.length; i++) difference += Math.abs(regionBefore[i]! - regionAfter[i]!);
    expect(difference / regionBefore.length).toBeGreaterThan(15);
  });

  test("background change: colour, shadow → pay → full-resolution PNG", async ({ page }) => {
    await page.goto("/studio");
    const size = await uploadPhoto(page, "astronaut.jpg");
    await openTab(page, "Background");
    await page.getByText("Colour", { exact: true }).click();
    await page.getByRole("button", { name: "Use #fde68a" }).click();
    await previewLook(page, 2);
    await page.getByText("Gallery", { exact: true }).click();
    await page.getByText("White marble", { exact: true }).click();
    await previewLook(page, 3);
    await snap(page, "07-background-previews");
    await payInSandbox(page);
    await waitForJob(page, "succeeded");
    await snap(page, "08-background-result");
    const meta = await downloadResult(page);
    expect(meta.format).toBe("png");
    expect({ width: meta.width, height: meta.height }).toEqual(size);
  });

  test("remove background: transparent PNG at full resolution", async ({ page }) => {
    await page.goto("/studio");
    const size = await uploadPhoto(page, "coffee.jpg");
    await openTab(page, "Remove background");
    await previewLook(page, 2);
    await payInSandbox(page);
    await waitForJob(page, "succeeded");
    await snap(page, "09-removal-result");
    const meta = await downloadResult(page);
    expect(meta.format).toBe("png");
    expect(meta.hasAlpha).toBe(true);
    expect({ width: meta.width, height: meta.height }).toEqual(size);
  });

  test("mask by prompt: black-and-white PNG mask at full resolution", async ({ page }) => {
    await page.goto("/studio");
    const size = await uploadPhoto(page, "coffee.jpg");
    await openTab(page, "Mask by prompt");
    await expect(page.getByTestId("pay-button")).toBeDisabled();
    await page.getByRole("button", { name: "subject", exact: true }).click();
    await expect(page.getByLabel("What should be selected?")).toHaveValue("subject");
    await previewLook(page, 2);
    await payInSandbox(page);
    await waitForJob(page, "succeeded");
    const meta = await downloadResult(page);
    expect(meta.format).toBe("png");
    expect({ width: meta.width, height: meta.height }).toEqual(size);
  });

  test("a text file named .png is refused with the server's message", async ({ page }) => {
    await page.goto("/studio");
    await page.getByLabel("Choose a photo").setInputFiles({
      name: "notes.png",
      mimeType: "image/png",
      buffer: Buffer.from("these are my notes, not a photo\n"),
    });
    await expect(page.getByRole("alert").filter({ hasText: "JPEG" })).toHaveText(
      "This file is not a JPEG, PNG or WebP image.",
    );
    await expect(page.getByTestId("photo-dimensions")).toHaveCount(0);
    await snap(page, "10-upload-rejected");
  });

  test("no sky in the photo: helpful preview message; a paid job fails, says not charged, payment released", async ({
    page,
  }) => {
    await page.goto("/studio");
    await uploadPhoto(page, "coffee.jpg");
    // No sky in this photo: the first look falls back to the cut-out on white, and says so.
    await expect(page.getByTestId("first-look-note")).toContainText("No sky was found");
    await expect(page.getByTestId("look-strip").getByRole("button")).toHaveCount(1);
    await openTab(page, "Sky");
    await page.getByText("Orange sunset", { exact: true }).click();
    await page.getByTestId("preview-button").click();
    await expect(page.getByTestId("preview-problem")).toContainText(
      "We couldn't find the sky — paint it with the brush",
      { timeout: 60_000 },
    );
    await expect(page.getByRole("button", { name: "Paint the sky" })).toBeVisible();
    await snap(page, "11-no-sky-preview");

    const jobId = await payInSandbox(page);
    await waitForJob(page, "failed");
    await expect(page.getByTestId("not-charged")).toContainText("You were not charged");
    await expect(page.getByTestId("not-charged")).toContainText("released");
    await snap(page, "12-failed-not-charged");

    const job = (await (await page.request.get(`/api/jobs/${jobId}`)).json()) as {
      status: string;
      charged: boolean;
      payment: { status: string };
      error: { code: string };
    };
    expect(job.status).toBe("failed");
    expect(job.charged).toBe(false);
    expect(job.payment.status).toBe("released");
  });

  test("history lists this browser's edits, opens the job page, and deletes the photos on request", async ({
    page,
  }) => {
    await page.goto("/history");
    await expect(page.getByText("No edits yet.")).toBeVisible();
    await snap(page, "13-history-empty");

    await page.goto("/studio");
    await uploadPhoto(page, "astronaut.jpg");
    await openTab(page, "Remove background");
    const jobId = await payInSandbox(page);
    await waitForJob(page, "succeeded");

    await page.goto("/history");
    const list = page.getByTestId("history-list");
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await expect(list).toContainText("Background removal");
    await expect(list).toContainText("Done");
    await snap(page, "14-history");

    await list.getByRole("link", { name: /Open/ }).click();
    await expect(page).toHaveURL(new RegExp(`/jobs/${jobId}$`));
    await waitForJob(page, "succeeded");
    await expect(page.getByTestId("download")).toBeVisible();
    await snap(page, "15-job-page");

    await page.goto("/history");
    await page.getByRole("button", { name: "Delete my photos now" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete all your photos?" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Yes, delete them" }).click();
    await expect(page.getByText(/Deleted \d+ files/)).toBeVisible();
    await expect(page.getByTestId("history-list")).toContainText("Original deleted");
    const job = (await (await page.request.get(`/api/jobs/${jobId}`)).json()) as { result: unknown };
    expect(job.result).toBeNull();
  });

  test("unknown job link shows a clear message", async ({ page }) => {
    await page.goto("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA");
    await expect(page.getByText("This edit doesn't exist (or the link is wrong).")).toBeVisible();
  });
});
