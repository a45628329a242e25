import { useState } from 'preact/hooks';
import type { Bucket } from '../api';

let charts = 0;

const WIDTH = 240;
const HEIGHT = 64;

function bucketLabel(start: string, hourly: boolean): string {
  const date = new Date(start);
  if (Number.isNaN(date.getTime())) return start;
  return date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: hourly ? undefined : '2-digit',
  });
}

/**
 * Delivered (stacked under failed) per bucket, as a small SVG. The SVG has a title and a
 * summary, and the numbers are in a table underneath for anyone who cannot see it.
 */
export function DeliveryChart({
  title,
  buckets,
  hourly,
}: {
  title: string;
  buckets: readonly Bucket[] | undefined;
  hourly: boolean;
}) {
  const [id] = useState(() => `chart-${++charts}`);
  if (!buckets || buckets.length === 0) {
    return (
      <figure class="chart">
        <figcaption>{title}: no per-interval figures yet.</figcaption>
      </figure>
    );
  }
  const delivered = buckets.reduce((sum, b) => sum + b.delivered, 0);
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0);
  const max = Math.max(1, ...buckets.map((b) => b.delivered + b.failed));
  const slot = WIDTH / buckets.length;
  const bar = Math.max(1, slot - 2);
  const summary = `${title}: ${delivered} delivered, ${failed} failed, in ${buckets.length} intervals.`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title`}
        preserveAspectRatio="none"
      >
        <title id={`${id}-title`}>{summary}</title>
        <line class="chart-axis" x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} />
        {buckets.map((b, i) => {
          const hDelivered = (b.delivered / max) * (HEIGHT - 2);
          const hFailed = (b.failed / max) * (HEIGHT - 2);
          const x = i * slot + 1;
          return (
            <g key={b.start}>
              {b.delivered > 0 && (
                <rect
                  class="bar-delivered"
                  x={x}
                  y={HEIGHT - 1 - hDelivered}
                  width={bar}
                  height={hDelivered}
                />
              )}
              {b.failed > 0 && (
                <rect
                  class="bar-failed"
                  x={x}
                  y={HEIGHT - 1 - hDelivered - hFailed}
                  width={bar}
                  height={hFailed}
                />
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {summary}{' '}
        <span class="legend">
          <span class="swatch swatch-delivered" aria-hidden="true" /> delivered{' '}
          <span class="swatch swatch-failed" aria-hidden="true" /> failed
        </span>
        <details>
          <summary>{title} as a table</summary>
          <table class="compact">
            <thead>
              <tr>
                <th scope="col">{hourly ? 'Hour from' : 'Five minutes from'}</th>
                <th scope="col">Delivered</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {buckets.map((b) => (
                <tr key={b.start}>
                  <td>
                    <time dateTime={b.start}>{bucketLabel(b.start, hourly)}</time>
                  </td>
                  <td>{b.delivered}</td>
                  <td>{b.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
