import "server-only";
import { createTransport, type Transporter } from "nodemailer";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";

let transport: { url: string; transporter: Transporter } | undefined;

function getTransport(url: string): Transporter {
  if (transport?.url !== url) transport = { url, transporter: createTransport(url) };
  return transport.transporter;
}

export type SignInMail = { to: string; url: string; minutes: number };

function signInMailText(mail: SignInMail): string {
  return [
    "Sign in to Backdrop",
    "",
    "Open this link to sign in (it works once, for the next " + mail.minutes + " minutes):",
    mail.url,
    "",
    "If you did not ask for it, ignore this email: nobody can sign in without the link.",
  ].join("\n");
}

/**
 * Sends the one-time sign-in link: by SMTP when SMTP_URL is set, otherwise printed to the server
 * log under a clear label so a self-hoster without a mail server can still sign in.
 */
export async function sendSignInLink(mail: SignInMail): Promise<{ delivery: "smtp" | "log" }> {
  const env = getEnv();
  if (!env.SMTP_URL) {
    // A plain line as well as the JSON log line: easy to spot and to copy from a terminal.
    console.log(`\n[backdrop] SIGN-IN LINK for ${mail.to} (no SMTP_URL set, so it is printed here):\n${mail.url}\n`);
    logger.info("sign-in link printed to the log (no SMTP_URL)", { to: mail.to });
    return { delivery: "log" };
  }
  try {
    await getTransport(env.SMTP_URL).sendMail({
      from: env.SMTP_FROM,
      to: mail.to,
      subject: "Your Backdrop sign-in link",
      text: signInMailText(mail),
      html: `<p>Open this link to sign in to Backdrop (it works once, for the next ${mail.minutes} minutes):</p>
<p><a href="${escapeHtml(mail.url)}">Sign in to Backdrop</a></p>
<p style="color:#64748b">If you did not ask for it, ignore this email: nobody can sign in without the link.</p>`,
    });
    return { delivery: "smtp" };
  } catch (error) {
    logger.error("sign-in email failed", {
      to: mail.to,
      error: error instanceof Error ? error.message : String(error),
    });
    throw new AppError("unavailable", "The sign-in email could not be sent right now; try again in a minute.", {
      cause: error,
      retryable: true,
    });
  }
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
