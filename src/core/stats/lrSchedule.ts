/**
 * Learning rate at a step: linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay
 * to 0 at `totalSteps` (the reference's "cosine schedule with warm-up").
 */
export function warmupCosine(step: number, totalSteps: number, warmupSteps: number, peak: number): number {
  if (totalSteps <= 0) return peak;
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
