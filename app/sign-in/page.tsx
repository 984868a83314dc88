import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/account/sign-in-form";
import { getPageAccount } from "@/lib/accounts/page-auth";
import { safeReturnPath } from "@/lib/accounts/sign-in";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in", robots: { index: false } };

// /sign-in?returnTo=/path – ask for a one-time sign-in link by email (no password)
export default async function SignInPage({ searchParams }: { searchParams: Promise<{ returnTo?: string }> }) {
  const { returnTo } = await searchParams;
  const target = safeReturnPath(returnTo);
  if (await getPageAccount()) redirect(target);
  return (
    <div className="mx-auto max-w-md px-4 py-12 sm:py-16">
      <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Sign in to Backdrop</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        No password: we email you a link that signs you in once. With an account, prepaid credits pay for edits without
        a checkout each time, API keys spend them, and your edits follow you to every device.
      </p>
      <div className="mt-8">
        <SignInForm returnTo={target} />
      </div>
    </div>
  );
}
