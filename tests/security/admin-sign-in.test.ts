/**
 * Admin sign-in hardening (issue 18 §1): a per-account back-off that holds whatever address the
 * guesses come from, a strength rule for admin passwords, and scrypt at OWASP's minimum cost.
 * In-process: the route handler is called with a different socket address per attempt.
 */
import { randomBytes, scryptSync } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as loginRoute } from "@/app/api/admin/login/route";
import { ensureBootstrapAdmin, resetLoginRateLimit, upsertAdmin } from "@/lib/admin/auth";
import { hashPassword } from "@/lib/admin/password";
import { getDb } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { PEER_HEADER } from "@/lib/net/client-address";
import { BASE, params, prepareScratchEnv } from "../helpers/paid-api";
import { testDbTargets, useTestDb } from "../test-db";

const PASSWORD = "correct horse battery staple";
const dataDir = await prepareScratchEnv({ ADMIN_PASSWORD: PASSWORD, ADMIN_LOGIN_RATE_LIMIT_PER_MINUTE: "5" });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

let peer = 0;
async function attempt(password: string, username = "admin") {
  peer += 1;
  const response = await loginRoute(
    new Request(`${BASE}/api/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: BASE, [PEER_HEADER]: `198.51.${peer >> 8}.${peer & 255}` },
      body: JSON.stringify({ username, password }),
    }),
    params({}),
  );
  return { status: response.status, retryAfter: response.headers.get("retry-after") };
}

describe("admin passwords", () => {
  it("ADMIN_PASSWORD below the strength rule stops the boot; a passphrase passes", () => {
    for (const weak of ["hunter2", "password1234", "aaaaaaaaaaaaaaaa", "abcdefghijklmnop", "12121212121212"]) {
      expect(() => parseEnv({ ADMIN_PASSWORD: weak }), weak).toThrow(/ADMIN_PASSWORD/);
    }
    expect(parseEnv({ ADMIN_PASSWORD: PASSWORD }).ADMIN_PASSWORD).toBe(PASSWORD);
  });

  it("hashes with scrypt at OWASP's minimum cost (N ≥ 2^17, r ≥ 8, p ≥ 1)", async () => {
    const [kind, N, r, p] = (await hashPassword("a long enough passphrase")).split("$");
    expect(kind).toBe("scrypt");
    expect(Number(N)).toBeGreaterThanOrEqual(2 ** 17);
    expect(Number(r)).toBeGreaterThanOrEqual(8);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
  });
});

describe.each(testDbTargets())("admin sign-in on $name", (target) => {
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    expect(await ensureBootstrapAdmin()).toBe(true);
  });
  afterAll(() => dispose());
  beforeEach(() => resetLoginRateLimit());

  it("a new admin password below the rule is refused with password_too_weak", async () => {
    const error = await upsertAdmin({ username: "ops", password: "short" }).catch((caught: unknown) => caught);
    expect(isAppError(error) && error.code).toBe("password_too_weak");
    await upsertAdmin({ username: "ops", password: "four unrelated words here" });
  });

  it("backs off per account: guesses from ever-new addresses get locked out, even the right password", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt(`guess number ${i}`)).status);
    // Every guess came from its own address, so the per-address limit never applied.
    expect(statuses.slice(0, 11)).toEqual(Array(11).fill(401));
    expect(statuses[11]).toBe(429);
    const right = await attempt(PASSWORD);
    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThan(0);
    // Another account is not affected.
    await upsertAdmin({ username: "second", password: "another long passphrase" });
    expect((await attempt("another long passphrase", "second")).status).toBe(200);
  });

  it("an admin hash made at an older, cheaper cost is upgraded at the next sign-in", async () => {
    const db = await getDb();
    const salt = randomBytes(16);
    const key = scryptSync(PASSWORD.normalize("NFKC"), salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const cheap = ["scrypt", 2 ** 14, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$");
    await db.adminUser.update({ where: { username: "admin" }, data: { passwordHash: cheap } });
    expect((await attempt(PASSWORD)).status).toBe(200);
    const stored = (await db.adminUser.findUniqueOrThrow({ where: { username: "admin" } })).passwordHash;
    expect(Number(stored.split("$")[1])).toBeGreaterThanOrEqual(2 ** 17);
    expect((await attempt(PASSWORD)).status).toBe(200);
  });
});
