import { rm } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DELETE as deleteAccountRoute, GET as getAccountRoute } from "@/app/api/account/route";
import { POST as signInRoute } from "@/app/api/account/sign-in/route";
import { POST as signOutRoute } from "@/app/api/account/sign-out/route";
import { POST as verifyRoute } from "@/app/api/account/verify/route";
import { GET as listKeysRoute, POST as createKeyRoute } from "@/app/api/account/keys/route";
import { DELETE as revokeKeyRoute } from "@/app/api/account/keys/[id]/route";
import { POST as topupRoute } from "@/app/api/account/topups/route";
import { GET as usageCsvRoute } from "@/app/api/account/usage.csv/route";
import { GET as historyRoute } from "@/app/api/history/route";
import { POST as startJobRoute } from "@/app/api/jobs/route";
import { resetSignInRateLimit } from "@/lib/accounts/sign-in";
import { hashApiKey } from "@/lib/accounts/api-keys";
import { storeAsset } from "@/lib/assets/assets";
import { getDb } from "@/lib/db";
import { newId } from "@/lib/ids";
import { ownerCookie } from "@/lib/owner";
import { waitForJob } from "@/lib/jobs/queue";
import type { WorkerHandle } from "@/lib/jobs/worker";
import { makeJpeg } from "./helpers/images";
import { BASE, params, prepareScratchEnv, startStubWorkers } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const dataDir = await prepareScratchEnv({ PAYMENTS_MODE: "sandbox" });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

/** A browser: keeps the cookies the server sets and sends them back, same-origin. */
function browser() {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([key, value]) => `${key}=${value}`).join("; ");
  async function call(
    handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>,
    path: string,
    init: { method?: string; body?: unknown; csrf?: boolean; headers?: Record<string, string>; id?: string } = {},
  ): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
    const headers: Record<string, string> = { origin: BASE, cookie: cookieHeader(), ...init.headers };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.csrf) headers["x-csrf-token"] = jar.get("bd_csrf") ?? "";
    const response = await handler(
      new Request(`${BASE}${path}`, {
        method: init.method ?? "POST",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
      params(init.id ? { id: init.id } : {}) as { params: Promise<never> },
    );
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [key, ...rest] = pair!.split("=");
      const value = rest.join("=");
      if (/Max-Age=0/.test(line)) jar.delete(key!);
      else jar.set(key!, value);
    }
    const text = await response.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      // CSV and other bodies
    }
    return { status: response.status, json, text, headers: response.headers };
  }
  return { jar, call };
}

/** Signs a browser in through the emailed link (printed to the log: no SMTP_URL in tests). */
async function signIn(client: ReturnType<typeof browser>, email: string, returnTo?: string) {
  const printed = vi.spyOn(console, "log");
  const sent = await client.call(signInRoute, "/api/account/sign-in", { body: { email, returnTo } });
  expect(sent.status).toBe(202);
  expect(sent.json).toMatchObject({ sent: true, delivery: "log" });
  const line = printed.mock.calls.map((args) => String(args[0])).find((text) => text.includes("SIGN-IN LINK"));
  printed.mockRestore();
  expect(line).toContain(email.toLowerCase());
  const url = new URL(/https?:\/\/\S+/.exec(line!)![0]);
  expect(url.pathname).toBe("/sign-in/verify");
  const token = url.searchParams.get("token")!;
  const verified = await client.call(verifyRoute, "/api/account/verify", { body: { token } });
  return { token, verified };
}

describe.each(testDbTargets())("accounts on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let jpeg: Buffer;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    jpeg = await makeJpeg({ width: 64, height: 48 });
    workers = startStubWorkers({ bytes: jpeg, width: 64, height: 48 });
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });
  beforeEach(() => resetSignInRateLimit());

  it("signs in by a one-time emailed link, and moves this browser's earlier edits to the account", async () => {
    const client = browser();
    // An anonymous edit made in this browser before signing in.
    const ownerId = newId("own");
    client.jar.set("bd_owner", ownerCookie(ownerId, false).split(";")[0]!.split("=").slice(1).join("="));
    const db = await getDb();
    const photo = await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48, ownerId });
    await db.job.create({
      data: { id: newId("job"), serviceId: "background-removal", params: {}, ownerId, status: "succeeded" },
    });

    const email = `Someone.${target.name}@Example.com`;
    const { token, verified } = await signIn(client, email, "/studio");
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({
      signedIn: true,
      email: email.toLowerCase(),
      created: true,
      claimedEdits: 1,
      returnTo: "/studio",
    });
    expect(client.jar.get("bd_session")).toBeTruthy();
    const session = await client.call(getAccountRoute, "/api/account", { method: "GET" });
    expect(session.json).toMatchObject({ signedIn: true, account: { email: email.toLowerCase() } });
    expect((session.json.credits as { balance: number }).balance).toBe(0);
    const account = session.json.account as { id: string };
    expect((await db.asset.findUniqueOrThrow({ where: { id: photo.id } })).ownerId).toBe(account.id);
    const history = await client.call(historyRoute, "/api/history", { method: "GET" });
    expect((history.json.items as unknown[]).length).toBe(1);

    // The link works once; only its hash was stored.
    const again = await browser().call(verifyRoute, "/api/account/verify", { body: { token } });
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe("sign_in_link_used");
    expect(await db.loginToken.count({ where: { id: token } })).toBe(0);

    // Another device signing in with the same address gets the same account and its history.
    const phone = browser();
    const second = await signIn(phone, email.toLowerCase());
    expect(second.verified.json).toMatchObject({ created: false, returnTo: "/account" });
    const phoneHistory = await phone.call(historyRoute, "/api/history", { method: "GET" });
    expect((phoneHistory.json.items as unknown[]).length).toBe(1);
  });

  it("refuses expired, unknown and cross-site sign-in links", async () => {
    const client = browser();
    const expiredEmail = `late.${target.name}@example.com`;
    const printed = vi.spyOn(console, "log");
    await client.call(signInRoute, "/api/account/sign-in", { body: { email: expiredEmail } });
    const line = printed.mock.calls.map((args) => String(args[0])).find((text) => text.includes(expiredEmail))!;
    printed.mockRestore();
    const token = new URL(/https?:\/\/\S+/.exec(line)![0]).searchParams.get("token")!;
    const db = await getDb();
    await db.loginToken.updateMany({ where: { email: expiredEmail }, data: { expiresAt: new Date(Date.now() - 1) } });
    const expired = await client.call(verifyRoute, "/api/account/verify", { body: { token } });
    expect(expired.status).toBe(410);
    expect(expired.json.error?.code).toBe("sign_in_link_expired");
    const unknown = await client.call(verifyRoute, "/api/account/verify", { body: { token: "A".repeat(43) } });
    expect(unknown.json.error?.code).toBe("sign_in_link_invalid");
    const crossSite = await client.call(verifyRoute, "/api/account/verify", {
      body: { token },
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    const badEmail = await client.call(signInRoute, "/api/account/sign-in", { body: { email: "not-an-email" } });
    expect(badEmail.status).toBe(422);
  });

  it("needs the CSRF token for every write, and signs out server-side", async () => {
    const client = browser();
    await signIn(client, `csrf.${target.name}@example.com`);
    const withoutToken = await client.call(createKeyRoute, "/api/account/keys", { body: { name: "ci" } });
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.json.error?.code).toBe("csrf_failed");
    const crossSite = await client.call(createKeyRoute, "/api/account/keys", {
      body: { name: "ci" },
      csrf: true,
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    const noCredits = await client.call(startJobRoute, "/api/jobs", {
      body: { serviceId: "background-removal", input: { imageAssetId: "ast_x" }, payWith: "credits" },
    });
    expect(noCredits.json.error?.code).toBe("csrf_failed");

    const session = client.jar.get("bd_session")!;
    const out = await client.call(signOutRoute, "/api/account/sign-out", { csrf: true });
    expect(out.status).toBe(200);
    // The old cookie no longer works, even if a copy of it was kept.
    const stale = await getAccountRoute(
      new Request(`${BASE}/api/account`, { headers: { cookie: `bd_session=${session}` } }),
      params({}),
    );
    expect(((await stale.json()) as Json).signedIn).toBe(false);
  });

  it("creates API keys shown once and stored hashed; buys credits; pays a studio edit with them; exports usage", async () => {
    const client = browser();
    await signIn(client, `keys.${target.name}@example.com`);
    const created = await client.call(createKeyRoute, "/api/account/keys", {
      body: { name: "  nightly job  ", monthlyCap: 50 },
      csrf: true,
    });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(key).toMatch(/^bdk_[A-Za-z0-9_-]{43}$/);
    const listed = await client.call(listKeysRoute, "/api/account/keys", { method: "GET" });
    expect(JSON.stringify(listed.json)).not.toContain(key);
    expect(listed.json.keys).toMatchObject([{ name: "nightly job", monthlyCap: 50, prefix: key.slice(0, 12) }]);
    const db = await getDb();
    const row = await db.apiKey.findFirstOrThrow({ where: { prefix: key.slice(0, 12) } });
    expect(row.keyHash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);

    const bought = await client.call(topupRoute, "/api/account/topups", { body: { packId: "pack_50" }, csrf: true });
    expect(bought.status).toBe(201);
    expect(bought.json.topup).toMatchObject({ credits: 50, status: "paid", sandbox: true, display: "$7.50" });
    const refused = await client.call(topupRoute, "/api/account/topups", { body: { packId: "pack_x" }, csrf: true });
    expect(refused.json.error?.code).toBe("pack_not_found");

    const photo = await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 });
    const started = await client.call(startJobRoute, "/api/jobs", {
      body: { serviceId: "background-removal", input: { imageAssetId: photo.id }, payWith: "credits" },
      csrf: true,
    });
    expect(started.status).toBe(202);
    const job = started.json.job as { id: string; paidWithCredits: boolean };
    expect(job.paidWithCredits).toBe(true);
    expect((await waitForJob(job.id, 20_000)).status).toBe("succeeded");
    const account = await client.call(getAccountRoute, "/api/account", { method: "GET" });
    expect(account.json.credits).toMatchObject({ balance: 49, spent: 1, toppedUp: 50 });

    const csv = await client.call(usageCsvRoute, "/api/account/usage.csv", { method: "GET" });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = csv.text.trim().split("\r\n");
    expect(lines[0]).toBe("date,kind,status,credits,description,service,job_id,api_key,topup_id");
    expect(
      lines.some((line) => line.includes(`,edit,charged,-1,Background removal,background-removal,${job.id},`)),
    ).toBe(true);
    expect(lines.some((line) => line.includes(",topup,paid,50,"))).toBe(true);

    const revoked = await client.call(revokeKeyRoute, `/api/account/keys/${row.id}`, {
      method: "DELETE",
      csrf: true,
      id: row.id,
    });
    expect(revoked.status).toBe(200);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).not.toBeNull();
    // Someone else's key cannot be revoked through this account.
    const other = browser();
    await signIn(other, `other.${target.name}@example.com`);
    const foreign = await other.call(revokeKeyRoute, `/api/account/keys/${row.id}`, {
      method: "DELETE",
      csrf: true,
      id: row.id,
    });
    expect(foreign.status).toBe(404);
  });

  it("deletes an account's photos and personal rows, keeps the ledger, and frees the address", async () => {
    const client = browser();
    const email = `gone.${target.name}@example.com`;
    await signIn(client, email);
    await client.call(topupRoute, "/api/account/topups", { body: { packId: "pack_10" }, csrf: true });
    await client.call(createKeyRoute, "/api/account/keys", { body: { name: "k" }, csrf: true });
    const me = await client.call(getAccountRoute, "/api/account", { method: "GET" });
    const accountId = (me.json.account as { id: string }).id;
    const db = await getDb();
    const photo = await storeAsset({
      kind: "upload",
      bytes: jpeg,
      mime: "image/jpeg",
      width: 64,
      height: 48,
      ownerId: accountId,
    });

    const wrong = await client.call(deleteAccountRoute, "/api/account", {
      method: "DELETE",
      body: { confirmEmail: "someone@else.com" },
      csrf: true,
    });
    expect(wrong.status).toBe(422);
    const deleted = await client.call(deleteAccountRoute, "/api/account", {
      method: "DELETE",
      body: { confirmEmail: email },
      csrf: true,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ deleted: true });
    expect(client.jar.has("bd_session")).toBe(false);

    const row = await db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(row.email).toBeNull();
    expect(row.deletedAt).not.toBeNull();
    expect((await db.asset.findUniqueOrThrow({ where: { id: photo.id } })).deletedAt).not.toBeNull();
    expect(await db.apiKey.count({ where: { accountId } })).toBe(0);
    expect(await db.accountSession.count({ where: { accountId } })).toBe(0);
    expect(await db.creditEntry.count({ where: { accountId } })).toBe(1);
    expect(await db.creditTopup.count({ where: { accountId } })).toBe(1);

    // The address can sign up again, as a new, empty account.
    const fresh = browser();
    const again = await signIn(fresh, email);
    expect(again.verified.json).toMatchObject({ created: true });
  });
});
