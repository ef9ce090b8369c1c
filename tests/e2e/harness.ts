/** What every browser scenario shares: the check log, and the page-side measurements. */
import type { Page } from 'playwright-core';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
export const checks: Check[] = [];

export function check(name: string, ok: boolean, detail = ''): void {
  checks.push({ name, ok, detail });
  console.log(`${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
}

export async function longTasksSince(page: Page, since: number): Promise<number[]> {
  return page.evaluate(
    (t) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((x) => x.start >= t).map((x) => x.duration),
    since,
  );
}

/** The text of the first element matching `selector` now, or '' when there is none: it reads, it never waits. */
export function textNow(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => document.querySelector(sel)?.textContent ?? '', selector);
}

/** The text of the message list now, or '' when it is not there. */
export function messagesText(page: Page): Promise<string> {
  return textNow(page, '[data-testid="messages"]');
}

/** Dismiss every message (by its × button; a message's own action buttons are left alone). */
export async function dismissMessages(page: Page): Promise<void> {
  const dismiss = page.locator('[data-testid="messages"] button[aria-label="Dismiss"]');
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

/**
 * Wait until the message list holds a message matching `pattern`; returns the whole list's text.
 * A timeout fails the run (it is not swallowed): the checks after it would read nothing useful.
 */
export async function waitForMessage(page: Page, pattern: RegExp, timeout = 120_000): Promise<string> {
  await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('[data-testid="messages"]')?.textContent ?? ''), pattern.source, {
    timeout,
  });
  return messagesText(page);
}

/** Distinct colours and the brightness spread of a canvas: a blank or flat canvas has few and ~0. */
export async function canvasStats(page: Page, selector: string): Promise<{ distinct: number; std: number }> {
  // No helper functions inside evaluate: tsx would wrap them in a __name() the page lacks.
  return page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(sel);
    if (!canvas) return { distinct: 0, std: 0 };
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      const v = data[i]! + data[i + 1]! + data[i + 2]!;
      sum += v;
      sumSq += v * v;
    }
    const n = data.length / 4;
    return { distinct: colours.size, std: Math.sqrt(sumSq / n - (sum / n) ** 2) };
  }, selector);
}

/**
 * KNOR from this browser's own embeddings: shown, and not the build's precomputed first look that
 * a first visit shows while the model embeds (store/firstLook.ts).
 */
export async function waitForLiveKnor(page: Page, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    () => !!document.querySelector('[data-testid="knor-mean"]') && !document.querySelector('[data-testid="first-look"][data-status="provisional"]'),
    null,
    { timeout },
  );
}
