/**
 * The model the user opened themselves (a pack from files or the hub, a stock export), listed in
 * the picker beside the built-in packs: choosing it there opens it again the way it was opened.
 */
let reopen: (() => Promise<void>) | null = null;

export function rememberUserModel(open: () => Promise<void>): void {
  reopen = open;
}

export function reopenUserModel(): Promise<void> {
  return reopen ? reopen() : Promise.resolve();
}
