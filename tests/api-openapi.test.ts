import { describe, expect, it } from "vitest";
import { buildOpenApi } from "@/lib/tools/openapi";

describe("OpenAPI document", () => {
  const doc = buildOpenApi({ origin: "https://backdrop.example", services: [] });

  it("describes every tool with the input keys of the shared zod schemas", () => {
    const sky = doc.paths["/api/tools/sky-replacement"] as {
      post: {
        requestBody: {
          content: {
            "application/json": { schema: { properties: Record<string, unknown>; additionalProperties?: boolean } };
          };
        };
      };
    };
    const schema = sky.post.requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["ImageURL", "ReplaceImageURL", "imageAssetId", "skyPresetId", "skyPrompt", "harmonize"]),
    );
    expect(schema.additionalProperties).toBe(false);
    for (const path of [
      "/api/tools/background-change",
      "/api/tools/background-removal",
      "/api/tools/prompt-segmentation",
      "/api/tools/aliyun-imageseg-change-sky",
      "/api/payments",
      "/api/jobs/{jobId}",
      "/api/mcp",
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(doc.components.securitySchemes.PaymentToken).toEqual({
      type: "apiKey",
      in: "header",
      name: "X-Payment-Token",
    });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
