/**
 * `npm run fakes`: starts the fake Alibaba, SellerPic and YouCam servers on fixed loopback ports
 * and prints the env lines that point the app at them. Ctrl-C stops them.
 *
 *   FAKES_BASE_PORT (default 4510): Alibaba on it, SellerPic on +1, YouCam on +2.
 *   FAKES_APP_URL (default http://127.0.0.1:3000): where YouCam's fake sends webhooks.
 */
import { randomBytes } from "node:crypto";
import { startAlibabaFake } from "../e2e/fakes/alibaba-server";
import { startSellerPicFake } from "../e2e/fakes/sellerpic-server";
import { startYoucamFake } from "../e2e/fakes/youcam-server";

const basePort = Number(process.env.FAKES_BASE_PORT ?? 4510);
const appUrl = (process.env.FAKES_APP_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
const webhookSecret = `whsec_${randomBytes(24).toString("base64")}`;

const alibaba = await startAlibabaFake({ port: basePort });
const sellerpic = await startSellerPicFake({ port: basePort + 1 });
const youcam = await startYoucamFake({ port: basePort + 2 });
youcam.state.webhook = { url: `${appUrl}/api/webhooks/youcam`, secret: webhookSecret };
// Tasks take a few seconds, like the real services (but far less than their real durations).
sellerpic.state.taskMs = 2_000;
youcam.state.taskMs = 2_000;

console.log(`# Fake providers are running (loopback only). Add to .env.local and restart the app:
PUBLIC_BASE_URL=${appUrl}
ALIBABA_ACCESS_KEY_ID=${alibaba.state.accessKeyId}
ALIBABA_ACCESS_KEY_SECRET=${alibaba.state.accessKeySecret}
ALIBABA_ENDPOINT=${alibaba.url}
ALIBABA_OPENPLATFORM_ENDPOINT=${alibaba.url}
SELLERPIC_API_KEY=${sellerpic.state.apiKey}
SELLERPIC_BASE_URL=${sellerpic.url}
SELLERPIC_POLL_INTERVAL_SECONDS=1
YOUCAM_API_KEY=${youcam.state.apiKey}
YOUCAM_BASE_URL=${youcam.url}
YOUCAM_WEBHOOK_SECRET=${webhookSecret}
YOUCAM_POLL_INTERVAL_SECONDS=2
PROVIDER_SKY_REPLACEMENT=alibaba,local
PROVIDER_BACKGROUND_CHANGE=sellerpic,youcam,local
PROVIDER_BACKGROUND_REMOVAL=youcam,sellerpic,alibaba,local
PROVIDER_PROMPT_SEGMENTATION=sellerpic,alibaba,local`);

const stop = async () => {
  await Promise.all([alibaba.close(), sellerpic.close(), youcam.close()]);
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
