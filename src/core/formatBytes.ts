/** "1.2 MB" (decimal units, as the hub and file managers show sizes). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const units: readonly [string, number][] = [
    ['kB', 1e3],
    ['MB', 1e6],
    ['GB', 1e9],
  ];
  for (const [unit, scale] of units) if (n / scale < 999.95) return `${(n / scale).toFixed(1)} ${unit}`;
  return `${(n / 1e12).toFixed(1)} TB`;
}
