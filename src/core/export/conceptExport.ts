/**
 * The concept analysis as files (issue 15 item 5):
 * - `sae_pre.safetensors`, `sae_post.safetensors`: each TopK SAE (core/sae/topkSae.ts) as float32
 *   tensors `W_enc` [d, m], `b_enc` [m], `W_dec` [m, d] (rows: concept directions, unit length),
 *   `b_dec` [d], with the header metadata `d`, `latents`, `k`, `scale` (float64, as text, as safetensors
 *   metadata must be); the forward pass is written out in `sae.json`.
 * - `sae.json`: the settings, the quality figures, and the forward pass written out, so a reader
 *   needs nothing else to use the files.
 * - `concepts.csv`: one row per concept before the connector that fires: its name (as edited),
 *   firing share, the partner after the connector, co-activation, alignment, bridge, lost, and the
 *   recurrence with another seed when it was measured.
 */
import { writeSafetensors } from '../blockstore/safetensors.ts';
import type { ConceptMatch } from '../sae/conceptSurvival.ts';
import type { SaeQuality, TopKSae } from '../sae/topkSae.ts';
import { csvDocument } from './csv.ts';

export const CONCEPT_FILES = {
  pre: 'sae_pre.safetensors',
  post: 'sae_post.safetensors',
  config: 'sae.json',
  table: 'concepts.csv',
} as const;

export const CONCEPT_FORMAT = 'connector-lens/topk-sae';

export const CONCEPTS_CSV_HEADER = ['concept', 'name', 'fires_share', 'partner_after', 'co_activation', 'alignment', 'bridge', 'lost', 'recurrence'] as const;

export interface ConceptExportSide {
  readonly sae: TopKSae;
  readonly quality: SaeQuality;
  readonly pcaVarianceExplained: number;
  /** Tokens the quality was measured on (for firing shares). */
  readonly tokens: number;
}

export interface ConceptExport {
  readonly appVersion: string;
  readonly pack: { readonly name: string; readonly key: string };
  readonly images: number;
  readonly settings: { readonly latents: number; readonly k: number; readonly steps: number; readonly seed: number; readonly level: 'patches' | 'pooled' };
  readonly pre: ConceptExportSide;
  readonly post: ConceptExportSide;
  readonly matches: readonly ConceptMatch[];
  readonly aligned: boolean;
  /** What co-activation was measured over (ml/conceptAnalysis.ts). */
  readonly matchedOn: 'images' | 'patches';
  readonly recurrence: ArrayLike<number> | null;
  /** Names given in the app, by concept (before the connector). */
  readonly names: Readonly<Record<number, string>>;
}

export function saeSafetensors(sae: TopKSae): Uint8Array {
  const { d, latents: m } = sae;
  return writeSafetensors(
    [
      { name: 'W_enc', dtype: 'F32', shape: [d, m], data: sae.wEnc },
      { name: 'b_enc', dtype: 'F32', shape: [m], data: sae.bEnc },
      { name: 'W_dec', dtype: 'F32', shape: [m, d], data: sae.wDec },
      { name: 'b_dec', dtype: 'F32', shape: [d], data: sae.bDec },
    ],
    { format: CONCEPT_FORMAT, d: String(d), latents: String(m), k: String(sae.k), scale: String(sae.scale) },
  );
}

const quality = (side: ConceptExportSide) => ({
  varianceExplained: side.quality.varianceExplained,
  meanL0: side.quality.meanL0,
  deadShare: side.quality.deadShare,
  pcaVarianceExplained: side.pcaVarianceExplained,
});

export function conceptConfigJson(e: ConceptExport): string {
  return `${JSON.stringify(
    {
      format: CONCEPT_FORMAT,
      appVersion: e.appVersion,
      pack: e.pack,
      images: e.images,
      settings: e.settings,
      files: { before: CONCEPT_FILES.pre, after: CONCEPT_FILES.post, table: CONCEPT_FILES.table },
      forward: [
        'x: one token, float32 [d], as the model gives it (not standardised)',
        'u = scale * x - b_dec',
        'a = u @ W_enc + b_enc            # [latents]',
        'z = a where a is among the k largest and > 0, else 0',
        'x_hat = (z @ W_dec + b_dec) / scale',
      ],
      quality: { before: quality(e.pre), after: quality(e.post) },
      matching: {
        coActivation:
          e.matchedOn === 'patches'
            ? 'Pearson r over every image’s post tokens of the post concept’s activation and the pre concept’s mean activation over the patches that post token was made from'
            : 'Pearson r over images of the two concepts’ mean activation over each image’s tokens',
        coActivationOver: e.matchedOn,
        alignment: e.aligned ? 'cos(W_dec[i] before, M · W_dec[j] after), M a ridge least-squares map after → before fitted on the pooled vectors' : null,
        bridge: e.aligned ? 'max(0, co_activation) * max(0, alignment)' : 'co_activation (no map fitted: the space after the connector is too wide)',
        lostBelow: 0.3,
      },
      names: e.names,
    },
    null,
    2,
  )}\n`;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export function conceptsCsv(e: ConceptExport): string {
  const firing = e.pre.quality.firing;
  const rows = e.matches.map((m) => [
    m.pre,
    e.names[m.pre] ?? `concept ${m.pre}`,
    firing[m.pre]! / e.pre.tokens,
    m.post,
    finite(m.coActivation),
    finite(m.alignment),
    finite(m.bridge),
    m.lost ? 'yes' : 'no',
    e.recurrence ? e.recurrence[m.pre]! : null,
  ]);
  return csvDocument(CONCEPTS_CSV_HEADER, rows, [
    `Concepts before the connector of ${e.pack.name} (${e.pack.key}), ${e.settings.latents} per SAE, k = ${e.settings.k}, over ${e.images} images.`,
    'partner_after: the concept after the connector it is paired with (when lost: the one that came closest). Formulas in sae.json.',
  ]);
}

/** Every file of the concept export, by name. */
export function conceptFiles(e: ConceptExport): Record<string, Uint8Array> {
  const utf8 = (text: string) => new TextEncoder().encode(text);
  return {
    [CONCEPT_FILES.pre]: saeSafetensors(e.pre.sae),
    [CONCEPT_FILES.post]: saeSafetensors(e.post.sae),
    [CONCEPT_FILES.config]: utf8(conceptConfigJson(e)),
    [CONCEPT_FILES.table]: utf8(conceptsCsv(e)),
  };
}
