import type { Metadata } from "next";
import { AccountDashboard } from "@/components/account/account-dashboard";
import { getAccountOverview } from "@/lib/accounts/activity";
import { requireAccountPage } from "@/lib/accounts/page-auth";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your account", robots: { index: false, follow: false } };

// /account – balance, credit packs, API keys, history on every device, receipts, usage export, deletion
export default async function AccountPage({ searchParams }: { searchParams: Promise<{ checkout?: string }> }) {
  const signedIn = await requireAccountPage("/account");
  const { checkout } = await searchParams;
  const overview = await getAccountOverview(signedIn.account.id);
  return (
    <div className="mx-auto max-w-5xl px-4 py-8 sm:py-12">
      <AccountDashboard
        initial={{ signedIn: true, csrfToken: signedIn.csrfToken, ...overview }}
        checkoutCanceled={checkout === "canceled"}
      />
    </div>
  );
}
