const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

export function formatWhen(value: string | null | undefined, never = "Never"): string {
  return value ? dateTime.format(new Date(value)) : never;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${Math.abs(count) === 1 ? "" : "s"}`;
}

export const cardStyles = "rounded-2xl border border-slate-200 p-5 sm:p-6 dark:border-slate-800";
