// /flights: the search form and, when the URL has a query, its results.
import { api, qs } from "../api";
import { clear, field, formData, h } from "../dom";
import { dayShift, formatDuration, formatLocalTime } from "../format";
import { locale, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { autocomplete, errorBox, heading, input, loading, pageTitle, price, select } from "../ui";
import { addButton, dayFromToday, resultsList, seatsLeft } from "./common";
import { earliestTravelDay } from "../dates";
import { searchTabs } from "./home";
import { daysBetween, loadStrip, shiftDay } from "./calendar";

import type {
  AirportSuggestion,
  FlightAirport,
  FlightItinerary as Itinerary,
  FlightOffer,
  FlightSearchPage as Page,
} from "../types";

export type { FlightOffer };

const PAGE_SIZE = 20;
const CABINS = ["economy", "premium_economy", "business", "first"] as const;

/** An airport as the from and to fields suggest it. */
export const airportChoice = (a: AirportSuggestion) => ({
  value: a.code,
  label: `${a.city} — ${a.name} (${a.code})`,
});

/** The adults field of every flight search form. */
export function adultsField(query: URLSearchParams): HTMLElement {
  return field(
    t("flights.adults"),
    input("adults", "number", query.get("adults") ?? "1", { min: "1", max: "9" }),
  );
}

/** The cabin field of every flight search form. */
export function cabinField(query: URLSearchParams): HTMLElement {
  return field(
    t("flights.cabin"),
    select(
      "cabin",
      CABINS.map((c) => [c, t(`cabin.${c}`)]),
      query.get("cabin") ?? "economy",
    ),
  );
}

export function flightForm(query: URLSearchParams): HTMLFormElement {
  const form = h(
    "form",
    { class: "search", role: "search", "aria-label": t("flights.search") },
    field(
      t("flights.from"),
      autocomplete("origin", query.get("origin"), "/airports", airportChoice, {
        required: true,
        placeholder: "JFK",
      }),
    ),
    field(
      t("flights.to"),
      autocomplete("destination", query.get("destination"), "/airports", airportChoice, {
        required: true,
        placeholder: "LHR",
      }),
    ),
    field(
      t("flights.date"),
      input("date", "date", query.get("date") ?? dayFromToday(14), {
        required: true,
        min: earliestTravelDay(),
      }),
    ),
    field(
      t("flights.return"),
      input("return_date", "date", query.get("return_date"), { min: earliestTravelDay() }),
    ),
    adultsField(query),
    field(
      t("flights.children"),
      input("children", "number", query.get("children") ?? "0", { min: "0", max: "8" }),
    ),
    field(
      t("flights.infants"),
      input("infants", "number", query.get("infants") ?? "0", { min: "0", max: "9" }),
    ),
    cabinField(query),
    h("button", { type: "submit", class: "primary" }, t("search")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = formData(form);
    data.origin = (data.origin ?? "").toUpperCase();
    data.destination = (data.destination ?? "").toUpperCase();
    if (data.children === "0") delete data.children;
    if (data.infants === "0") delete data.infants;
    navigate(`/flights${qs(data)}`);
  });
  return form;
}

function legLine(label: string, iso: string, airport: FlightAirport): HTMLElement {
  const lt = formatLocalTime(iso, airport.timezone, locale());
  return h(
    "div",
    { class: "when" },
    h("span", { class: "sr-only" }, label),
    h("strong", { class: "time" }, lt.time),
    " ",
    h("abbr", { class: "tz", title: lt.timeZone }, lt.zone),
    h("div", { class: "place" }, `${airport.code} · ${airport.city}`),
    h("div", { class: "muted small" }, `${lt.date} (${lt.timeZone})`),
  );
}

export function itineraryBlock(it: Itinerary, label: string): HTMLElement {
  const shift = dayShift(it.departure, it.arrival);
  const airlines = [...new Set(it.legs.map((l) => l.airline.name))].join(", ");
  const numbers = it.legs.map((l) => l.flight_number).join(" · ");
  return h(
    "div",
    { class: "itinerary" },
    h("div", { class: "muted small" }, `${label} · ${airlines} · ${numbers}`),
    h(
      "div",
      { class: "legs" },
      legLine(t("flights.departs"), it.departure, it.origin),
      h(
        "div",
        { class: "middle" },
        h("div", null, formatDuration(it.duration_minutes, locale())),
        h(
          "div",
          { class: "muted small" },
          it.stops === 0
            ? t("stops.0")
            : t("stops.n", { n: it.stops, via: it.connections.map((c) => c.airport).join(", ") }),
        ),
      ),
      h(
        "div",
        null,
        legLine(t("flights.arrives"), it.arrival, it.destination),
        shift > 0 ? h("span", { class: "shift", title: t("flights.nextDay") }, `+${shift}`) : null,
      ),
    ),
  );
}

export function flightTitle(o: FlightOffer): string {
  const numbers = o.outbound.legs.map((l) => l.flight_number).join("/");
  return `${o.outbound.origin.code} → ${o.outbound.destination.code} · ${numbers}`;
}

/** Any flight offer as its card's price side needs it (one way, round trip, multi-city). */
type BuyableFlight = Pick<FlightOffer, "offer_id" | "price" | "passengers" | "available">;

export function passengerCount(o: BuyableFlight): number {
  return o.passengers.adults + o.passengers.children + o.passengers.infants;
}

/** The price side of a flight offer's card: the total for everyone, `notes` under it, the
 * seats left and the button that adds the offer, as `title` and `subtitle`, to the trip. */
export function flightBuy(
  o: BuyableFlight,
  basket: { title: string; subtitle: string; from: string },
  notes: HTMLElement[] = [],
): HTMLElement {
  return h(
    "div",
    { class: "buy" },
    price(o.price),
    h("div", { class: "muted small" }, t("flights.total", { n: passengerCount(o) })),
    notes,
    seatsLeft(o.available, "left.seats"),
    o.available > 0
      ? addButton({
          kind: "flight",
          offer_id: o.offer_id,
          title: basket.title,
          subtitle: basket.subtitle,
          price: o.price,
          party: o.passengers,
          from: basket.from,
        })
      : null,
  );
}

function resultCard(o: FlightOffer, from: string): HTMLElement {
  const pax = passengerCount(o);
  const subtitle = `${formatLocalTime(o.outbound.departure, o.outbound.origin.timezone, locale()).date} · ${t("pax", { n: pax })} · ${t(`cabin.${o.cabin}` as "cabin.economy")}`;
  return h(
    "li",
    { class: "card flight" },
    itineraryBlock(o.outbound, t("flights.outbound")),
    o.return ? itineraryBlock(o.return, t("flights.inbound")) : null,
    flightBuy(o, { title: flightTitle(o), subtitle, from }, [
      o.fare_rules.refundable
        ? h("div", { class: "small good" }, t("flights.refundable"))
        : h("div", { class: "small muted" }, t("flights.nonRefundable")),
    ]),
  );
}

export async function flightsView(ctx: RouteContext): Promise<void> {
  pageTitle("flights.title");
  const q = ctx.query;
  const results = h("section", { "aria-live": "polite", "aria-busy": "false" });
  clear(
    ctx.outlet,
    searchTabs("flights"),
    heading(t("flights.title")),
    flightForm(q),
    h("p", null, h("a", { href: "/flights/multi-city", class: "multi-city" }, t("multi.link"))),
    results,
  );
  if (!q.get("origin") || !q.get("destination") || !q.get("date")) return;

  const sort = q.get("sort") ?? "price";
  const maxStops = q.get("max_stops") ?? "";
  const page = Number(q.get("page") ?? "1");
  const href = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return `/flights?${next.toString()}`;
  };
  const filters = h(
    "form",
    { class: "filters", "aria-label": t("filters") },
    h(
      "label",
      null,
      t("sort"),
      " ",
      select(
        "sort",
        [
          ["price", t("sort.price")],
          ["duration", t("sort.duration")],
          ["departure", t("sort.departure")],
        ],
        sort,
      ),
    ),
    h(
      "label",
      null,
      t("flights.stops"),
      " ",
      select(
        "max_stops",
        [
          ["", t("stops.any")],
          ["0", t("stops.0")],
          ["1", t("stops.max1")],
        ],
        maxStops,
      ),
    ),
  );
  filters.addEventListener("change", () => {
    const d = formData(filters);
    navigate(href({ sort: d.sort ?? null, max_stops: d.max_stops ?? null, page: null }));
  });
  results.setAttribute("aria-busy", "true");
  clear(results, filters, loading());
  // A round trip keeps its length when its departure day moves.
  const date = q.get("date")!;
  const back = q.get("return_date");
  const dayHref = (day: string) =>
    href({
      date: day,
      return_date: back ? shiftDay(back, daysBetween(date, day)) : null,
      page: null,
    });
  const calendarQuery: Record<string, string | null> = {};
  for (const key of ["origin", "destination", "date", "adults", "children", "infants", "cabin"])
    calendarQuery[key] = q.get(key);
  calendarQuery.max_stops = maxStops || null;
  const strip = loadStrip("/flights/calendar", calendarQuery, date, dayHref, t("calendar.flights"));
  try {
    const params: Record<string, string> = {};
    q.forEach((v, k) => (params[k] = v));
    params.page_size = String(PAGE_SIZE);
    const data = await api<Page>(`/flights/search${qs(params)}`, { auth: false });
    const days = await strip;
    if (!ctx.current()) return;
    results.setAttribute("aria-busy", "false");
    const from = window.location.pathname + window.location.search;
    clear(
      results,
      days,
      filters,
      resultsList(data, (o) => resultCard(o, from), t("flights.none"), {
        page,
        size: PAGE_SIZE,
        hrefFor: (p) => href({ page: String(p) }),
      }),
    );
  } catch (error) {
    if (!ctx.current()) return;
    results.setAttribute("aria-busy", "false");
    clear(results, filters, errorBox(error, t("error.search")));
  }
}
