import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "./local";

describe("local storage", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "bd-storage-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("stores, reads back and deletes bytes", async () => {
    const storage = createLocalStorage(root);
    const bytes = Buffer.from([1, 2, 3, 4]);
    await storage.put({ key: "upload/ab/ast_x.jpg", bytes, mime: "image/jpeg" });
    expect(await storage.get("upload/ab/ast_x.jpg")).toEqual(bytes);
    await storage.delete("upload/ab/ast_x.jpg");
    expect(await storage.get("upload/ab/ast_x.jpg")).toBeNull();
  });

  it("leaves no temporary files behind", async () => {
    const storage = createLocalStorage(root);
    await storage.put({ key: "upload/cd/a.png", bytes: Buffer.alloc(1024), mime: "image/png" });
    expect(await readdir(path.join(root, "upload", "cd"))).toEqual(["a.png"]);
  });

  it.each(["../etc/passwd", "upload/../../x", "/abs/path", "a//b", "x\u0000y", ""])(
    "refuses the key %j",
    async (key) => {
      const storage = createLocalStorage(root);
      await expect(storage.put({ key, bytes: Buffer.from("x"), mime: "text/plain" })).rejects.toThrow();
      await expect(storage.get(key)).rejects.toThrow();
    },
  );

  it("passes its health check", async () => {
    await expect(createLocalStorage(root).check()).resolves.toBeUndefined();
  });
});
