/** What a connector family does to the encoder's tokens, in one line for the lecture; the words live in each family's module (core/connectors/). */
import type { AnyConnectorSpec } from '../connectors/family.ts';
import { CONNECTORS, type ConnectorRegistry } from '../connectors/registry.ts';

export interface ConnectorWords<S extends AnyConnectorSpec> {
  /** The family's display name: "Pixel shuffle". */
  readonly connectorName: (family: S['family']) => string;
  readonly connectorStory: (spec: S) => string;
}

/** The names and stories of the families in `families`; the app's are exported below. */
export function storyFor<S extends AnyConnectorSpec>(families: ConnectorRegistry<S>): ConnectorWords<S> {
  return {
    connectorName: (family) => families.family(family).label,
    connectorStory: (spec) => families.family(spec.family).story(spec),
  };
}

export const { connectorName, connectorStory } = storyFor(CONNECTORS);
