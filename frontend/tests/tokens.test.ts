import { describe, expect, it } from "vitest";
import {
  browserLocks,
  logOut,
  refreshAfter,
  type Locks,
  type TokenStore,
  type Tokens,
} from "../src/tokens";

/** localStorage as the tabs share it. */
function sharedStore(initial: Tokens | null): TokenStore<Tokens> & { value: Tokens | null } {
  return {
    value: initial,
    get() {
      return this.value;
    },
    set(v) {
      this.value = v;
    },
  };
}

/** A server that rotates like ours: each refresh token works once (no grace window here,
 *  the strictest case), a second use is 401 refresh-token-reused. */
function server(opts: { status?: number; offline?: boolean } = {}) {
  let generation = 0;
  const calls: string[] = [];
  const fetch = async (_url: string, init: RequestInit): Promise<Response> => {
    const { refresh } = JSON.parse(String(init.body)) as { refresh: string };
    calls.push(refresh);
    await new Promise((resolve) => setTimeout(resolve, 5)); // answers take a while
    if (opts.offline) throw new TypeError("Failed to fetch");
    if (opts.status) return new Response("{}", { status: opts.status });
    if (refresh !== `r${generation}`) {
      return new Response(JSON.stringify({ code: "refresh-token-reused" }), { status: 401 });
    }
    generation += 1;
    return new Response(JSON.stringify({ access: `a${generation}`, refresh: `r${generation}` }), {
      status: 200,
    });
  };
  return { fetch, calls };
}

/** Web Locks as a browser shares them between its tabs. */
function sharedLocks(): Locks {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request<R>(_name: string, callback: () => Promise<R>): Promise<R> {
      const run = tail.then(callback, callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

const URL = "/api/auth/token/refresh";

describe("refreshing the tokens", () => {
  it("spends the refresh token once when two tabs find their access token expired together", async () => {
    const store = sharedStore({ access: "a0", refresh: "r0" });
    const api = server();
    const locks = sharedLocks();
    const tab = () =>
      refreshAfter({ access: "a0", refresh: "r0" }, { store, fetch: api.fetch, locks, url: URL });

    const results = await Promise.all([tab(), tab(), tab()]);

    expect(results).toEqual([true, true, true]);
    expect(api.calls).toEqual(["r0"]);
    expect(store.value).toEqual({ access: "a1", refresh: "r1" });
  });

  it("keeps the rotated tokens of another tab that refreshed without the lock", async () => {
    const store = sharedStore({ access: "a0", refresh: "r0" });
    const api = server();
    // another tab (a browser without Web Locks) exchanges r0 while this tab's request is
    // on its way, and stores its new pair: this tab's exchange is refused as a reuse
    const raced = async (url: string, init: RequestInit) => {
      await api.fetch(url, init);
      store.set({ access: "a1", refresh: "r1" });
      return api.fetch(url, init);
    };

    const ok = await refreshAfter(
      { access: "a0", refresh: "r0" },
      { store, fetch: raced, locks: browserLocks(), url: URL },
    );

    expect(ok).toBe(true);
    expect(store.value).toEqual({ access: "a1", refresh: "r1" });
  });

  it("forgets the tokens when the session has ended", async () => {
    const store = sharedStore({ access: "a0", refresh: "stolen-and-used" });
    const api = server();

    const ok = await refreshAfter(
      { access: "a0", refresh: "stolen-and-used" },
      { store, fetch: api.fetch, locks: sharedLocks(), url: URL },
    );

    expect(ok).toBe(false);
    expect(store.value).toBeNull();
  });

  it.each([
    ["throttled", { status: 429 }],
    ["unavailable", { status: 503 }],
    ["offline", { offline: true }],
  ])("keeps the tokens when the server is %s", async (_name, opts) => {
    const store = sharedStore({ access: "a0", refresh: "r0" });
    const api = server(opts);

    const ok = await refreshAfter(
      { access: "a0", refresh: "r0" },
      { store, fetch: api.fetch, locks: sharedLocks(), url: URL },
    );

    expect(ok).toBe(false);
    expect(store.value).toEqual({ access: "a0", refresh: "r0" });
  });

  it("does not refresh after the traveler logged out", async () => {
    const store = sharedStore(null);
    const api = server();

    const ok = await refreshAfter(
      { access: "a0", refresh: "r0" },
      { store, fetch: api.fetch, locks: sharedLocks(), url: URL },
    );

    expect(ok).toBe(false);
    expect(api.calls).toEqual([]);
  });
});

describe("signing out", () => {
  it("ends the session on the server and forgets it here at once", async () => {
    const store = sharedStore({ access: "a0", refresh: "r0" });
    const sent: string[] = [];
    const fetch = async (url: string, init: RequestInit) => {
      sent.push(`${url} ${String(init.body)}`);
      return new Response(null, { status: 204 });
    };

    const done = logOut({ store, fetch, url: "/api/auth/logout" });
    expect(store.value).toBeNull(); // before the answer
    await done;

    expect(sent).toEqual(['/api/auth/logout {"refresh":"r0"}']);
  });

  it("still forgets the session when offline", async () => {
    const store = sharedStore({ access: "a0", refresh: "r0" });
    const fetch = async () => {
      throw new TypeError("Failed to fetch");
    };

    await logOut({ store, fetch, url: "/api/auth/logout" });

    expect(store.value).toBeNull();
  });
});
