import { rm } from "node:fs/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as mcpGet, POST as mcpPost } from "@/app/api/mcp/route";
import { storeAsset } from "@/lib/assets/assets";
import { createPayment } from "@/lib/billing/payments";
import { getDb } from "@/lib/db";
import type { WorkerHandle } from "@/lib/jobs/worker";
import { makeJpeg } from "./helpers/images";
import { BASE, prepareScratchEnv, startStubWorkers } from "./helpers/paid-api";
import { testDbTargets, useTestDb } from "./test-db";

const dataDir = await prepareScratchEnv({ PAYMENTS_MODE: "sandbox" });
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** The official SDK client, talking to the route handler directly (no server needed). */
async function connect(headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "backdrop-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/api/mcp`), {
    requestInit: { headers },
    fetch: (input, init) => mcpPost(new Request(input, init)),
  });
  await client.connect(transport);
  return client;
}

type ToolBody = {
  code: string;
  data: Record<string, unknown> | null;
  error?: { code: string };
  payment?: { serviceId: string; paymentHeader: string; mcpArgument: string; createPayment: { url: string } };
};

describe.each(testDbTargets())("MCP tools on $name", (target) => {
  let dispose: () => Promise<void>;
  let workers: WorkerHandle;
  let photoId: string;

  beforeAll(async () => {
    ({ dispose } = await useTestDb(target));
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    photoId = (await storeAsset({ kind: "upload", bytes: jpeg, mime: "image/jpeg", width: 64, height: 48 })).id;
    workers = startStubWorkers({ bytes: jpeg, width: 64, height: 48 });
  });
  afterAll(async () => {
    await workers.stop();
    await dispose();
  });

  it("lists the four tools with the API's input keys plus paymentToken", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "background_change",
      "background_removal",
      "prompt_segmentation",
      "sky_replacement",
    ]);
    const sky = tools.find((tool) => tool.name === "sky_replacement")!;
    expect(Object.keys(sky.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["ImageURL", "ReplaceImageURL", "imageAssetId", "skyPresetId", "paymentToken"]),
    );
    expect(sky.description).toContain("$0.20");
    await client.close();
  });

  it("answers a call without a token with the payment instructions as a tool error", async () => {
    const client = await connect();
    const result = await client.callTool({
      name: "sky_replacement",
      arguments: { imageAssetId: photoId, skyPresetId: "clear-blue" },
    });
    expect(result.isError).toBe(true);
    const body = result.structuredContent as ToolBody;
    expect(body).toMatchObject({
      code: "402",
      error: { code: "payment_required" },
      payment: {
        serviceId: "sky-replacement",
        paymentHeader: "X-Payment-Token",
        mcpArgument: "paymentToken",
        createPayment: { url: `${BASE}/api/payments` },
      },
    });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(body);
    await client.close();
  });

  it("runs a paid call with the paymentToken argument and refuses the token's reuse", async () => {
    const payment = await createPayment({ serviceId: "background-removal", origin: BASE });
    const client = await connect();
    const paid = await client.callTool({
      name: "background_removal",
      arguments: { imageAssetId: photoId, paymentToken: payment.token },
    });
    expect(paid.isError).toBe(false);
    const body = paid.structuredContent as ToolBody;
    expect(body).toMatchObject({ code: "200", data: { Action: "RemoveBackground", Charged: true } });
    expect(String(body.data?.ImageURL)).toMatch(new RegExp(`^${BASE}/api/assets/ast_`));

    const again = await client.callTool({
      name: "background_removal",
      arguments: { imageAssetId: photoId, paymentToken: payment.token },
    });
    expect(again.isError).toBe(true);
    expect((again.structuredContent as ToolBody).error?.code).toBe("token_already_used");
    expect(await (await getDb()).job.count({ where: { paymentId: payment.paymentId } })).toBe(1);
    await client.close();
  });

  it("also takes the token from the X-Payment-Token header of the MCP request", async () => {
    const payment = await createPayment({ serviceId: "prompt-segmentation", origin: BASE });
    const client = await connect({ "X-Payment-Token": payment.token! });
    const result = await client.callTool({
      name: "prompt_segmentation",
      arguments: { imageAssetId: photoId, prompt: "sky" },
    });
    expect(result.isError).toBe(false);
    expect((result.structuredContent as ToolBody).data).toMatchObject({ Action: "SegmentByPrompt" });
    await client.close();
  });

  it("rejects invalid arguments without charging and refuses GET", async () => {
    const client = await connect();
    const result = await client.callTool({
      name: "sky_replacement",
      arguments: { ImageURL: "https://example.com/a.jpg" },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/validation_failed|new sky/);
    await client.close();
    expect(mcpGet().status).toBe(405);
  });
});
