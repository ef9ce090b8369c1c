#!/usr/bin/env node
/**
 * `npx connector-lens ...` inside the repository: runs cli/connector-lens.ts with the repository's
 * own tsx (registered in this process, resolved next to this file, so it works from any working
 * directory and Ctrl-C reaches the command directly).
 */
import { register } from 'tsx/esm/api';

register();
await import(new URL('../cli/connector-lens.ts', import.meta.url).href);
