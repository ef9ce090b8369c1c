/**
 * Properties of the side-file check: for generated models the refs equal an aggregation computed
 * here from the spec; for damaged model bytes the answer is refs or a UserFacingError, nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedCopies } from '../../support/outsideData.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { checkExternalData, externalDataRefs, type ExternalDataRef } from '../../../src/core/onnx/externalData.ts';
import { GraphBuilder } from '../../../scripts/onnx/graphBuilder.ts';
import { onnx, type ITensorProto } from '../../../scripts/onnx/proto.ts';

const RUNS = 1000;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;
/** Bytes per element (as a fraction for 4-bit types) for the data types generated here. */
const BYTES: Record<number, number> = { 1: 4, 2: 1, 7: 8, 10: 2, 11: 8, 22: 0.5 };

interface Spec {
  readonly name: string;
  readonly location: string;
  readonly offset: number;
  readonly dims: number[];
  readonly dataType: number;
  readonly writeLength: boolean;
  readonly writeOffset: boolean;
}

const spec: fc.Arbitrary<Spec[]> = fc.uniqueArray(
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 8 }),
    location: fc.constantFrom('model.onnx_data', './model.onnx_data', 'w.bin', 'weights 2.dat', 'données.bin'),
    offset: fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 0, max: 2 ** 40 })),
    dims: fc.array(fc.integer({ min: 0, max: 64 }), { maxLength: 3 }),
    dataType: fc.constantFrom(1, 2, 7, 10, 11, 22),
    writeLength: fc.boolean(),
    writeOffset: fc.boolean(),
  }),
  { maxLength: 8, selector: (s) => s.name },
);

const sizeOf = (s: Spec) => Math.ceil(s.dims.reduce((a, b) => a * b, 1) * BYTES[s.dataType]!);

function modelOf(specs: readonly Spec[]): Uint8Array {
  const initializer: ITensorProto[] = specs.map((s) => ({
    name: s.name,
    dims: s.dims,
    dataType: s.dataType,
    dataLocation: EXTERNAL,
    externalData: [
      { key: 'location', value: s.location },
      ...(s.writeOffset || s.offset > 0 ? [{ key: 'offset', value: String(s.offset) }] : []),
      ...(s.writeLength ? [{ key: 'length', value: String(sizeOf(s)) }] : []),
    ],
  }));
  return onnx.ModelProto.encode({
    irVersion: 8,
    graph: { name: 'g', initializer, node: [{ opType: 'Identity', input: [specs[0]?.name ?? 'x'], output: ['y'] }] },
  }).finish();
}

/** The expected refs, aggregated here from the spec: per file (./ dropped) the furthest end, tensors in order. */
function expectedRefs(specs: readonly Spec[]): ExternalDataRef[] {
  const files = new Map<string, { bytesNeeded: number; tensors: string[] }>();
  for (const s of specs) {
    const location = s.location.replace(/^\.\//, '');
    const f = files.get(location) ?? { bytesNeeded: 0, tensors: [] };
    f.bytesNeeded = Math.max(f.bytesNeeded, s.offset + sizeOf(s));
    f.tensors.push(s.name);
    files.set(location, f);
  }
  return [...files].map(([location, f]) => ({ location, ...f }));
}

/** The contract on any bytes: well-formed refs, or a UserFacingError naming the model. */
function refsOrRefusal(bytes: Uint8Array): void {
  try {
    for (const r of externalDataRefs(bytes, 'm.onnx')) {
      expect(r.location).not.toMatch(/[/\\:]|^\.\.?$|\.\./);
      expect(r.location.length).toBeGreaterThan(0);
      expect(Number.isSafeInteger(r.bytesNeeded) && r.bytesNeeded >= 0).toBe(true);
      expect(r.tensors.length).toBeGreaterThan(0);
    }
  } catch (e) {
    if (!(e instanceof UserFacingError)) throw e;
    expect(e.message.startsWith('m.onnx ')).toBe(true);
  }
}

/** A model with external weights in initializers, a Constant and an If branch: a rich seed for mutation. */
function seedModel(): Uint8Array {
  const g = new GraphBuilder('seed');
  const x = g.input('x', ['n', 3]);
  const w = g.externalFloatInit('w', [3, 2], { location: 'seed.onnx_data', offset: 0 });
  const b = g.externalFloatInit('b', [2], { location: 'seed.onnx_data', offset: 24 });
  g.op('Add', [g.op('MatMul', [x, w]), b], {}, 'y');
  g.output('y', ['n', 2]);
  const model = onnx.ModelProto.decode(g.toBytes());
  const t = (name: string): ITensorProto => ({
    name,
    dims: [2],
    dataType: 1,
    dataLocation: EXTERNAL,
    externalData: [
      { key: 'location', value: 'side.bin' },
      { key: 'offset', value: '8' },
    ],
  });
  model.graph!.node!.push(
    onnx.NodeProto.create({ opType: 'Constant', output: ['c'], attribute: [{ name: 'value', type: 4, t: t('c0') }] }),
    onnx.NodeProto.create({
      opType: 'If',
      input: ['cond'],
      output: ['z'],
      attribute: [{ name: 'then_branch', type: 5, g: { name: 'then', initializer: [t('inner')] } }],
    }),
  );
  return onnx.ModelProto.encode(model).finish();
}

describe('externalDataRefs properties', () => {
  it('equals the per-file aggregation of what the model declares, and the check passes exactly when every file is long enough', () => {
    fc.assert(
      fc.property(spec, fc.nat(), fc.integer({ min: 1, max: 1000 }), (specs, pick, shortBy) => {
        const refs = externalDataRefs(modelOf(specs), 'm.onnx');
        expect(refs).toEqual(expectedRefs(specs));
        const exact = new Map(refs.map((r) => [r.location, r.bytesNeeded]));
        expect(() => checkExternalData('m.onnx', refs, exact)).not.toThrow();
        const victim = refs[pick % Math.max(1, refs.length)];
        if (victim && victim.bytesNeeded > 0) {
          const short = new Map(exact).set(victim.location, Math.max(0, victim.bytesNeeded - shortBy));
          expect(() => checkExternalData('m.onnx', refs, short)).toThrow(
            new RegExp(`^m\\.onnx keeps its weights in "${victim.location}", which is .* the file is truncated\\.`),
          );
        }
        if (victim) {
          const without = new Map(exact);
          without.delete(victim.location);
          expect(() => checkExternalData('m.onnx', refs, without)).toThrow(`m.onnx keeps its weights in "${victim.location}" (needs `);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives refs or a UserFacingError for truncated, flipped, inserted and appended model bytes', () => {
    const base = seedModel();
    expect(externalDataRefs(base).map((r) => r.location)).toEqual(['seed.onnx_data', 'side.bin']);
    fc.assert(
      fc.property(damagedCopies(base), fc.uint8Array({ maxLength: 24 }), (b, tail) => {
        refsOrRefusal(b);
        refsOrRefusal(Uint8Array.from([...b, ...tail]));
      }),
      { numRuns: RUNS },
    );
  });

  it('gives refs or a UserFacingError for generated models with arbitrary external_data entries', () => {
    const entry = fc.record({
      key: fc.constantFrom('location', 'offset', 'length', 'checksum', ''),
      value: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('../x', '/etc/passwd', './a', '-1', '1e9', '18446744073709551616', '00', '7')),
    });
    const tensor = fc.record({
      name: fc.string({ maxLength: 4 }),
      dims: fc.array(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.constant(2 ** 40)), { maxLength: 3 }),
      dataType: fc.integer({ min: 0, max: 30 }),
      dataLocation: fc.constantFrom(0, 1, 7).map((v) => v as NonNullable<ITensorProto['dataLocation']>),
      externalData: fc.array(entry, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(tensor, { maxLength: 5 }), (initializer) => {
        refsOrRefusal(onnx.ModelProto.encode({ irVersion: 8, graph: { name: 'g', initializer } }).finish());
      }),
      { numRuns: RUNS },
    );
  });

  it('gives refs or a UserFacingError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        refsOrRefusal(bytes);
      }),
      { numRuns: RUNS },
    );
  });
});
