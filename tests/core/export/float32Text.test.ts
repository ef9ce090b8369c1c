/** Float32 values as their shortest round-trip text, checked against numpy's float32 repr. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { float32Number, float32Text } from '../../../src/core/export/float32Text.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { runPython } from './python.ts';

describe('float32Text', () => {
  it('writes the short decimal a person typed, not the float64 widening', () => {
    expect(float32Text(0.6)).toBe('0.6');
    expect(String(Math.fround(0.6))).toBe('0.6000000238418579');
    expect(float32Text(Math.fround(1 / 3))).toBe('0.33333334');
    expect(float32Text(-2.5)).toBe('-2.5');
    expect(float32Text(0)).toBe('0');
    expect(float32Text(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(float32Text(Number.NaN)).toBe('NaN');
    expect(float32Number(0.6)).toBe(0.6);
  });

  it('reads back (via float64, then rounded to float32) as the same float32, and no shorter text does (property)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = float32Text(x);
        expect(Math.fround(Number(text))).toBe(Math.fround(x) === 0 ? 0 : Math.fround(x));
        const digits = text
          .replace(/^-/, '')
          .replace(/e.*$/, '')
          .replace('.', '')
          .replace(/^0+|0+$/g, '').length;
        if (digits > 1) expect(Math.fround(Number(Math.fround(x).toPrecision(digits - 1)))).not.toBe(Math.fround(x));
      }),
    );
  });

  it("agrees with numpy's shortest float32 repr", (ctx) => {
    const why = whyNoToolsPython('numpy');
    if (why) ctx.skip(why);
    const values = [0.1, 1 / 3, 1e-8, 123456.789, -7.25e-20, 16777217, 1.17549435e-38, 1e-45];
    const ours = values.map((v) => Number(float32Text(v)));
    const numpy = JSON.parse(
      runPython(
        `import json, sys, numpy as np\nprint(json.dumps([float(repr(np.float32(v)).replace('np.float32(', '').rstrip(')')) for v in json.loads(sys.argv[1])]))`,
        [JSON.stringify(values)],
      ),
    ) as number[];
    expect(ours).toEqual(numpy);
  });
});
