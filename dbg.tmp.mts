import fs from "node:fs";
import { decodeRgb, shrinkRgb } from "./lib/image/raster";
import { detectSky } from "./lib/image/sky-mask";
for (const f of [".cache/debroot/lomiri-wallpapers-16.04/usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg", ".cache/debroot/lomiri-wallpapers-16.04/usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg", ".cache/debroot/lomiri-wallpapers-16.04/usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg", ".cache/debroot/mate-backgrounds/usr/share/backgrounds/mate/nature/Dune.jpg", "e2e/fixtures/files/astronaut.jpg", "e2e/fixtures/files/camera.jpg", ".cache/debroot/opencv-doc/usr/share/doc/opencv-doc/examples/data/leuvenA.jpg", ".cache/debroot/opencv-doc/usr/share/doc/opencv-doc/examples/data/home.jpg", ".cache/debroot/mate-backgrounds/usr/share/backgrounds/mate/nature/Storm.jpg"]) {
  const rgb = await shrinkRgb(await decodeRgb(fs.readFileSync(f)), 480);
  const d = detectSky(rgb);
  let s = [0, 0, 0], n = 0, top = [0,0,0], nt=0, bot=[0,0,0], nb=0;
  let ys: number[] = [];
  for (let i = 0; i < d.mask.length; i++) if (d.mask[i]) { n++; for (let k = 0; k < 3; k++) s[k] += rgb.data[3 * i + k]!; ys.push(Math.floor(i / d.w)); }
  ys.sort((a,b)=>a-b); const y25 = ys[Math.floor(ys.length*0.2)]!, y75 = ys[Math.floor(ys.length*0.8)]!;
  for (let i = 0; i < d.mask.length; i++) if (d.mask[i]) { const y = Math.floor(i/d.w); const L = 0.299*rgb.data[3*i]!+0.587*rgb.data[3*i+1]!+0.114*rgb.data[3*i+2]!; if (y<=y25){top[0]+=L;nt++;} if (y>=y75){bot[0]+=L;nb++;} }
  console.log(f.split("/").pop(), d.confidence.toFixed(2), s.map((v) => Math.round(v / n)), "Ltop", Math.round(top[0]/nt), "Lbot", Math.round(bot[0]/nb));
}
