/** neighbours.csv: each image's k neighbours by rank, with distances recomputed independently (numpy, float64). */
import { describe, expect, it } from 'vitest';
import { NEIGHBOURS_CSV_HEADER, neighboursCsv } from '../../../src/core/export/neighboursCsv.ts';
import type { SessionExport } from '../../../src/core/export/sessionExport.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { pythonCsv, runPython } from './python.ts';
import { splitComments } from './rfc4180.ts';
import { INJECTION, sessionFixture } from './sessionFixture.ts';

/** numpy's distances for every listed pair, float64 from the float32 vectors. */
function numpyDistances(s: SessionExport, side: 'pre' | 'post'): number[][] {
  const n = s.images.length;
  const dim = side === 'pre' ? s.pooled.dPre : s.pooled.dPost;
  const vectors = side === 'pre' ? s.pooled.pre : s.pooled.post;
  const lists = side === 'pre' ? s.knor.nnPre : s.knor.nnPost;
  const script = `import json, sys, numpy as np
a = json.loads(sys.argv[1])
x = np.array(a['x'], dtype=np.float32).astype(np.float64).reshape(a['n'], a['dim'])
nn = np.array(a['nn']).reshape(a['n'], a['k'])
out = []
for i in range(a['n']):
    row = []
    for j in nn[i]:
        if a['metric'] == 'l2':
            row.append(float(((x[i] - x[j]) ** 2).sum()))
        else:
            den = np.linalg.norm(x[i]) * np.linalg.norm(x[j])
            row.append(1.0 if den == 0 else float(1 - x[i].dot(x[j]) / den))
    out.append(row)
print(json.dumps(out))`;
  const arg = JSON.stringify({ x: Array.from(vectors), n, dim, k: s.knor.k, nn: Array.from(lists), metric: s.knor.metric });
  return JSON.parse(runPython(script, [arg])) as number[][];
}

describe('neighboursCsv', () => {
  for (const metric of ['cosine', 'l2'] as const) {
    for (const includeSelf of [false, true]) {
      it(`lists every image's neighbours rank by rank with ${metric} distances (self ${includeSelf ? 'included' : 'excluded'}), equal to numpy's`, (ctx) => {
        const why = whyNoToolsPython('numpy');
        if (why) ctx.skip(why);
        const s = sessionFixture({ metric, includeSelf, k: 4 });
        const { comments, records } = splitComments(neighboursCsv(s));
        expect(comments.join('\n')).toContain(metric === 'cosine' ? 'cosine distance' : 'squared L2');
        expect(records[0]).toEqual([...NEIGHBOURS_CSV_HEADER]);
        const { k, nnPre, nnPost } = s.knor;
        const n = s.images.length;
        expect(records).toHaveLength(1 + n * k);
        const before = numpyDistances(s, 'pre');
        const after = numpyDistances(s, 'post');
        const guarded = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
        records.slice(1).forEach((row, a) => {
          const i = Math.floor(a / k);
          const r = a % k;
          expect(row.slice(0, 4)).toEqual([guarded(s.images[i]!.name), String(r + 1), guarded(s.images[nnPre[a]!]!.name), guarded(s.images[nnPost[a]!]!.name)]);
          // Numbers are never guarded, not even negative ones (a cosine self-distance can be -1e-16).
          expect(row[4]).not.toMatch(/^'/);
          expect(Number(row[4])).toBeCloseTo(before[i]![r]!, 12);
          expect(Number(row[5])).toBeCloseTo(after[i]![r]!, 12);
          if (r > 0) {
            // Nearest first: the distances climb within each image's list.
            expect(Number(row[4])).toBeGreaterThanOrEqual(Number(records[a]![4]));
            expect(Number(row[5])).toBeGreaterThanOrEqual(Number(records[a]![5]));
          }
        });
        if (metric === 'cosine') {
          // Image 6's post vector is zero: cosine distance 1 to every neighbour.
          for (let r = 0; r < k; r++) expect(records[1 + 6 * k + r]![5]).toBe('1');
        }
        expect(records.some((row) => row[0] === `'${INJECTION}`)).toBe(true);
      });
    }
  }

  it("reads the same with Python's csv module", (ctx) => {
    const why = whyNoToolsPython('csv');
    if (why) ctx.skip(why);
    const text = neighboursCsv(sessionFixture());
    expect(pythonCsv(text)).toEqual(splitComments(text).records);
  });
});
