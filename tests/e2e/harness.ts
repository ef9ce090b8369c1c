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
  return page.evaluate((t) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((x) => x.start >= t).map((x) => x.duration), since);
}

/** The text of the message list, or '' when it is not there. */
export async function messagesText(page: Page): Promise<string> {
  return (await page.textContent('[data-testid="messages"]').catch(() => '')) ?? '';
}
