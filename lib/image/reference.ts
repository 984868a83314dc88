import sharp from "sharp";
import { renderBackgroundPreset, renderSkyPreset } from "./presets";
import { renderScene } from "./procedural";
import { backgroundFromPrompt, skyFromPrompt } from "./prompts";

/** A preset or described sky/background rendered at a size, for a vendor that takes a reference image. */
export type ReferenceTask = {
  kind: "sky" | "background";
  source: { kind: "preset"; presetId: string } | { kind: "prompt"; prompt: string };
  width: number;
  height: number;
};

/** Renders the reference and encodes it as JPEG (what every vendor accepts). */
export async function renderReference(task: ReferenceTask): Promise<Buffer> {
  const size = { width: task.width, height: task.height };
  const { source } = task;
  const rgb =
    source.kind === "preset"
      ? task.kind === "sky"
        ? await renderSkyPreset(source.presetId, size)
        : await renderBackgroundPreset(source.presetId, size)
      : await renderScene(
          task.kind === "sky" ? skyFromPrompt(source.prompt).spec : backgroundFromPrompt(source.prompt).spec,
          size,
        );
  return sharp(Buffer.from(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length), {
    raw: { width: rgb.width, height: rgb.height, channels: 3 },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}
