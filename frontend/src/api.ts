// The only way the app talks to the server: JSON over fetch, problem+json errors, bearer
// tokens refreshed once on 401.
import { apiBase } from "./config";
import { visitId } from "./session";
import { store } from "./store";

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

let refreshing: Promise<boolean> | null = null;

async function refreshTokens(): Promise<boolean> {
  const auth = store.auth;
  if (!auth) return false;
  const response = await fetch(`${apiBase()}/auth/token/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ refresh: auth.refresh }),
  });
  if (!response.ok) {
    store.auth = null;
    return false;
  }
  const body = await response.json();
  store.auth = { ...auth, access: body.access, refresh: body.refresh ?? auth.refresh };
  return true;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  auth?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = () => {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "X-Session-Id": visitId(), // anonymous, for analytics (search -> hold -> booking)
      ...options.headers,
    };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const auth = store.auth;
    if (options.auth !== false && auth) headers.Authorization = `Bearer ${auth.access}`;
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
  if (response.status === 401 && store.auth && options.auth !== false) {
    refreshing ??= refreshTokens().finally(() => (refreshing = null));
    if (await refreshing) response = await send();
  }
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
