// The strip of days above flight and hotel results: each day's lowest price, a link to
// search that day instead. A failed strip hides itself: the results are what was asked.
import { api, qs, type Query } from "../api";
import { h } from "../dom";
import { formatDate, formatMoney } from "../format";
import { locale, t } from "../i18n";

import type { CalendarDay } from "../types";

/** YYYY-MM-DD `n` days after `day` (calendar arithmetic in UTC: no zone shifts a date). */
export function shiftDay(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Days between two YYYY-MM-DD dates. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function calendarStrip(
  days: CalendarDay[],
  selected: string,
  hrefFor: (day: string) => string,
  label: string,
): HTMLElement {
  const cheapest = days
    .filter((d) => d.price)
    .reduce<CalendarDay | null>(
      (low, d) => (!low || Number(d.price!.amount) < Number(low.price!.amount) ? d : low),
      null,
    );
  return h(
    "nav",
    { class: "calendar", "aria-label": label },
    h(
      "ol",
      null,
      days.map((d) => {
        const when = formatDate(d.date, locale());
        const amount = d.price ? formatMoney(d.price, locale()) : t("calendar.none");
        const classes = [
          "day",
          d === cheapest ? "lowest" : "",
          d.date === selected ? "chosen" : "",
        ];
        return h(
          "li",
          null,
          h(
            "a",
            {
              href: hrefFor(d.date),
              class: classes.filter(Boolean).join(" "),
              "aria-current": d.date === selected ? "date" : null,
              "data-date": d.date,
            },
            h("span", { class: "when" }, when),
            h("span", { class: d.price ? "price" : "price muted" }, amount),
          ),
        );
      }),
    ),
  );
}

/** The strip for `path` (a calendar operation) and `query`, or nothing when it fails. */
export async function loadStrip(
  path: string,
  query: Query,
  selected: string,
  hrefFor: (day: string) => string,
  label: string,
): Promise<HTMLElement | null> {
  try {
    const data = await api<{ days: CalendarDay[] }>(`${path}${qs(query)}`, { auth: false });
    return data.days.length ? calendarStrip(data.days, selected, hrefFor, label) : null;
  } catch {
    return null;
  }
}
