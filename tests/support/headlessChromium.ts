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

/** The widths the project looks at every view it touches in (README: screenshots), 800 px with a 1000 px height. */
export const SCREENSHOT_SIZES = [
  { name: '1440x900', width: 1440, height: 900 },
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '800', width: 800, height: 1000 },
] as const;
