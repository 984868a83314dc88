import { describe, expect, it } from "vitest";
import { decodeMatte, encodeMatte } from "./matte-codec";

describe("matte codec", () => {
  it("gives back a matte's fields: alphas to within 1/255, colour planes with holes and indices exactly", () => {
    const n = 200 * 150;
    const alpha = new Float32Array(n);
    for (let i = 0; i < n; i++) alpha[i] = i % 200 < 90 ? 0 : i % 200 > 110 ? 1 : ((i % 200) - 90) / 20;
    const colour = new Float32Array(n).map((_, i) => (i % 7 === 0 ? Number.NaN : 0.2 + (i % 13) * 0.1));
    const band = Int32Array.from({ length: 4000 }, (_, i) => i * 7);
    const matte = {
      width: 200,
      height: 150,
      alpha,
      band,
      coverage: 0.47,
      bbox: { x: 90, y: 0, width: 110, height: 150 },
      refine: { rgb: { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) }, skyColour: [colour] },
      warnings: ["sun-or-glare-kept"],
    };
    const bytes = encodeMatte(matte);
    // Mostly flat alpha deflates far below its 120 KB of floats.
    expect(bytes.length).toBeLessThan(60_000);
    const back = decodeMatte<typeof matte>(bytes);
    expect(back.width).toBe(200);
    expect(back.bbox).toEqual(matte.bbox);
    expect(back.warnings).toEqual(["sun-or-glare-kept"]);
    expect(back.band).toEqual(band);
    expect(Array.from(back.refine.rgb.data)).toEqual([1, 2, 3, 4, 5, 6]);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(back.alpha[i]! - alpha[i]!));
    expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    expect(back.alpha[0]).toBe(0);
    expect(back.alpha[199]).toBe(1);
    const c = back.refine.skyColour[0]!;
    expect(Number.isNaN(c[0]!)).toBe(true);
    expect(c[1]).toBe(colour[1]);
  });

  it("refuses bytes it did not write", () => {
    expect(() => decodeMatte(Buffer.from("not a matte at all"))).toThrow();
    const good = encodeMatte({ alpha: new Float32Array(10) });
    expect(() => decodeMatte(good.subarray(0, good.length - 3))).toThrow();
  });
});
