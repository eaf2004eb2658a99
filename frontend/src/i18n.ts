// Messages in English, French and Spanish. The language comes from the browser
// (navigator.languages) unless the traveler picked one; numbers in messages follow it.
import { en } from "./locales/en";
import { es } from "./locales/es";
import { fr } from "./locales/fr";
import { store } from "./store";

export type MessageKey = keyof typeof en;
export type Catalog = Record<MessageKey, string>;

const CATALOGS: Record<string, Catalog> = { en, fr, es };
export const LANGUAGES: [string, string][] = [
  ["en", "English"],
  ["fr", "Français"],
  ["es", "Español"],
];

/** The first supported language of the browser's list ("fr-CA" -> "fr"), else English. */
export function pickLanguage(preferred: readonly string[], chosen: string | null): string {
  if (chosen && CATALOGS[chosen]) return chosen;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (CATALOGS[base]) return base;
  }
  return "en";
}

let current = pickLanguage(
  typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language]),
  typeof localStorage === "undefined" ? null : store.lang,
);

/** The BCP 47 locale for Intl: the chosen language with the browser's region when it matches. */
export function locale(): string {
  if (typeof navigator !== "undefined") {
    const match = (navigator.languages ?? []).find(
      (tag) => tag.toLowerCase().split("-")[0] === current,
    );
    if (match) return match;
  }
  return current;
}

export function setLanguage(lang: string): void {
  if (!CATALOGS[lang]) return;
  current = lang;
  store.lang = lang;
  document.documentElement.lang = lang;
}

export function language(): string {
  return current;
}

/**
 * `format("{n} seat left|{n} seats left", {n: 2}, "en")` -> "2 seats left". A message with
 * "|" has a singular and a plural form, chosen by Intl.PluralRules on `n`; numbers are
 * formatted for the locale.
 */
export function format(
  message: string,
  params: Record<string, string | number>,
  loc: string,
): string {
  let text = message;
  if (message.includes("|") && typeof params.n === "number") {
    const [one, other] = message.split("|");
    text = new Intl.PluralRules(loc).select(params.n) === "one" ? one : other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = params[key];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(loc).format(value) : value;
  });
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const message = CATALOGS[current][key] ?? en[key] ?? key;
  return format(message, params, locale());
}

export function translate(
  lang: string,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  return format((CATALOGS[lang] ?? en)[key], params, lang);
}
