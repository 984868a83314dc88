import Link from "next/link";
import { Fragment, type ReactNode } from "react";
import { cn } from "@/lib/utils";

const headerCellStyles =
  "whitespace-nowrap px-3 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";
/** For cells of rows rendered outside DataTable's own cells (see `renderRow`). */
export const cellStyles = "whitespace-nowrap px-3 py-2.5 align-top";

/** Server-side sorting: the link that sorts by this column, and how the rows are sorted now. */
export type ColumnSort = { href: string; current: "asc" | "desc" | null; next: "asc" | "desc" };

export type Column<Row> = {
  key: string;
  header: ReactNode;
  /** Read by screen readers only (an actions column, say). */
  hideHeader?: boolean;
  sort?: ColumnSort;
  /** The cell's content; omit only when the table's rows come from `renderRow`. */
  cell?: (row: Row) => ReactNode;
  /** Render this column's cells as row headers (`<th scope="row">`). */
  rowHeader?: boolean;
  className?: string;
};

type DataTableProps<Row> = {
  /** Names the scrollable region (and the table, unless there is a caption). */
  label: string;
  caption?: ReactNode;
  columns: ReadonlyArray<Column<Row>>;
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  /** Shown in one full-width row when there are no rows. */
  empty?: ReactNode;
  bodyTestId?: string;
  rowClassName?: (row: Row) => string | undefined;
  /** Rows that render their own `<tr>` (a client component with a form per row); use `cellStyles`. */
  renderRow?: (row: Row) => ReactNode;
};

function SortLink({ label, sort }: { label: ReactNode; sort: ColumnSort }) {
  return (
    <Link href={sort.href} className="inline-flex items-center gap-1 hover:text-slate-900 dark:hover:text-white">
      {label}
      <span aria-hidden>{sort.current === "asc" ? "▲" : sort.current === "desc" ? "▼" : "↕"}</span>
      <span className="sr-only">, sort {sort.next === "asc" ? "ascending" : "descending"}</span>
    </Link>
  );
}

/**
 * The admin console's table: a keyboard-focusable region that scrolls sideways on small screens,
 * column headers (optionally sort links with `aria-sort`), row headers, and an empty state.
 */
export function DataTable<Row>({
  label,
  caption,
  columns,
  rows,
  rowKey,
  empty = "Nothing yet.",
  bodyTestId,
  rowClassName,
  renderRow,
}: DataTableProps<Row>) {
  return (
    <div
      className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
      role="region"
      aria-label={label}
      tabIndex={0}
    >
      <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
        {caption ? <caption className="px-3 pt-3 text-left text-sm font-semibold">{caption}</caption> : null}
        <thead className="bg-slate-50 dark:bg-slate-950">
          <tr>
            {columns.map((column) => (
              <th
                key={column.key}
                scope="col"
                className={headerCellStyles}
                aria-sort={
                  column.sort
                    ? column.sort.current === "asc"
                      ? "ascending"
                      : column.sort.current === "desc"
                        ? "descending"
                        : "none"
                    : undefined
                }
              >
                {column.hideHeader ? (
                  <span className="sr-only">{column.header}</span>
                ) : column.sort ? (
                  <SortLink label={column.header} sort={column.sort} />
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800" data-testid={bodyTestId}>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="px-3 py-10 text-center text-slate-500 dark:text-slate-400">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row) =>
              renderRow ? (
                <Fragment key={rowKey(row)}>{renderRow(row)}</Fragment>
              ) : (
                <tr
                  key={rowKey(row)}
                  className={cn("hover:bg-slate-50 dark:hover:bg-slate-800/50", rowClassName?.(row))}
                >
                  {columns.map((column) =>
                    column.rowHeader ? (
                      <th
                        key={column.key}
                        scope="row"
                        className={cn(cellStyles, "text-left font-medium", column.className)}
                      >
                        {column.cell?.(row)}
                      </th>
                    ) : (
                      <td key={column.key} className={cn(cellStyles, column.className)}>
                        {column.cell?.(row)}
                      </td>
                    ),
                  )}
                </tr>
              ),
            )
          )}
        </tbody>
      </table>
    </div>
  );
}
