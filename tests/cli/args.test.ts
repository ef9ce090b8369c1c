/** The command line: what each form means, and a message naming the flag for each mistake. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_K, parseArgs, USAGE } from '../../cli/args.ts';
import { UsageError } from '../../cli/exitCodes.ts';

const analyze = (...extra: string[]) => parseArgs(['analyze', 'imgs', '--pack', 'mnv2-mlp', '--out', 'res', ...extra]);

describe('parseArgs', () => {
  it('reads analyze with its defaults, flags before or after the folder, as --flag v or --flag=v', () => {
    expect(analyze()).toEqual({
      kind: 'analyze',
      verbose: false,
      args: { imagesDir: 'imgs', pack: 'mnv2-mlp', out: 'res', k: DEFAULT_K, metric: 'cosine', includeSelf: false, labels: null, shard: null, train: null },
    });
    expect(
      parseArgs(['--k=5', 'analyze', '--metric', 'l2', '--include-self', 'imgs', '--pack=p', '--out', 'o', '--labels', 'l.csv', '--shard', '2/3', '--verbose']),
    ).toEqual({
      kind: 'analyze',
      verbose: true,
      args: { imagesDir: 'imgs', pack: 'p', out: 'o', k: 5, metric: 'l2', includeSelf: true, labels: 'l.csv', shard: { index: 2, count: 3 }, train: null },
    });
  });

  it('reads merge, help and version', () => {
    expect(parseArgs(['merge', 'a', 'b', '--out', 'm'])).toEqual({ kind: 'merge', verbose: false, args: { shardDirs: ['a', 'b'], out: 'm' } });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help', text: USAGE });
    expect(parseArgs(['analyze', '-h'])).toEqual({ kind: 'help', text: USAGE });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    [[], 'Say what to do: analyze or merge.'],
    [['analyse', 'x'], 'Unknown command "analyse"; the commands are analyze and merge.'],
    [['analyze', '--pack', 'p', '--out', 'o'], 'analyze needs the folder of images'],
    [['analyze', 'a', 'b', '--pack', 'p', '--out', 'o'], 'analyze takes one folder of images; got 2 (a, b).'],
    [['analyze', 'imgs', '--out', 'o'], 'analyze needs --pack <id|dir>'],
    [['analyze', 'imgs', '--pack', 'p'], 'analyze needs --out <dir>'],
    [['analyze', 'imgs', '--pack'], '--pack needs a value.'],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--k', '0'], '--k takes a whole number of neighbours, 1 or more (got "0").'],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--k', '2.5'], '--k takes a whole number'],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--metric', 'euclid'], '--metric takes cosine or l2 (got "euclid").'],
    [
      ['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--shard', '2/2'],
      '--shard takes i/n with 0 <= i < n, e.g. --shard 0/4 for the first of four machines (got "2/2").',
    ],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--shard', '1'], '--shard takes i/n'],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--kk', '3'], 'Unknown option --kk.'],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '-k', '3'], 'Unknown option -k.'],
    [['analyze', 'imgs', '--pack', 'p', '--pack', 'q', '--out', 'o'], '--pack is given twice; give it once.'],
    [['analyze', 'imgs', '--pack', 'p', '--out', 'o', '--include-self=yes'], '--include-self takes no value'],
    [['merge', 'a', '--out', 'm', '--k', '3'], 'merge takes no --k.'],
    [['merge', '--out', 'm'], 'merge needs the output folders of the shards'],
    [['merge', 'a', 'b'], 'merge needs --out <dir>'],
  ])('%j is refused: %s', (argv, message) => {
    let thrown: unknown;
    try {
      parseArgs(argv);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message).toMatch(/Run connector-lens --help for usage\.$/);
  });
});
