import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A figure per hour as bars (uPlot draws on a canvas; its label says what the bars are). */
export function UsageChart({
  hours,
  gpuHours,
  label = 'GPU-hours',
}: {
  hours: number[];
  gpuHours: number[];
  label?: string;
}) {
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
            label,
            stroke: '#2563eb',
            fill: 'rgba(37,99,235,0.25)',
            paths: uPlot.paths.bars?.({ size: [0.8] }),
          },
        ],
        axes: [{}, { label }],
      },
      // An idle hour either side, so even one hour of usage has a time axis of hours around it.
      [
        [hours[0] - 3600, ...hours, hours[hours.length - 1] + 3600],
        [0, ...gpuHours, 0],
      ],
      target.current,
    );
    return () => chart.destroy();
  }, [hours, gpuHours, label]);
  if (hours.length === 0) return <p>Nothing yet.</p>;
  return <div ref={target} role="img" aria-label={`${label} per hour over ${hours.length} hours`} />;
}
