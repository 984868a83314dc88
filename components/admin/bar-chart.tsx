import { formatMoney } from "./format";

export type BarSeries = { key: string; label: string; color: string };

/**
 * A grouped bar chart in inline SVG (no chart library): one group per label, one bar per series,
 * negative values below the zero line. Accessible: a title, a description, and a <title> per bar.
 */
export function BarChart(props: {
  title: string;
  labels: string[];
  series: BarSeries[];
  values: Array<Record<string, number>>;
  currency?: string;
  height?: number;
}) {
  const height = props.height ?? 220;
  const padTop = 12;
  const padBottom = 28;
  const padLeft = 56;
  const groupWidth = Math.max(14, Math.min(48, 900 / Math.max(1, props.labels.length)));
  const width = padLeft + groupWidth * props.labels.length + 8;
  const all = props.values.flatMap((row) => props.series.map((s) => row[s.key] ?? 0));
  const max = Math.max(1, ...all);
  const min = Math.min(0, ...all);
  const plot = height - padTop - padBottom;
  const y = (value: number) => padTop + ((max - value) / (max - min)) * plot;
  const barWidth = Math.max(2, (groupWidth - 4) / props.series.length);
  const labelEvery = Math.ceil(props.labels.length / 10);
  const ticks = [max, (max + min) / 2, min].filter((v, i, arr) => arr.indexOf(v) === i);
  const titleId = `chart-${props.title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <figure className="w-full">
      <div className="overflow-x-auto">
        <svg
          role="img"
          aria-labelledby={`${titleId}-t ${titleId}-d`}
          viewBox={`0 0 ${width} ${height}`}
          className="h-56 min-w-full"
          preserveAspectRatio="none"
          style={{ width: Math.max(width, 320) }}
        >
          <title id={`${titleId}-t`}>{props.title}</title>
          <desc id={`${titleId}-d`}>
            {props.series
              .map(
                (s) =>
                  `${s.label}: ${formatMoney(
                    props.values.reduce((t, row) => t + (row[s.key] ?? 0), 0),
                    props.currency,
                  )} in total`,
              )
              .join("; ")}
          </desc>
          {ticks.map((tick) => (
            <g key={tick}>
              <line
                x1={padLeft}
                x2={width}
                y1={y(tick)}
                y2={y(tick)}
                className="stroke-slate-200 dark:stroke-slate-700"
                strokeDasharray={tick === 0 ? undefined : "3 3"}
              />
              <text x={padLeft - 6} y={y(tick) + 4} textAnchor="end" className="fill-slate-500 text-[10px]">
                {formatMoney(Math.round(tick), props.currency)}
              </text>
            </g>
          ))}
          {props.labels.map((label, index) => {
            const x0 = padLeft + index * groupWidth + 2;
            const row = props.values[index] ?? {};
            return (
              <g key={label}>
                {props.series.map((s, si) => {
                  const value = row[s.key] ?? 0;
                  const top = Math.min(y(value), y(0));
                  return (
                    <rect
                      key={s.key}
                      x={x0 + si * barWidth}
                      y={top}
                      width={barWidth - 1}
                      height={Math.max(value === 0 ? 0 : 1, Math.abs(y(value) - y(0)))}
                      fill={s.color}
                      rx={1}
                    >
                      <title>{`${label} · ${s.label}: ${formatMoney(value, props.currency)}`}</title>
                    </rect>
                  );
                })}
                {index % labelEvery === 0 ? (
                  <text
                    x={x0 + groupWidth / 2 - 2}
                    y={height - 10}
                    textAnchor="middle"
                    className="fill-slate-500 text-[10px]"
                  >
                    {label.length === 10 ? label.slice(5) : label}
                  </text>
                ) : null}
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-xs text-slate-600 dark:text-slate-400">
        {props.series.map((s) => (
          <span key={s.key} className="inline-flex items-center gap-1.5">
            <span aria-hidden className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: s.color }} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
