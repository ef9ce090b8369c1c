/**
 * The connector families the app knows, one module each (family.ts says what a module holds), and
 * the lookups everything else uses instead of switching on a family's name. ConnectorSpec and
 * ConnectorFamily are derived from the list below, so adding a family is: write its module, import
 * it here and add it to BUILT_IN (docs/adding-a-connector-family.md).
 *
 * connectorRegistry builds a registry from any list of modules. The app uses CONNECTORS; a test
 * builds its own with an extra family and passes it to geometryFor, manifestValidator and storyFor,
 * so no global state changes.
 */
import type { AnyConnectorSpec, ConnectorFamilyModule, Grid } from './family.ts';
import { merger } from './merger.ts';
import { mlp } from './mlp.ts';
import { perceiver } from './perceiver.ts';
import { pixelShuffle } from './pixelShuffle.ts';

export interface ConnectorRegistry<S extends AnyConnectorSpec> {
  /** The modules in registry order: the order manifest errors list the families in and stock exports try them. */
  readonly modules: readonly ConnectorFamilyModule<S>[];
  readonly ids: readonly S['family'][];
  /** The module of a registered family; throws on any other id (specs reach here validated). */
  family(id: S['family']): ConnectorFamilyModule<S>;
  /** The family a config.json model_type names; null when no module claims it. */
  familyOfModelType(modelType: string): S['family'] | null;
  /**
   * The spec `pre` tokens on `grid` and `post` tokens admit: the `hint` family's when its geometry
   * fits, else the first family marked 'first' that fits, else one marked 'last'
   * (FamilyStockHint.unnamed). Throws when none fits, which a registry with a 'last' family that
   * fits any counts (the perceiver) never does.
   */
  specFromTokens(hint: S['family'] | null, grid: Grid, pre: number, post: number): S;
}

/** A registry over `modules`; refuses two modules with one id or one model type, and a module whose specs do not match its id and size field. */
export function connectorRegistry<S extends AnyConnectorSpec>(modules: readonly ConnectorFamilyModule<S>[]): ConnectorRegistry<S> {
  const byId = new Map<string, ConnectorFamilyModule<S>>();
  const byModelType = new Map<string, S['family']>();
  for (const m of modules) {
    if (byId.has(m.id)) throw new Error(`connector family "${m.id}" is registered twice`);
    byId.set(m.id, m);
    for (const type of m.stock.modelTypes) {
      const other = byModelType.get(type);
      if (other !== undefined) throw new Error(`model type "${type}" is claimed by the connector families "${other}" and "${m.id}"`);
      byModelType.set(type, m.id);
    }
    // What validation builds from a manifest must be this family's spec, with the size under its manifest name.
    const spec = m.specOf(2);
    const keys = Object.keys(spec).sort();
    const expected = ['family', ...(m.parameter === null ? [] : [m.parameter])].sort();
    if (spec.family !== m.id || keys.join() !== expected.join()) {
      throw new Error(`connector family "${m.id}": specOf gives the fields ${keys.join(', ')}, not ${expected.join(', ')} (parameter ${String(m.parameter)})`);
    }
  }
  const family = (id: S['family']): ConnectorFamilyModule<S> => {
    const m = byId.get(id);
    if (m === undefined) throw new Error(`unknown connector family "${id}" (expected one of ${[...byId.keys()].join(', ')})`);
    return m;
  };
  const inOrder = [...modules.filter((m) => m.stock.unnamed === 'first'), ...modules.filter((m) => m.stock.unnamed === 'last')];
  return {
    modules,
    ids: modules.map((m) => m.id),
    family,
    familyOfModelType: (modelType) => byModelType.get(modelType) ?? null,
    specFromTokens(hint, grid, pre, post) {
      for (const m of hint === null ? inOrder : [family(hint), ...inOrder]) {
        const spec = m.stock.specFromTokens(grid, pre, post);
        if (spec !== null) return spec;
      }
      throw new Error(`no connector family takes ${pre} tokens on the grid [${grid.join(', ')}] to ${post} tokens`);
    },
  };
}

/** The families the app knows. A new family's module goes here, in the place it should be tried for stock exports. */
const BUILT_IN = [mlp, merger, pixelShuffle, perceiver] as const;

type SpecOf<M> = M extends ConnectorFamilyModule<infer S> ? S : never;

/** Connector geometry as the manifest states it: one member per registered family. */
export type ConnectorSpec = SpecOf<(typeof BUILT_IN)[number]>;
export type ConnectorFamily = ConnectorSpec['family'];

export const CONNECTORS: ConnectorRegistry<ConnectorSpec> = connectorRegistry<ConnectorSpec>(BUILT_IN);
export const CONNECTOR_FAMILIES: readonly ConnectorFamily[] = CONNECTORS.ids;

/** The module of one of the app's families. */
export const connectorFamily = (id: ConnectorFamily): ConnectorFamilyModule<ConnectorSpec> => CONNECTORS.family(id);
