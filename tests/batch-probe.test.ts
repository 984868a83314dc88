import { it, expect } from "vitest";
import sharp from "sharp";
import { changeBackground } from "@/lib/image";
import { toInput, fixture } from "@/lib/image/test-support/fixtures";
it("probe", async () => {
  for (const bg of ["#808080", "#ffffff", "#000000"]) {
    const bytes = await sharp({ create: { width: 320, height: 240, channels: 3, background: bg } }).jpeg().toBuffer();
    const t = Date.now();
    try { await changeBackground({ image: await toInput(bytes), background: { kind: "color", color: "#ffffff" }, shadow: false, canvas: "original", format: "png" } as never); console.log(bg, "ok", Date.now()-t); }
    catch (e) { console.log(bg, "err", (e as {code?:string}).code, Date.now()-t); }
  }
  const t = Date.now();
  const cam = await fixture("camera");
  const r = await changeBackground({ image: cam, background: { kind: "color", color: "#ffffff" }, shadow: false, canvas: "original", format: "png" } as never);
  console.log("camera", cam.width, cam.height, Date.now()-t, (r as {width:number}).width);
});
