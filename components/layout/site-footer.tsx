export function SiteFooter() {
  return (
    <footer className="print:hidden border-t border-slate-200 py-8 text-sm text-slate-600 dark:border-slate-800 dark:text-slate-400">
      <div className="mx-auto flex max-w-6xl flex-col gap-2 px-4 sm:flex-row sm:items-center sm:justify-between">
        <p>Backdrop — self-hostable photo edits. Free software under the AGPL-3.0.</p>
        <p>Your photos stay on this server; nothing is sent anywhere unless the operator enables a provider.</p>
      </div>
    </footer>
  );
}
