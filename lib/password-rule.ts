/**
 * The strength rule for admin passwords (ADMIN_PASSWORD at boot, and every password an admin sets):
 * at least 12 characters, at least 5 different ones, and not a well-known password or a simple
 * run of characters. Long passphrases ("correct horse battery staple") pass; "password1234" does not.
 */
const MIN_ADMIN_PASSWORD_LENGTH = 12;

const COMMON = new Set([
  "password1234",
  "password12345",
  "password123456",
  "passw0rd1234",
  "administrator",
  "adminadmin123",
  "admin1234567",
  "qwertyuiop12",
  "qwertyuiopasdf",
  "1234567890ab",
  "changeme1234",
  "letmein12345",
  "welcome12345",
  "iloveyou1234",
  "backdrop1234",
]);

/** Why a password is too weak, or null when it passes. */
export function adminPasswordProblem(password: string): string | null {
  const chars = [...password.normalize("NFKC")];
  if (chars.length < MIN_ADMIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters (a few unrelated words work well)`;
  if (new Set(chars).size < 5) return "must use at least 5 different characters";
  if (COMMON.has(password.toLowerCase())) return "is a well-known password";
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  const steps = codes.slice(1).map((code, i) => code - codes[i]!);
  if (steps.every((step) => step === steps[0] && Math.abs(step) <= 1)) return "is a simple run of characters";
  return null;
}
