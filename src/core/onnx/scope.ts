/**
 * Which module of the source network a node came from, read the way each exporter records it:
 *
 * - legacy TorchScript export (torch.onnx.export, dynamo=False): node names are module paths,
 *   "/multi_modal_projector/linear_1/MatMul", tensors "<node>_output_0";
 * - ONNX Runtime GenAI's model builder: "/model/<path>/<Op>", tensors "<node>/output_0";
 * - dynamo export (torch.export based): opaque FX names ("node_linear_3"); the module path is in
 *   the node's metadata_props "pkg.torch.onnx.name_scopes", the repr() of a Python list of
 *   cumulative paths: ['', 'model', 'model.multi_modal_projector', ..., '<fx node name>'].
 */
import type { GraphNode, GraphSummary } from './graphSummary.ts';

export type ExportStyle = 'torchscript' | 'builder' | 'dynamo';

export interface NodeScope {
  /** Module path split into atoms ("layers.0" gives "layers", "0"), for matching. */
  readonly atoms: readonly string[];
  /** The module path as the exporter wrote it, for people ("multi_modal_projector/linear_1"). */
  readonly display: string;
  readonly source: 'name' | 'metadata';
}

/**
 * A Python repr() of a list of strings, as name_scopes is written: ['', 'a', "it's"]. Returns
 * null for anything else (the metadata is outside data and may be damaged).
 */
export function parsePythonStringList(value: string): string[] | null {
  const s = value.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return null;
  const out: string[] = [];
  let i = 1;
  const end = s.length - 1;
  const skipSpace = () => {
    while (i < end && /\s/.test(s[i]!)) i++;
  };
  skipSpace();
  if (i === end) return out;
  for (;;) {
    const quote = s[i];
    if (quote !== "'" && quote !== '"') return null;
    i++;
    let item = '';
    for (;;) {
      if (i >= end) return null;
      const c = s[i]!;
      if (c === quote) break;
      if (c === '\\') {
        const next = s[i + 1];
        if (next === undefined || i + 1 >= end) return null;
        const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };
        if (next in simple) {
          item += simple[next]!;
          i += 2;
          continue;
        }
        const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
        const hex = s.slice(i + 2, i + 2 + hexLength);
        if (hexLength === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return null;
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff) return null;
        item += String.fromCodePoint(code);
        i += 2 + hexLength;
        continue;
      }
      item += c;
      i++;
    }
    i++;
    out.push(item);
    skipSpace();
    if (i === end) return out;
    if (s[i] !== ',') return null;
    i++;
    skipSpace();
    // Python allows a trailing comma.
    if (i === end) return out;
  }
}

/** The module path of a dynamo node: the name_scopes entries between the root and the node itself. */
function scopeFromNameScopes(value: string): NodeScope | null {
  const entries = parsePythonStringList(value);
  if (!entries || entries.length < 2) return null;
  const modules = entries.slice(1, -1);
  const display = modules[modules.length - 1] ?? '';
  return { atoms: display === '' ? [] : display.split('.'), display, source: 'metadata' };
}

/** The module path of a TorchScript or builder node: its name without the leading "/" and the op. */
function scopeFromName(name: string): NodeScope | null {
  if (!name.startsWith('/')) return null;
  const parts = name.split('/').slice(1, -1);
  return { atoms: parts.flatMap((p) => p.split('.')).filter((a) => a !== ''), display: parts.join('/'), source: 'name' };
}

/** Where a node came from, metadata first (it is exact), then the node name. */
export function nodeScope(node: GraphNode): NodeScope | null {
  return (node.nameScopes !== null ? scopeFromNameScopes(node.nameScopes) : null) ?? scopeFromName(node.name);
}

/** Which exporter wrote the graph, by majority of its nodes; null when none of the three fits. */
export function exportStyle(summary: GraphSummary): ExportStyle | null {
  let metadata = 0;
  let builder = 0;
  let torchscript = 0;
  for (const node of summary.nodes) {
    if (node.nameScopes !== null && scopeFromNameScopes(node.nameScopes)) metadata++;
    if (!node.name.startsWith('/')) continue;
    // The builder names outputs "<node>/output_0", TorchScript "<node>_output_0".
    if (node.outputs.some((o) => o.startsWith(`${node.name}/output_`))) builder++;
    else if (node.outputs.some((o) => o.startsWith(`${node.name}_output_`)) || !node.name.startsWith('/model/')) torchscript++;
    else builder++;
  }
  const best = Math.max(metadata, builder, torchscript);
  if (best === 0) return null;
  return metadata === best ? 'dynamo' : builder === best ? 'builder' : 'torchscript';
}
