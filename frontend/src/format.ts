// Locale-aware formatting (Intl only). Pure functions: the locale is always an argument.

import type { Money } from "./types";

export type { Money };

export function formatMoney(money: Money, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: money.currency }).format(
    Number(money.amount),
  );
}

export function formatNumber(value: number, locale: string, digits = 0): string {
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/**
 * Approximate reference rates: units of each currency per 1 EUR. Display only, never sent to
 * the server (which prices everything itself); the UI marks converted amounts with "≈".
 */
export const RATES_PER_EUR: Record<string, number> = {
  EUR: 1,
  USD: 1.08,
  GBP: 0.85,
  JPY: 162,
  CHF: 0.95,
  CAD: 1.47,
  AUD: 1.65,
  SGD: 1.45,
  AED: 3.97,
  THB: 38.5,
  MXN: 18.4,
  BRL: 5.4,
  INR: 90,
  CNY: 7.8,
  HKD: 8.4,
  KRW: 1450,
  ZAR: 20,
  TRY: 35,
  SEK: 11.5,
  NOK: 11.6,
  DKK: 7.46,
  NZD: 1.8,
};

export const DISPLAY_CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF", "CAD", "AUD"];

/** The amount in another currency at the reference rates; null when a rate is unknown. */
export function convert(money: Money, to: string, rates = RATES_PER_EUR): Money | null {
  if (money.currency === to) return money;
  const from = rates[money.currency];
  const target = rates[to];
  if (!from || !target) return null;
  const value = (Number(money.amount) / from) * target;
  const digits = currencyDigits(to);
  return { amount: value.toFixed(digits), currency: to };
}

export function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

/** "€120.00", or "€120.00 (≈ $129.60)" when a different display currency is chosen. */
export function formatPrice(money: Money, locale: string, display: string | null): string {
  const main = formatMoney(money, locale);
  if (!display || display === money.currency) return main;
  const converted = convert(money, display);
  if (!converted) return main;
  return `${main} (≈ ${formatMoney(converted, locale)})`;
}

/** A plain ISO date (YYYY-MM-DD) as a local calendar date, whatever the browser's zone. */
export function formatDate(
  isoDate: string,
  locale: string,
  style: "medium" | "long" = "medium",
): string {
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** An instant (ISO 8601 with offset) in the viewer's zone: for "expires at", "booked on". */
export function formatDateTime(iso: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
    timeZone,
  }).format(new Date(iso));
}

export interface LocalTime {
  time: string; // "08:30"
  date: string; // "Dec 10, 2026"
  zone: string; // "EST" / "GMT+1" — the zone's short name at that instant
  timeZone: string; // IANA, e.g. "America/New_York"
}

/** A flight time as the clock shows it at the airport, with the time zone's name. */
export function formatLocalTime(iso: string, timeZone: string, locale: string): LocalTime {
  const instant = new Date(iso);
  const time = new Intl.DateTimeFormat(locale, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(instant);
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(instant);
  const zonePart = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" })
    .formatToParts(instant)
    .find((p) => p.type === "timeZoneName");
  return { time, date, zone: zonePart ? zonePart.value : timeZone, timeZone };
}

/** Calendar days between the local departure and arrival dates (the "+1" of a red-eye). */
export function dayShift(departureIso: string, arrivalIso: string): number {
  const day = (iso: string) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));
  return Math.round((day(arrivalIso) - day(departureIso)) / 86_400_000);
}

export function formatDuration(minutes: number, locale: string): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const unit = (value: number, u: "hour" | "minute") =>
    new Intl.NumberFormat(locale, { style: "unit", unit: u, unitDisplay: "narrow" }).format(value);
  if (h === 0) return unit(m, "minute");
  if (m === 0) return unit(h, "hour");
  return `${unit(h, "hour")} ${unit(m, "minute")}`;
}

/** YYYY-MM-DD of a day `offset` days after `from` (UTC calendar). */
export function isoDay(from: Date, offset = 0): string {
  const d = new Date(Date.UTC(from.getFullYear(), from.getMonth(), from.getDate() + offset));
  return d.toISOString().slice(0, 10);
}
