import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { signInLinkFrom, startFakeSmtp, type FakeSmtp } from "./fakes/smtp-server";
import { expectNoSeriousViolations, fixture, snap, uploadPhoto, waitForJob } from "./helpers";

// The port playwright.config.ts gives the server as SMTP_URL.
const SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? Number(process.env.E2E_PORT ?? 3200) + 1);

let smtp: FakeSmtp;
test.beforeAll(async () => {
  smtp = await startFakeSmtp(SMTP_PORT);
});
test.afterAll(() => smtp.close());

/** Asks for a sign-in link on /sign-in, takes it from the mail the server sent, and uses it. */
async function signInByEmail(page: Page, email: string, options: { check?: boolean } = {}): Promise<void> {
  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Faccount$/);
  if (options.check) await expectNoSeriousViolations(page, "sign-in page");
  if (options.check) await snap(page, "40-sign-in");
  const already = smtp.mails.length;
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("sign-in-sent")).toContainText(`We sent a sign-in link to ${email}`);
  await expect.poll(() => smtp.mails.length).toBeGreaterThan(already);
  const mail = smtp.mails.slice(already).find((item) => item.to.includes(email));
  expect(mail, "a mail to the address").toBeTruthy();
  const link = signInLinkFrom(mail!);
  await page.goto(link);
  await expect(page.getByText(`Signing in as ${email}`)).toBeVisible();
  if (options.check) await expectNoSeriousViolations(page, "sign-in link page");
  if (options.check) await snap(page, "41-sign-in-link");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();

  // The link works once.
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This sign-in link has been used already.");
  await page.goto("/account");
  await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
}

async function apiKeyEdit(request: APIRequestContext, key: string): Promise<{ status: number; code?: string }> {
  // A program uploads with its key: the photo then belongs to the key's account.
  const upload = await request.post("/api/assets", {
    headers: { Authorization: `Bearer ${key}` },
    multipart: { file: { name: "coffee.jpg", mimeType: "image/jpeg", buffer: readFileSync(fixture("coffee.jpg")) } },
  });
  expect(upload.status()).toBe(201);
  const asset = (await upload.json()) as { id: string };
  const call = await request.post("/api/tools/background-removal", {
    data: { imageAssetId: asset.id },
    headers: { Authorization: `Bearer ${key}`, Prefer: "wait=150" },
    timeout: 170_000,
  });
  const body = (await call.json()) as { data?: { JobId?: string }; error?: { code: string } };
  if (call.status() === 202 && body.data?.JobId) {
    await expect
      .poll(
        async () => ((await (await request.get(`/api/jobs/${body.data!.JobId}`)).json()) as { status: string }).status,
        { timeout: 170_000, intervals: [1000] },
      )
      .toBe("succeeded");
    return { status: 200 };
  }
  return { status: call.status(), code: body.error?.code };
}

async function newDevice(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test("an account signed in by emailed link buys credits, pays studio edits and API calls with them, and sees it all on another device", async ({
  page,
  request,
  browser,
}) => {
  test.setTimeout(420_000);
  const email = `buyer-${Date.now()}@example.com`;
  await signInByEmail(page, email, { check: true });
  await expect(page.getByTestId("credit-balance")).toHaveText("0 credits");
  await expect(page.getByTestId("account-link")).toContainText("Account");

  // Buy the smallest pack (sandbox: credited at once, and labelled).
  const pack = page.getByTestId("pack-pack_10");
  await expect(page.getByTestId("sandbox-badge")).toHaveText("Sandbox — no real money");
  await pack.getByRole("button", { name: /Buy 10 credits/ }).click();
  await expect(page.getByTestId("topup-done")).toContainText("10 credits added (sandbox)");
  await expect(page.getByTestId("credit-balance")).toHaveText("10 credits");

  // A key with a monthly cap, shown once.
  await page.getByLabel("Key name").fill("catalog sync");
  await page.getByLabel(/Monthly cap/).fill("5");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("api-key-secret").textContent()) ?? "";
  expect(secret).toMatch(/^bdk_[A-Za-z0-9_-]{43}$/);
  await expectNoSeriousViolations(page, "account page with a new key");
  await snap(page, "42-account-new-key");
  await page.getByRole("button", { name: "I have saved it" }).click();
  await expect(page.getByTestId("api-key-secret")).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("api-key-secret")).toHaveCount(0);
  await expect(page.getByTestId("api-key-row")).toContainText(secret.slice(0, 12));
  await expect(page.getByTestId("api-key-row")).not.toContainText(secret);

  // A program spends a credit with the key.
  expect(await apiKeyEdit(request, secret)).toEqual({ status: 200 });

  // The studio uses the balance: no checkout.
  await page.goto("/studio");
  await uploadPhoto(page, "camera.jpg");
  await page.getByText("Orange sunset", { exact: true }).click();
  await expect(page.getByTestId("studio-balance")).toContainText("9 credits left");
  await expect(page.getByTestId("pay-button")).toHaveCount(0);
  await page.getByTestId("pay-with-credits").click();
  await waitForJob(page, "succeeded");
  await expect(page.getByTestId("account-link")).toContainText("8 credits");

  await page.goto("/account");
  await expect(page.getByTestId("credit-balance")).toHaveText("8 credits");
  await expect(page.getByTestId("api-key-month")).toHaveText("1 of 5");
  await expect(page.getByTestId("api-key-last-used")).not.toHaveText("Never");
  const rows = page.getByTestId("activity-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "key: catalog sync" })).toHaveCount(1);
  await expect(page.locator('[data-testid="activity-row"][data-kind="edit"]')).toHaveCount(2);
  await expectNoSeriousViolations(page, "account page with history");
  await snap(page, "43-account-history");

  // The usage export.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export usage (CSV)" }).click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8")
    .trim()
    .split("\r\n");
  expect(csv[0]).toBe("date,kind,status,credits,description,service,job_id,api_key,topup_id");
  expect(csv).toHaveLength(4);

  // The receipt, printable.
  await page.getByRole("link", { name: "Receipt" }).click();
  await expect(page.getByTestId("receipt")).toContainText("Sandbox (test payment, no money moved)");
  await expect(page.getByTestId("receipt")).toContainText(email);
  await expect(page.getByTestId("receipt-total")).toHaveText("$1.80");
  await expectNoSeriousViolations(page, "receipt");
  await snap(page, "44-receipt");

  // Revoked: the key is refused at once.
  await page.goto("/account");
  await page.getByRole("button", { name: "Revoke catalog sync" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expectNoSeriousViolations(page, "revoke dialog");
  await page.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("api-key-row")).toContainText("Revoked");
  const refused = await request.post("/api/tools/background-removal", {
    data: { imageAssetId: "ast_whatever" },
    headers: { Authorization: `Bearer ${secret}` },
  });
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("api_key_revoked");

  // Another device, the same address: the same balance and history.
  const phone = await newDevice(browser);
  await signInByEmail(phone, email);
  await expect(phone.getByTestId("credit-balance")).toHaveText("8 credits");
  await expect(phone.getByTestId("activity-row")).toHaveCount(3);
  await phone.goto("/history");
  await expect(phone.getByTestId("history-list").getByRole("listitem")).toHaveCount(2);
  await phone.context().close();
});

test("an account can be deleted after typing its address", async ({ page }) => {
  const email = `leaver-${Date.now()}@example.com`;
  await signInByEmail(page, email);
  await page.getByRole("button", { name: "Delete my account" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("button", { name: "Delete everything" })).toBeDisabled();
  await dialog.getByLabel("Your email address").fill(email);
  await expectNoSeriousViolations(page, "delete dialog");
  await dialog.getByRole("button", { name: "Delete everything" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("the admin console lists accounts, adjusts a balance with a reason and refunds a top-up's unspent credits", async ({
  page,
  browser,
}) => {
  const email = `customer-${Date.now()}@example.com`;
  await signInByEmail(page, email);
  await page
    .getByTestId("pack-pack_10")
    .getByRole("button", { name: /Buy 10 credits/ })
    .click();
  await expect(page.getByTestId("credit-balance")).toHaveText("10 credits");

  const admin = await newDevice(browser);
  await admin.goto("/admin/login");
  await admin.getByLabel("Username").fill("admin");
  await admin.getByLabel("Password").fill("e2e-admin-password");
  await admin.getByRole("button", { name: "Sign in" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await admin.getByRole("link", { name: "Accounts" }).click();
  await admin.getByLabel("Email or account id").fill(email);
  await admin.getByRole("button", { name: "Search" }).click();
  const row = admin.getByTestId("admin-accounts").getByRole("row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("10");
  await expectNoSeriousViolations(admin, "admin accounts");
  await snap(admin, "45-admin-accounts");

  await row.getByRole("link", { name: email }).click();
  await expect(admin.getByTestId("admin-account-balance")).toHaveText("10");
  await admin.getByLabel("Credits (+ or −)").fill("-3");
  await admin.getByLabel(/Reason \(required/).fill("three edits done by hand");
  await admin.getByRole("button", { name: "Adjust balance" }).click();
  await expect(admin.getByTestId("account-action-message")).toHaveText("Done: the balance is now 7.");
  await expect(admin.getByTestId("admin-account-balance")).toHaveText("7");

  await admin.getByRole("button", { name: "Refund 7 unspent" }).click();
  const dialog = admin.getByRole("dialog");
  await dialog.getByLabel("Reason").fill("customer asked");
  await expectNoSeriousViolations(admin, "admin refund dialog");
  await dialog.getByRole("button", { name: "Refund" }).click();
  await expect(admin.getByText("Refunded 7 credits ($1.26).")).toBeVisible();
  await expect(admin.getByTestId("admin-account-balance")).toHaveText("0");
  await expect(admin.getByTestId("admin-account-audit").getByRole("row")).toHaveCount(2);
  await expect(admin.getByTestId("admin-account-audit")).toContainText("three edits done by hand");
  await expectNoSeriousViolations(admin, "admin account");
  await snap(admin, "46-admin-account");
  await admin.context().close();

  await page.reload();
  await expect(page.getByTestId("credit-balance")).toHaveText("0 credits");
  await expect(page.locator('[data-testid="activity-row"][data-kind="refund"]')).toContainText("customer asked");
});
