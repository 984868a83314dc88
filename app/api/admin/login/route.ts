import { z } from "zod";
import { assertSameOrigin, signIn } from "@/lib/admin/auth";
import { adminJson } from "@/lib/admin/respond";
import { readJson, route } from "@/lib/http";
import { clientIp } from "@/lib/net/client-address";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const loginSchema = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) });

// POST /api/admin/login – { username, password } → session cookies (429 rate_limited after 5 tries a minute)
export const POST = route(async ({ req }) => {
  assertSameOrigin(req);
  const body = loginSchema.parse(await readJson(req, 4096));
  const session = await signIn({ username: body.username, password: body.password, ip: clientIp(req), req });
  const response = adminJson({ ok: true, username: session.username, csrfToken: session.csrfToken });
  for (const cookie of session.cookies) response.headers.append("Set-Cookie", cookie);
  return response;
});
