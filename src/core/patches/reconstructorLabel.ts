/**
 * How the UI names a trained reconstructor, whether it was trained here or shipped precomputed;
 * `sampled`: patches of each image a training step used, named when fewer than all of them.
 */
export function reconstructorLabel(
  architecture: { readonly kind: string; readonly hidden: number; readonly params: number },
  sampled?: { readonly perStep: number; readonly patches: number },
): string {
  const sampling = sampled && sampled.perStep < sampled.patches ? `, each step on ${sampled.perStep} of an image's ${sampled.patches} patches` : '';
  return `${architecture.kind} (hidden ${architecture.hidden}, ${architecture.params.toLocaleString('en')} parameters)${sampling}`;
}
