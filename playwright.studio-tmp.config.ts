// TEMPORARY (studio engineer): runs the suite against an already-started server on :3301. Delete before commit.
import base from "./playwright.config";
export default { ...base, outputDir: "/tmp/studio-test-results", webServer: undefined, use: { ...base.use, baseURL: "http://127.0.0.1:3301" } };
