import { scaleLinear, scaleLog } from 'd3';

const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { top: 10, right: 12, bottom: 34, left: 44 };

/**
 * The stability test as the second paper draws it: each concept (before the connector) at its
 * firing frequency (share of patches, log scale) and the cosine of its partner when the SAE is
 * trained again with another seed. Frequent concepts should sit high; rare ones scatter.
 */
export function StabilityPlot({ frequency, recurrence }: { frequency: readonly number[]; recurrence: ArrayLike<number> }) {
  const points = frequency.flatMap((f, j) => (f > 0 ? [{ f, r: recurrence[j]! }] : []));
  const lowest = Math.min(...points.map((p) => p.f));
  const x = scaleLog()
    .domain([Math.max(1e-5, lowest), 1])
    .range([MARGIN.left, WIDTH - MARGIN.right])
    .clamp(true);
  const y = scaleLinear()
    .domain([Math.min(0, ...points.map((p) => p.r)), 1])
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const xTicks = x.ticks(4).filter((t) => [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1].some((d) => Math.abs(t - d) < d * 1e-9));
  return (
    <svg
      className="stability-plot"
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label="Concept recurrence against firing frequency"
      data-testid="stability-plot"
    >
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0.9)} y2={y(0.9)} className="stability-guide" />
      {points.map((p, i) => (
        <circle key={i} cx={x(p.f)} cy={y(p.r)} r={2.5} className="space-pre-dot" />
      ))}
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={HEIGHT - MARGIN.bottom} y2={HEIGHT - MARGIN.bottom} className="axis-line" />
      <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} className="axis-line" />
      {xTicks.map((t) => (
        <text key={t} x={x(t)} y={HEIGHT - MARGIN.bottom + 14} textAnchor="middle" className="axis-text">
          {t >= 0.01 ? `${t * 100}%` : `${+(t * 100).toPrecision(1)}%`}
        </text>
      ))}
      {y.ticks(4).map((t) => (
        <text key={t} x={MARGIN.left - 6} y={y(t) + 4} textAnchor="end" className="axis-text">
          {t.toFixed(1)}
        </text>
      ))}
      <text x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 4} textAnchor="middle" className="axis-text">
        fires on (share of patches)
      </text>
      <text
        x={12}
        y={(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}
        textAnchor="middle"
        transform={`rotate(-90 12 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2})`}
        className="axis-text"
      >
        recurs (cosine)
      </text>
    </svg>
  );
}
