// An anonymous visit id for analytics (the X-Session-Id header): random, per browser tab
// session, never derived from the traveler. The server keeps it only if it looks like this.
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const KEY = "tg.sid";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function newSessionId(randomBytes: (n: number) => Uint8Array): string {
  return Array.from(randomBytes(22), (b) => ALPHABET[b & 63]).join("");
}

/** The stored id, or a new one stored for the rest of the visit (storage may be refused). */
export function sessionId(
  storage: KeyValueStore | undefined,
  randomBytes: (n: number) => Uint8Array,
): string {
  try {
    const kept = storage?.getItem(KEY);
    if (kept && SESSION_ID_PATTERN.test(kept)) return kept;
  } catch {
    /* storage refused (private mode): a fresh id per page load is still anonymous */
  }
  const id = newSessionId(randomBytes);
  try {
    storage?.setItem(KEY, id);
  } catch {
    /* as above */
  }
  return id;
}

let current: string | null = null;

/** This tab's visit id (window.sessionStorage, the browser's crypto). */
export function visitId(): string {
  current ??= sessionId(typeof sessionStorage === "undefined" ? undefined : sessionStorage, (n) =>
    crypto.getRandomValues(new Uint8Array(n)),
  );
  return current;
}
