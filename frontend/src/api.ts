// The only way the app talks to the server: JSON over fetch, problem+json errors, bearer
// tokens refreshed once on 401 (tokens.ts: one refresh for all the browser's tabs).
import { apiBase } from "./config";
import { visitId } from "./session";
import { store, type Auth } from "./store";
import { browserLocks, logOut, refreshAfter, type TokenStore } from "./tokens";

export class ApiError extends Error {
  constructor(
    public status: number,
    public title: string,
    public detail: string,
    public errors: Record<string, string[]> = {},
    public code: string = "",
  ) {
    super(detail || title);
  }
  /** Every message, field errors included, for a human. */
  messages(): string[] {
    const fieldMessages = Object.values(this.errors).flat();
    // The detail of a validation problem repeats the field messages: list those alone.
    return fieldMessages.length ? fieldMessages : [this.detail || this.title];
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function qs(query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

async function toError(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = await response.json();
  } catch {
    /* not JSON: keep the status line */
  }
  const errors: Record<string, string[]> = {};
  const raw = (body.errors ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) {
    errors[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  const type = String(body.type ?? "");
  return new ApiError(
    response.status,
    String(body.title ?? response.statusText ?? "Error"),
    String(body.detail ?? ""),
    errors,
    String(body.code ?? type.split("/").filter(Boolean).pop() ?? ""),
  );
}

const authStore: TokenStore<Auth> = {
  get: () => store.auth,
  set: (value) => (store.auth = value),
};
const locks = browserLocks();

function refreshTokens(failed: Auth): Promise<boolean> {
  return refreshAfter(failed, {
    store: authStore,
    fetch: (url, init) => fetch(url, init),
    locks,
    url: `${apiBase()}/auth/token/refresh`,
  });
}

/** Sign out: the server ends the session (its tokens stop at once); this browser forgets it. */
export function signOut(): Promise<void> {
  return logOut({
    store: authStore,
    fetch: (url, init) => fetch(url, init),
    url: `${apiBase()}/auth/logout`,
  });
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  auth?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let sent: Auth | null = null;
  const send = () => {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "X-Session-Id": visitId(), // anonymous, for analytics (search -> hold -> booking)
      ...options.headers,
    };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const auth = store.auth;
    sent = options.auth !== false ? auth : null;
    if (sent) headers.Authorization = `Bearer ${sent.access}`;
    return fetch(`${apiBase()}${path}`, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  };
  let response: Response;
  try {
    response = await send();
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "Network error", "");
  }
  if (response.status === 401 && sent) {
    let retry = false;
    try {
      retry = await refreshTokens(sent);
    } catch {
      /* the lock or the answer failed: answer with the 401 */
    }
    if (retry) {
      try {
        response = await send();
      } catch (e) {
        if ((e as Error).name === "AbortError") throw e;
        throw new ApiError(0, "Network error", "");
      }
    }
  }
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
