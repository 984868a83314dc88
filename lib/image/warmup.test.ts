import { describe, expect, it } from "vitest";
import { warmEngine } from "./warmup";

describe("engine warm-up", () => {
  it("runs every edit to the end on its synthetic photo (so every stage gets optimised)", async () => {
    expect(await warmEngine(1)).toEqual({ refused: [] });
  }, 120_000);
});
