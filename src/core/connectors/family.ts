/**
 * What one connector family is, in one place. A ConnectorFamilyModule holds the family's name and
 * size field in manifest.json, its label and lecture line, its patch geometry, the manifest rule
 * on its size, and how a stock export is read as one. registry.ts lists the modules; geometry,
 * manifest validation, the lecture and stock exports look a family up there instead of switching
 * on its name, so a new family is one new module and its line in the registry
 * (docs/adding-a-connector-family.md).
 *
 * The interfaces declare their functions as methods, not as function-valued properties, on
 * purpose: TypeScript checks method parameters bivariantly, and that is what lets a module typed on
 * its own spec (MergerSpec) sit in a registry typed on the union of every family's spec. The
 * registry only ever hands a module a spec of its own family.
 */
import type { PatchIndex } from '../types.ts';

/** Patch rows and columns of the encoder's grid. */
export type Grid = readonly [rows: number, cols: number];

/** What every family's spec has: the family's id. Its size field, if any, is its module's business. */
export interface AnyConnectorSpec {
  readonly family: string;
}

export interface ConnectorFamilyModule<S extends AnyConnectorSpec = AnyConnectorSpec> {
  /** manifest.json's connector.family, e.g. "merger". */
  readonly id: S['family'];
  /**
   * The spec's one size field as manifest.json names it ("mergeSize", "scale", "queries"); a
   * positive integer, which validation reads and reports under `connector.<parameter>`. null for a
   * family without one (mlp).
   */
  readonly parameter: string | null;
  /** The spec with that size; a family without one ignores the argument. */
  specOf(size: number): S;
  /** Shown where the family is named, e.g. the lecture's connector step: "Patch merger". */
  readonly label: string;
  /** What the connector does to the encoder's tokens, in one line for the lecture. */
  story(spec: S): string;
  readonly geometry: FamilyGeometry<S>;
  readonly manifest: FamilyManifestRule<S>;
  readonly stock: FamilyStockHint<S>;
}

/**
 * Which patches feed which post token. The shared entry points (core/geometry/connectorGeometry.ts)
 * check the grid and the index ranges before calling these, so a module only adds its own rule.
 */
export interface FamilyGeometry<S extends AnyConnectorSpec> {
  /**
   * Whether each post token is made from a fixed set of patches. false: every post token may draw
   * on every patch (a perceiver's queries attend to all of them), so the UI names no post token
   * for a patch and says why instead.
   */
  readonly fixedRegions: boolean;
  /** Side of the square block of patches one post token covers (the lecture draws it); null when the regions are not square blocks. */
  blockSide(spec: S): number | null;
  /** Why `spec` cannot run on `grid` (a grid of two positive integers), as the RangeError's message; null when it can. */
  problem(spec: S, grid: Grid): string | null;
  /** T' on this grid (the spec and grid have passed `problem`). */
  postTokenCount(spec: S, grid: Grid): number;
  /** The patches post token j is made from, in the order their features are combined; [] without fixed regions. */
  patchesOf(spec: S, grid: Grid, j: number): PatchIndex[];
  /** The post token `patch` feeds; null without fixed regions. What the reconstructor's token mixing starts from. */
  postTokenOf(spec: S, grid: Grid, patch: number): number | null;
}

/** The family's part of manifest validation (core/pack/validateManifest.ts); the positive-integer check of the size is shared. */
export interface FamilyManifestRule<S extends AnyConnectorSpec> {
  /**
   * T' from T pre tokens: what manifest.tokens.post must equal. A result that is not an integer
   * means the size cannot fit these tokens, and another error already says so; the check is skipped.
   */
  postTokensFrom(spec: S, pre: number): number;
  /**
   * What connector.<parameter> must be on this grid when it is not, as the message's "expected"
   * part ("a divisor of the grid [14, 14]"); null when it fits. Called only with a positive size
   * and a valid grid.
   */
  parameterMisfit(spec: S, grid: Grid): string | null;
}

/** How a stock export (core/stock/stockModel.ts) is read as this family: from its config.json and the tapped token counts. */
export interface FamilyStockHint<S extends AnyConnectorSpec> {
  /** config.json model_type values whose connector is this family ("qwen2_5_vl"). */
  readonly modelTypes: readonly string[];
  /** The spec of this family that takes `pre` tokens on `grid` to `post` tokens; null when none does. */
  specFromTokens(grid: Grid, pre: number, post: number): S | null;
  /**
   * Whether an export whose model type names no family (or names one its counts do not fit) may be
   * read as this family. 'first': tried in registry order before the others, for geometries that
   * fit only exact counts (mlp, pixel shuffle). 'last': the fallback, for families that fit any
   * counts (the perceiver). 'never': the family looks like another one from the counts alone and
   * only its model type tells them apart (the merger has pixel shuffle's geometry).
   */
  readonly unnamed: 'first' | 'last' | 'never';
}
