/** The progress bar: redrawn in place on a terminal, a line per 10 % elsewhere. */
import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar, progressLine, progressText } from '../../cli/progress.ts';

describe('progress', () => {
  it('says done/total, rate and time left', () => {
    expect(progressText('images', 30, 120, 10)).toBe('30/120 images, 3.0 images/s, 30s left');
    expect(progressText('images', 0, 120, 0)).toBe('0/120 images, -- images/s, -- left');
    expect(progressText('images', 120, 120, 4)).toBe('120/120 images, 30 images/s, done');
    expect([formatDuration(59.4), formatDuration(185), formatDuration(7450)]).toEqual(['59s', '3m05s', '2h04m']);
    expect(progressLine('images', 5, 10, 1, 80)).toMatch(/^\[#{20}\.{20}\] 5\/10 images/);
  });

  it('writes a plain line at each 10 % when not on a terminal', () => {
    const written: string[] = [];
    const bar = new ProgressBar({ write: (t) => void written.push(t), isTTY: false }, 'images', 20);
    for (let done = 1; done <= 20; done++) bar.update(done);
    bar.finish();
    expect(written.map((l) => l.split(' ')[0])).toEqual(['10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
    expect(written.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });

  it('redraws one line on a terminal, and ends it', () => {
    const written: string[] = [];
    const bar = new ProgressBar({ write: (t) => void written.push(t), isTTY: true, columns: 100 }, 'images', 3);
    bar.update(3);
    bar.finish();
    // eslint-disable-next-line no-control-regex -- the terminal's escape code is what is checked
    expect(written[0]).toMatch(/^\r\x1b\[2K\[#+\] 3\/3 images/);
    expect(written[written.length - 1]).toBe('\n');
  });
});
