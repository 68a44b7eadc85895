import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** GPU-hours per hour as bars (uPlot draws on a canvas; the table beside it carries the same figures in text). */
export function UsageChart({ hours, gpuHours }: { hours: number[]; gpuHours: number[] }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!target.current || hours.length === 0) return;
    const chart = new uPlot(
      {
        width: Math.min(720, target.current.clientWidth || 720),
        height: 220,
        series: [
          {},
          {
            label: 'GPU-hours',
            stroke: '#2563eb',
            fill: 'rgba(37,99,235,0.25)',
            paths: uPlot.paths.bars?.({ size: [0.8] }),
          },
        ],
        axes: [{}, { label: 'GPU-hours' }],
      },
      // An idle hour either side, so even one hour of usage has a time axis of hours around it.
      [
        [hours[0] - 3600, ...hours, hours[hours.length - 1] + 3600],
        [0, ...gpuHours, 0],
      ],
      target.current,
    );
    return () => chart.destroy();
  }, [hours, gpuHours]);
  if (hours.length === 0) return <p>No usage yet.</p>;
  return <div ref={target} role="img" aria-label={`GPU-hours per hour over ${hours.length} hours`} />;
}
