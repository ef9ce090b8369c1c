/**
 * The concepts one image is made of, split by their fate at the connector: the lecture's concept
 * step shows the strongest kept and the strongest lost concepts on the image it is about, so that
 * both kinds are on screen whenever the image has both.
 */
import type { ConceptMatch } from './conceptSurvival.ts';

export interface ConceptOnImage {
  readonly match: ConceptMatch;
  /** The concept's mean activation over the image's tokens. */
  readonly activation: number;
}

/** At most `perKind` kept and `perKind` lost concepts active on image `row` of perImage ([images, latents]), strongest first. */
export function conceptsOnImage(
  perImage: Float32Array,
  latents: number,
  row: number,
  matches: readonly ConceptMatch[],
  perKind: number,
): { kept: ConceptOnImage[]; lost: ConceptOnImage[] } {
  const active = matches
    .map((match) => ({ match, activation: perImage[row * latents + match.pre]! }))
    .filter((c) => c.activation > 0)
    .sort((a, b) => b.activation - a.activation || a.match.pre - b.match.pre);
  return { kept: active.filter((c) => !c.match.lost).slice(0, perKind), lost: active.filter((c) => c.match.lost).slice(0, perKind) };
}
