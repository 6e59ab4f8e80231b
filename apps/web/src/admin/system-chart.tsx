import { useEffect, useId, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartHasData, chartSummary, type ChartSpec } from './system-model';

/** Height of the plotting area with its axes, in CSS pixels. */
const HEIGHT = 170;
const AXIS = { stroke: '#5b6472', font: '12px system-ui, sans-serif' };
const GRID = { stroke: '#e6e9ee', width: 1 };

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** The newest value of a line: what its legend shows while the pointer is elsewhere. */
const newest = (values: ArrayLike<number | null | undefined>) => {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
};

/** Width of the y axis: its longest label at about 7 px a character, plus the gap. */
const yAxisSize = (_u: uPlot, values: string[] | null) =>
  Math.max(32, Math.max(0, ...(values ?? []).map((v) => v.length)) * 7 + 14);

function optionsFor(chart: ChartSpec, width: number): uPlot.Options {
  const single = chart.lines.length === 1;
  return {
    width,
    height: HEIGHT,
    // The legend names the lines and reads out the values under the pointer (else the newest).
    legend: { show: true, live: true },
    cursor: { points: { size: 7 } },
    scales: {
      x: { time: true },
      // Everything here counts up from zero; a flat zero line sits at the bottom.
      y: {
        range: (_u, _min, max) => [0, chart.yMax ?? (max > 0 ? max * 1.1 : 1)],
      },
    },
    series: [
      {
        label: 'Time',
        value: (_u, v) => (v === null ? 'now' : timeFormat.format(v * 1000)),
      },
      ...chart.lines.map((line, i) => ({
        label: line.label,
        stroke: line.color,
        width: i === 0 ? 2 : 1.5,
        // One line gets a light fill; several stay unfilled so none hides another.
        ...(single && { fill: `${line.color}1f` }),
        dash: i === 0 ? undefined : [5, 3],
        // Sparse series (an alert now and then) are dots, not a line with gaps.
        points: chart.sparse ? { show: true, size: 6, fill: line.color } : { show: false },
        value: (u: uPlot, v: number | null, sidx: number, idx: number | null) => {
          const shown = idx === null ? newest(u.data[sidx] ?? []) : v;
          return shown === null ? '–' : chart.format(shown);
        },
      })),
    ],
    axes: [
      {
        ...AXIS,
        grid: GRID,
        ticks: { show: false },
        size: 30,
        space: 64,
        values: (_u, splits) => splits.map((t) => timeFormat.format(t * 1000)),
      },
      {
        ...AXIS,
        grid: GRID,
        ticks: { show: false },
        size: yAxisSize,
        space: 36,
        values: (_u, splits) => splits.map((v) => chart.format(v)),
      },
    ],
  };
}

/**
 * One small uPlot chart in a figure: the title and unit as its caption, the picture (hidden
 * from screen readers) and a text summary (latest, lowest, highest) that says the same. It
 * follows its container's width and redraws in place when new data arrive.
 */
export function SystemChart({
  chart,
  times,
  rangePhrase,
}: {
  chart: ChartSpec;
  times: number[];
  rangePhrase: string;
}) {
  const captionId = useId();
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const hasData = chartHasData(chart);
  const data = useMemo<uPlot.AlignedData>(
    () => [times, ...chart.lines.map((l) => l.values)],
    [times, chart],
  );
  // A new set of lines (a queue became busy) needs a new chart; new values do not.
  const shape = `${chart.id}|${chart.lines.map((l) => l.label).join('|')}|${hasData}`;

  useEffect(() => {
    const el = holder.current;
    if (!el || !hasData) return;
    const u = new uPlot(optionsFor(chart, el.clientWidth), data, el);
    plot.current = u;
    let width = el.clientWidth;
    const resize = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      u.setSize({ width, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Built once per shape; the effect below feeds it new data.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="system-chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        <span className="system-chart-title">{chart.title}</span>
        <span className="system-chart-unit">{chart.unit}</span>
      </figcaption>
      {hasData ? (
        <div ref={holder} className="system-chart-plot" aria-hidden="true" />
      ) : (
        <p className="system-chart-empty">{chart.empty}</p>
      )}
      {hasData ? <p className="system-chart-summary">{chartSummary(chart, rangePhrase)}</p> : null}
    </figure>
  );
}
