import "server-only";
import { getEnginePool } from "../../image/pool";
import type { ReferenceRenderer } from "../descriptor";

/** Vendor adapters render preset skies and backgrounds in the engine pool, never on the calling thread. */
export const renderReferenceInPool: ReferenceRenderer = async (req, signal) => {
  const { bytes } = await getEnginePool().run("renderReference", req, { signal });
  return bytes;
};

/** Renders on the calling thread: scripts and tests that run the engine inline. */
export const renderReferenceInline: ReferenceRenderer = async (req) => {
  const { renderReference } = await import("../../image/reference");
  return renderReference(req);
};
