/** The app's version (package.json, put in by vite.config.ts), for exports; "dev" where nothing put it in (Node tests). */
declare const __APP_VERSION__: string | undefined;

export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev';
