"use client";

import { buttonStyles } from "@/components/ui/button";

export function PrintButton() {
  return (
    <button type="button" onClick={() => window.print()} className={buttonStyles({ variant: "secondary", size: "sm" })}>
      Print or save as PDF
    </button>
  );
}
