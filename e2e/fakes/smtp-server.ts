import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export type ReceivedMail = { from: string; to: string[]; raw: string };

export type FakeSmtp = {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** Resolves with the next mail to `to` (or one already received). */
  nextMailTo(to: string): Promise<ReceivedMail>;
  close(): Promise<void>;
};

/**
 * A mail server for tests: speaks real SMTP (the app's nodemailer transport talks to it through
 * SMTP_URL), keeps every message in memory. No TLS and no auth, on loopback only.
 */
export async function startFakeSmtp(port = 0): Promise<FakeSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<{ to: string; resolve: (mail: ReceivedMail) => void }> = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
          raw: Buffer.concat(chunks).toString("utf8"),
        };
        mails.push(mail);
        for (const waiter of [...waiters]) {
          if (!mail.to.includes(waiter.to)) continue;
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    mails,
    nextMailTo(to) {
      const address = to.toLowerCase();
      const already = mails.find((mail) => mail.to.includes(address));
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ to: address, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The sign-in link of a mail (its plain-text part; quoted-printable soft line breaks undone). */
export function signInLinkFrom(mail: ReceivedMail): string {
  const text = mail.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
  const match = /https?:\/\/[^\s"<>]+\/sign-in\/verify\?token=[A-Za-z0-9_-]{43}/.exec(text);
  if (!match) throw new Error("no sign-in link in the mail");
  return match[0];
}
