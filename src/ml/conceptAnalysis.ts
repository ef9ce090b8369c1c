/**
 * Concepts before and after the connector (issue 15; docs/method.md, sparse concepts): a TopK SAE
 * trained on the patch tokens (or the images' pooled vectors) before the connector and another on
 * those after it, their
 * quality beside a PCA with as many dimensions as the SAE has active latents, each concept's
 * activation per token and per image (the mean over the image's tokens), and the matching of
 * pre concepts to post concepts (core/sae/conceptSurvival.ts) on co-activation and direction
 * through a linear map fitted on the images' pooled vectors. Co-activation is measured on
 * corresponding patches (core/sae/tokenUnits.ts) when the SAEs see patch tokens and the routing
 * gives each post token its patches, and over the images otherwise (pooled vectors, perceiver).
 */
import { meanPool } from '../core/knn/pool.ts';
import { principalComponents } from '../core/projection/pca.ts';
import { fitLinearMap, matchConcepts, type ConceptMatch } from '../core/sae/conceptSurvival.ts';
import { matchDictionaries } from '../core/sae/stability.ts';
import { preActivationsOnUnits, sparseCorrelations, sparseRowsOfCodes, unitsFromRouting } from '../core/sae/tokenUnits.ts';
import { encodeSae, saeQuality, type SaeQuality, type SparseCodes, type TopKSae } from '../core/sae/topkSae.ts';
import type { ReconstructionData } from './trainReconstructor.ts';
import { trainSae, type SaeConfig } from './trainSae.ts';

/** The images' token matrices, as the reconstructor takes them; the routing (tokenSource) gives the patches of each post token. */
export type ConceptInput = ReconstructionData;

export interface ConceptSettings {
  readonly latents: number;
  readonly k: number;
  readonly steps: number;
  readonly seed: number;
  /** Also train the SAE before the connector again with another seed, and pair the two dictionaries (core/sae/stability.ts). */
  readonly stability: boolean;
  /** What the SAEs are trained on: every patch token, or each image's mean-pooled vector (one per image, fast; no patch maps). */
  readonly level: 'patches' | 'pooled';
}

export interface ConceptSide {
  readonly sae: TopKSae;
  readonly quality: SaeQuality;
  /** Variance explained by the top-k principal components of the same tokens: the linear baseline with as many active dimensions. */
  readonly pcaVarianceExplained: number;
  /** Per token ([images × tokens] rows, image-major). */
  readonly codes: SparseCodes;
  /** [images, latents]: each concept's mean activation over the image's tokens (a concept on a few patches of every image is not everywhere). */
  readonly perImage: Float32Array;
  readonly loss: readonly number[];
}

export interface ConceptAnalysis {
  readonly settings: ConceptSettings;
  readonly pre: ConceptSide;
  readonly post: ConceptSide;
  readonly matches: readonly ConceptMatch[];
  /** With settings.stability: for each concept before the connector, the cosine of its partner in the retrained dictionary. */
  readonly recurrence: Float64Array | null;
  /** Whether directions were compared (a map from post to pre fitted), or co-activation alone. */
  readonly aligned: boolean;
  /** What co-activation was measured over: the images, or each post token with the patches it was made from. */
  readonly matchedOn: 'images' | 'patches';
  readonly backend: string;
}

export interface ConceptHooks {
  readonly signal?: AbortSignal;
  /**
   * Autoencoders trained before (an imported concept export, core/export/conceptImport.ts): used
   * as they are instead of training, so the analysis is that of the imported concepts on these
   * images. settings.latents and settings.k must be theirs; no stability run.
   */
  readonly trained?: { readonly pre: TopKSae; readonly post: TopKSae };
  /** Steps done of both SAEs together. */
  readonly onStep?: (done: number, total: number) => void;
}

/** The widest post space the post → pre map is fitted for (its normal equations are dPost² float64). */
export const MAX_MAP_WIDTH = 1024;

function perImageMean(codes: SparseCodes, images: number, tokens: number, latents: number): Float32Array {
  const out = new Float32Array(images * latents);
  for (let i = 0; i < images; i++)
    for (let t = 0; t < tokens; t++) {
      const row = (i * tokens + t) * codes.k;
      for (let p = 0; p < codes.k; p++) out[i * latents + codes.indices[row + p]!]! += codes.values[row + p]! / tokens;
    }
  return out;
}

export async function analyseConcepts(given: ConceptInput, settings: ConceptSettings, hooks: ConceptHooks = {}): Promise<ConceptAnalysis> {
  // Pooled: each image one token, its mean-pooled vector (the vectors KNOR compares).
  const input: ConceptInput =
    settings.level === 'pooled'
      ? {
          ...given,
          pre: meanPool(given.pre, given.images, given.tokensPre, given.dPre),
          post: meanPool(given.post, given.images, given.tokensPost, given.dPost),
          tokensPre: 1,
          tokensPost: 1,
        }
      : given;
  const { images, tokensPre, tokensPost, dPre, dPost } = input;
  const config: Partial<SaeConfig> = { latents: settings.latents, k: settings.k, steps: settings.steps, seed: settings.seed };
  let backend = '';
  const runs = settings.stability ? 3 : 2;
  const imported = hooks.trained;
  if (imported) {
    for (const [where, sae, d] of [
      ['before', imported.pre, dPre],
      ['after', imported.post, dPost],
    ] as const)
      if (sae.d !== d || sae.latents !== settings.latents || sae.k !== settings.k)
        throw new RangeError(
          `the autoencoder ${where} the connector is ${sae.d} wide with ${sae.latents} concepts, k ${sae.k}; expected ${d}, ${settings.latents}, ${settings.k}`,
        );
    if (settings.stability) throw new RangeError('no stability run for imported autoencoders (another seed needs training)');
  }
  const side = async (x: Float32Array, tokens: number, d: number, offset: number, given: TopKSae | undefined): Promise<ConceptSide> => {
    const rows = images * tokens;
    const trained = given
      ? { sae: given, loss: [] as number[], backend: 'imported' }
      : await trainSae(x, rows, d, config, {
          ...(hooks.signal ? { signal: hooks.signal } : {}),
          onStep: (p) => hooks.onStep?.(offset + p.step, runs * settings.steps),
        });
    backend = trained.backend;
    const codes = encodeSae(trained.sae, x, rows);
    const components = Math.min(settings.k, d, rows - 1);
    const pca = principalComponents(x, rows, d, { components });
    return {
      sae: trained.sae,
      quality: saeQuality(trained.sae, x, rows),
      pcaVarianceExplained: pca.explained.reduce((a, b) => a + b, 0),
      codes,
      perImage: perImageMean(codes, images, tokens, settings.latents),
      loss: trained.loss,
    };
  };
  const pre = await side(input.pre, tokensPre, dPre, 0, imported?.pre);
  const post = await side(input.post, tokensPost, dPost, settings.steps, imported?.post);
  const aligned = dPost <= MAX_MAP_WIDTH;
  const map = aligned ? fitLinearMap(meanPool(input.post, images, tokensPost, dPost), dPost, meanPool(input.pre, images, tokensPre, dPre), dPre, images) : null;
  const units = settings.level === 'patches' && given.tokenSource?.length === tokensPre ? unitsFromRouting(given.tokenSource, tokensPost) : null;
  const correlations = units
    ? sparseCorrelations(preActivationsOnUnits(pre.codes, images, tokensPre, units), settings.latents, sparseRowsOfCodes(post.codes), settings.latents)
    : null;
  const matches = matchConcepts({
    ...(correlations ? { correlations } : {}),
    preActivations: pre.perImage,
    postActivations: post.perImage,
    n: images,
    mPre: settings.latents,
    mPost: settings.latents,
    preDirections: pre.sae.wDec,
    postDirections: post.sae.wDec,
    dPre,
    dPost,
    map,
  });
  let recurrence: Float64Array | null = null;
  if (settings.stability) {
    const again = await trainSae(
      input.pre,
      images * tokensPre,
      dPre,
      { ...config, seed: settings.seed + 1000 },
      {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        onStep: (p) => hooks.onStep?.(2 * settings.steps + p.step, runs * settings.steps),
      },
    );
    recurrence = matchDictionaries(pre.sae.wDec, again.sae.wDec, settings.latents, dPre).cosine;
  }
  return { settings, pre, post, matches, recurrence, aligned, matchedOn: correlations ? 'patches' : 'images', backend };
}
