/** What a connector family does to the encoder's tokens, in one line for the lecture. */
import type { ConnectorFamily, ConnectorSpec } from '../types.ts';

const NAMES: Readonly<Record<ConnectorFamily, string>> = {
  mlp: 'MLP projector',
  merger: 'Patch merger',
  'pixel-shuffle': 'Pixel shuffle',
  perceiver: 'Perceiver resampler',
};

export const connectorName = (family: ConnectorFamily): string => NAMES[family];

export function connectorStory(spec: ConnectorSpec): string {
  switch (spec.family) {
    case 'mlp':
      return 'Linear, GELU, Linear on every token on its own: as many tokens come out as went in (LLaVA).';
    case 'merger':
      return `LayerNorm, then each ${spec.mergeSize} × ${spec.mergeSize} block of patches concatenated and passed through an MLP: ${spec.mergeSize ** 2} patches become one token (Qwen2.5-VL).`;
    case 'pixel-shuffle':
      return `Space-to-depth: each ${spec.scale} × ${spec.scale} block of patches stacked into one token, then a linear layer (Idefics3, SmolVLM).`;
    case 'perceiver':
      return `${spec.queries} learned queries cross-attend to all patches: each output token may draw on any part of the image (Idefics2).`;
  }
}
