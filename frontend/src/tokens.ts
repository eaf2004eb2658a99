// Refreshing the session's tokens, once for every tab of the browser.
//
// Every refresh token works once: the server answers the next one and treats a second use
// as theft (401 refresh-token-reused, the session ends everywhere). The tabs share their
// tokens through localStorage, so they must not each spend the same refresh token: a
// refresh runs under a browser-wide lock (Web Locks) and first looks whether another tab
// has already replaced the token this tab failed with; if so it just uses the new one. The
// server also hands the same new pair to a racer within a few seconds, for browsers
// without Web Locks and for a retry after a lost answer.
import type { Tokens } from "./types";

export type { Tokens };

export interface TokenStore<T extends Tokens> {
  get(): T | null;
  set(value: T | null): void;
}

export interface Locks {
  request<R>(name: string, callback: () => Promise<R>): Promise<R>;
}

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export const REFRESH_LOCK = "tg.auth.refresh";

/** Browser-wide lock where the browser has one; this tab's own promise chain otherwise. */
export function browserLocks(): Locks {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  if (locks) {
    return {
      request: <R>(name: string, callback: () => Promise<R>) =>
        locks.request(name, () => callback()) as Promise<R>,
    };
  }
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request<R>(_name: string, callback: () => Promise<R>): Promise<R> {
      const run = tail.then(callback, callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * Make the stored tokens usable again after `failed` (the tokens a request was refused
 * with). True: the store holds tokens worth retrying with. False: the session is over
 * (the store was cleared) or the server could not be asked (the tokens are kept).
 */
export async function refreshAfter<T extends Tokens>(
  failed: Tokens,
  deps: { store: TokenStore<T>; fetch: Fetch; locks: Locks; url: string },
): Promise<boolean> {
  return deps.locks.request(REFRESH_LOCK, async () => {
    const current = deps.store.get();
    if (!current) return false; // logged out meanwhile
    if (current.access !== failed.access) return true; // another tab refreshed already
    let response: Response;
    try {
      response = await deps.fetch(deps.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ refresh: current.refresh }),
      });
    } catch {
      return false; // offline: keep the tokens for when the network is back
    }
    if (response.status === 401) {
      // The session has ended (logout elsewhere, password change, reuse), unless another
      // tab without the lock rotated the token in the meantime: its tokens stay.
      const now = deps.store.get();
      if (now && now.refresh !== current.refresh) return true;
      deps.store.set(null);
      return false;
    }
    if (!response.ok) return false; // throttled or unavailable: not a reason to log out
    const body = (await response.json()) as Partial<Tokens>;
    if (!body.access || !body.refresh) return false;
    deps.store.set({ ...current, access: body.access, refresh: body.refresh });
    return true;
  });
}

/** End the session on the server (its tokens stop at once), then forget it here. */
export async function logOut<T extends Tokens>(deps: {
  store: TokenStore<T>;
  fetch: Fetch;
  url: string;
}): Promise<void> {
  const current = deps.store.get();
  deps.store.set(null);
  if (!current) return;
  try {
    await deps.fetch(deps.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh: current.refresh }),
    });
  } catch {
    /* offline: the tokens are forgotten here and expire on their own */
  }
}
