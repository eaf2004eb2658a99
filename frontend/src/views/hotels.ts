// /hotels: search form, filters with facet counts, results.
import { api, qs } from "../api";
import { clear, field, formData, h } from "../dom";
import { formatDate } from "../format";
import { locale, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import {
  autocomplete,
  errorBox,
  heading,
  input,
  loading,
  pageTitle,
  price,
  rating,
  select,
  stars,
} from "../ui";
import { dayFromToday, resultsList } from "./common";
import { earliestTravelDay } from "../dates";
import { searchTabs } from "./home";
import { daysBetween, loadStrip, shiftDay } from "./calendar";

import type { CitySuggestion, HotelResult, HotelSearchPage as Page, RoomOffer } from "../types";

export type { RoomOffer };

const PAGE_SIZE = 20;

/** Hotels with at least `stars` stars, from the per-star facet counts. */
export function atLeast(facets: Record<string, number>, stars: number): number {
  return Object.entries(facets).reduce((sum, [s, n]) => (Number(s) >= stars ? sum + n : sum), 0);
}
const STAY_KEYS = ["check_in", "check_out", "guests", "rooms"];

export function hotelForm(query: URLSearchParams): HTMLFormElement {
  const city = (c: CitySuggestion) => ({
    value: `${c.name}, ${c.country_code}`,
    label: `${c.name}, ${c.country_code}`,
  });
  const form = h(
    "form",
    { class: "search", role: "search", "aria-label": t("hotels.search") },
    field(
      t("hotels.city"),
      autocomplete("city", query.get("city"), "/cities", city, {
        required: true,
        placeholder: "Paris",
      }),
    ),
    field(
      t("hotels.checkIn"),
      input("check_in", "date", query.get("check_in") ?? dayFromToday(14), {
        required: true,
        min: earliestTravelDay(),
      }),
    ),
    field(
      t("hotels.checkOut"),
      input("check_out", "date", query.get("check_out") ?? dayFromToday(17), {
        required: true,
        min: earliestTravelDay(),
      }),
    ),
    field(
      t("hotels.guests"),
      input("guests", "number", query.get("guests") ?? "2", { min: "1", max: "16" }),
    ),
    field(
      t("hotels.rooms"),
      input("rooms", "number", query.get("rooms") ?? "1", { min: "1", max: "8" }),
    ),
    h("button", { type: "submit", class: "primary" }, t("search")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(`/hotels${qs(formData(form))}`);
  });
  return form;
}

function card(hotel: HotelResult, stay: string): HTMLElement {
  const offer = hotel.cheapest;
  return h(
    "li",
    { class: "card hotel" },
    h(
      "div",
      null,
      h(
        "h2",
        null,
        h("a", { href: `/hotels/${hotel.id}${stay}` }, hotel.name),
        " ",
        stars(hotel.stars),
      ),
      h("div", { class: "muted" }, `${hotel.address} · ${hotel.city.name}`),
      hotel.distance_km !== null
        ? h(
            "div",
            { class: "small muted" },
            t("hotels.distance", {
              km: hotel.distance_km.toLocaleString(locale(), { maximumFractionDigits: 1 }),
            }),
          )
        : null,
      rating(hotel.rating.average, hotel.rating.count),
      h("div", { class: "small" }, hotel.amenities.map((a) => a.name).join(" · ")),
    ),
    h(
      "div",
      { class: "buy" },
      h("div", { class: "small muted" }, offer.room_type.name),
      price(offer.price),
      h(
        "div",
        { class: "small muted" },
        t("hotels.nights", { n: offer.nights }),
        " · ",
        price(offer.price_per_night),
        ` ${t("hotels.perNight")}`,
      ),
      offer.free_cancellation_until
        ? h(
            "div",
            { class: "small good" },
            t("cancel.freeUntil", { date: formatDate(offer.free_cancellation_until, locale()) }),
          )
        : h("div", { class: "small muted" }, t("cancel.nonRefundable")),
      h("a", { class: "button", href: `/hotels/${hotel.id}${stay}` }, t("hotels.seeRooms")),
    ),
  );
}

export async function hotelsView(ctx: RouteContext): Promise<void> {
  pageTitle("hotels.title");
  const q = ctx.query;
  const results = h("section", { "aria-live": "polite" });
  clear(ctx.outlet, searchTabs("hotels"), heading(t("hotels.title")), hotelForm(q), results);
  if (!q.get("city") || !q.get("check_in") || !q.get("check_out")) return;

  const page = Number(q.get("page") ?? "1");
  const href = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return `/hotels?${next.toString()}`;
  };
  clear(results, loading());
  // Another check-in day keeps the stay's length.
  const checkIn = q.get("check_in")!;
  const nights = daysBetween(checkIn, q.get("check_out")!);
  const dayHref = (day: string) =>
    href({ check_in: day, check_out: shiftDay(day, nights), page: null });
  const calendarQuery: Record<string, string | null> = {};
  for (const key of ["city", ...STAY_KEYS]) calendarQuery[key] = q.get(key);
  const strip = loadStrip(
    "/hotels/calendar",
    calendarQuery,
    checkIn,
    dayHref,
    t("calendar.hotels"),
  );
  try {
    const params: Record<string, string> = {};
    q.forEach((v, k) => (params[k] = v));
    params.page_size = String(PAGE_SIZE);
    const data = await api<Page>(`/hotels/search${qs(params)}`, { auth: false });
    const days = await strip;
    if (!ctx.current()) return;
    const stay = qs(Object.fromEntries(STAY_KEYS.map((k) => [k, q.get(k)])));
    const chosen = new Set((q.get("amenities") ?? "").split(",").filter(Boolean));
    const starFacets = data.facets.stars ?? {};
    const amenityFacets = data.facets.amenities ?? {};
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
            ["-price", t("sort.-price")],
            ["rating", t("sort.rating")],
            ["stars", t("sort.stars")],
            ["distance", t("sort.distance")],
          ],
          q.get("sort") ?? "price",
        ),
      ),
      h(
        "label",
        null,
        t("hotels.minStars"),
        " ",
        select(
          "min_stars",
          [
            ["", t("any")],
            ...["5", "4", "3", "2", "1"].map((s): [string, string] => [
              s,
              `${"★".repeat(Number(s))}+ (${atLeast(starFacets, Number(s))})`,
            ]),
          ],
          q.get("min_stars") ?? "",
        ),
      ),
      h("label", null, t("hotels.words"), " ", input("q", "search", q.get("q"))),
      h(
        "label",
        null,
        t("hotels.minPrice"),
        " ",
        input("min_price", "number", q.get("min_price"), { min: "0", step: "1" }),
      ),
      h(
        "label",
        null,
        t("hotels.maxPrice"),
        " ",
        input("max_price", "number", q.get("max_price"), { min: "0", step: "1" }),
      ),
      h(
        "fieldset",
        { class: "amenities" },
        h("legend", null, t("hotels.amenities")),
        Object.entries(amenityFacets).map(([code, n]) =>
          h(
            "label",
            { class: "check" },
            h("input", {
              type: "checkbox",
              name: "amenities",
              value: code,
              checked: chosen.has(code),
            }),
            ` ${code.replace(/_/g, " ")} (${n})`,
          ),
        ),
      ),
      h("button", { type: "submit" }, t("apply")),
    );
    const apply = () => {
      const d = formData(filters);
      navigate(
        href({
          sort: d.sort ?? null,
          min_stars: d.min_stars ?? null,
          q: d.q ?? null,
          min_price: d.min_price ?? null,
          max_price: d.max_price ?? null,
          amenities: d.amenities ?? null,
          page: null,
        }),
      );
    };
    filters.addEventListener("submit", (e) => (e.preventDefault(), apply()));
    filters
      .querySelectorAll("select, input[type=checkbox]")
      .forEach((el) => el.addEventListener("change", apply));
    clear(
      results,
      days,
      filters,
      resultsList(data, (hotel) => card(hotel, stay), t("hotels.none"), {
        page,
        size: PAGE_SIZE,
        hrefFor: (p) => href({ page: String(p) }),
      }),
    );
  } catch (error) {
    if (!ctx.current()) return;
    clear(results, errorBox(error, t("error.search")));
  }
}
