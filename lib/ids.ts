import { randomBytes } from "node:crypto";

/** Unguessable ids (128 random bits, base64url) with a readable prefix: `ast_…`, `job_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("base64url")}`;
}

const ID_PATTERN = /^[a-z]{2,5}_[A-Za-z0-9_-]{22}$/;

/** Rejects anything that is not shaped like one of our ids before it reaches storage or SQL. */
export function isWellFormedId(value: string, prefix?: string): boolean {
  return ID_PATTERN.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}
