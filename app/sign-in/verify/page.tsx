import type { Metadata } from "next";
import Link from "next/link";
import { VerifySignIn } from "@/components/account/verify-sign-in";
import { buttonStyles } from "@/components/ui/button";
import { inspectSignInLink } from "@/lib/accounts/sign-in";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in", robots: { index: false }, referrer: "no-referrer" };

const PROBLEM = {
  used: "This sign-in link has been used already.",
  expired: "This sign-in link has expired.",
  invalid: "This sign-in link is not valid.",
} as const;

// /sign-in/verify?token=… – the emailed link. Opening it does not sign in (mail scanners open links too):
// the button does, once.
export default async function VerifySignInPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const linkToken = typeof token === "string" ? token : "";
  const state = await inspectSignInLink(linkToken);
  return (
    <div className="mx-auto max-w-md px-4 py-12 sm:py-16">
      {state.state === "valid" ? (
        <>
          <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Sign in to Backdrop</h1>
          <p className="mt-2 text-slate-600 dark:text-slate-400">
            Signing in as <strong className="text-slate-900 dark:text-slate-100">{state.email}</strong>. Edits made in
            this browser move to your account.
          </p>
          <div className="mt-8">
            <VerifySignIn token={linkToken} />
          </div>
        </>
      ) : (
        <>
          <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">{PROBLEM[state.state]}</h1>
          <p className="mt-2 text-slate-600 dark:text-slate-400">
            Each link works once and only for a short time. Ask for a new one.
          </p>
          <Link href="/sign-in" className={buttonStyles({ size: "lg", className: "mt-8" })}>
            Get a new sign-in link
          </Link>
        </>
      )}
    </div>
  );
}
