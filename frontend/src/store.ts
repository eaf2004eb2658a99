// What the browser remembers: tokens, the basket (with its hold), preferences.
import { emptyBasket, type Basket } from "./basket";
import type { Tokens, User } from "./types";

const KEYS = { auth: "tg.auth", basket: "tg.basket", lang: "tg.lang", currency: "tg.currency" };

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  if (value === null || value === undefined) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
}

/** The signed-in traveler: the token pair and who it is (from /api/me). */
export type Auth = Tokens & Pick<User, "email" | "first_name">;

type Listener = () => void;
const listeners = new Set<Listener>();
export function onStoreChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function changed(): void {
  listeners.forEach((fn) => fn());
}

export const store = {
  get auth(): Auth | null {
    return read<Auth | null>(KEYS.auth, null);
  },
  set auth(value: Auth | null) {
    write(KEYS.auth, value);
    changed();
  },
  get basket(): Basket {
    const b = read<Basket>(KEYS.basket, emptyBasket());
    return { items: b.items ?? {}, hold: b.hold ?? null };
  },
  set basket(value: Basket) {
    write(KEYS.basket, value);
    changed();
  },
  get lang(): string | null {
    return read<string | null>(KEYS.lang, null);
  },
  set lang(value: string | null) {
    write(KEYS.lang, value);
    changed();
  },
  get currency(): string | null {
    return read<string | null>(KEYS.currency, null);
  },
  set currency(value: string | null) {
    write(KEYS.currency, value);
    changed();
  },
};
