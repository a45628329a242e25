/**
 * Web storage that degrades to memory. A portal embedded in another site's iframe may be
 * denied storage (third-party storage blocked): reading `sessionStorage` then throws. The
 * console keeps working for the life of the page, and the credential is simply not kept
 * across a reload.
 */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

function storeOver(area: () => Storage): KeyValueStore {
  const memory = new Map<string, string>();
  let usable: boolean | undefined;
  const available = (): boolean => {
    if (usable === undefined) {
      try {
        area().getItem('hookline.probe');
        usable = true;
      } catch {
        usable = false;
      }
    }
    return usable;
  };
  return {
    get: (key) => (available() ? area().getItem(key) : (memory.get(key) ?? null)),
    set: (key, value) => (available() ? area().setItem(key, value) : memory.set(key, value)),
    remove: (key) => (available() ? area().removeItem(key) : memory.delete(key)),
  };
}

/** The tab's session storage: the credential and the chosen tenant. */
export const tabStore = storeOver(() => sessionStorage);
/** Local storage: the theme choice only, never a secret. */
export const preferenceStore = storeOver(() => localStorage);
