/** How the UI names a trained reconstructor, whether it was trained here or shipped precomputed. */
export function reconstructorLabel(architecture: { readonly kind: string; readonly hidden: number; readonly params: number }): string {
  return `${architecture.kind} (hidden ${architecture.hidden}, ${architecture.params.toLocaleString('en')} parameters)`;
}
