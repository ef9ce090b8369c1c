/**
 * The project's headless Chromium: Debian's binary (apt-get install chromium; CHROMIUM_PATH
 * overrides it) and the flags every browser run here launches it with (no network of its own, no
 * updates, no first-run UI). Used by the browser test, the screenshots and the bench.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const HEADLESS_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
