// /cars: rental cars at an airport for a period.
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
} from "../ui";
import { addButton, dayFromToday, resultsList, seatsLeft } from "./common";
import { earliestTravelDay } from "../dates";
import { searchTabs } from "./home";
import type { CarOffer, CarSearchPage } from "../types";

const PAGE_SIZE = 20;
const CLASSES = [
  "mini",
  "economy",
  "compact",
  "intermediate",
  "standard",
  "fullsize",
  "suv",
  "premium",
  "luxury",
  "van",
];

export function carForm(query: URLSearchParams): HTMLFormElement {
  const airport = (a: { code: string; city: string; name: string }) => ({
    value: a.code,
    label: `${a.city} — ${a.name} (${a.code})`,
  });
  const form = h(
    "form",
    { class: "search", role: "search", "aria-label": t("cars.search") },
    field(
      t("cars.location"),
      autocomplete("location", query.get("location"), "/airports", airport, {
        required: true,
        placeholder: "LHR",
      }),
    ),
    field(
      t("cars.pickUp"),
      input("pick_up", "date", query.get("pick_up") ?? dayFromToday(14), {
        required: true,
        min: earliestTravelDay(),
      }),
    ),
    field(
      t("cars.dropOff"),
      input("drop_off", "date", query.get("drop_off") ?? dayFromToday(17), {
        required: true,
        min: earliestTravelDay(),
      }),
    ),
    h("button", { type: "submit", class: "primary" }, t("search")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = formData(form);
    data.location = (data.location ?? "").toUpperCase();
    navigate(`/cars${qs(data)}`);
  });
  return form;
}

function card(o: CarOffer, from: string): HTMLElement {
  const c = o.car;
  const subtitle = `${o.office.airport} · ${formatDate(o.pick_up, locale())} → ${formatDate(o.drop_off, locale())}`;
  return h(
    "li",
    { class: "card car" },
    h(
      "div",
      null,
      h("h2", null, `${c.class_name}: ${c.model_name}`),
      h(
        "div",
        null,
        `${o.vendor.name} · ${o.office.name}`,
        " ",
        rating(o.vendor.rating.average, o.vendor.rating.count),
      ),
      h(
        "div",
        { class: "small muted" },
        [
          t("cars.seats", { n: c.seats }),
          t("cars.bags", { n: c.bags }),
          t(`transmission.${c.transmission}` as "transmission.manual"),
          c.air_conditioning ? t("cars.ac") : null,
          c.unlimited_mileage ? t("cars.unlimited") : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      h(
        "div",
        { class: "small muted" },
        t("cars.hours", { open: o.office.opens_at, close: o.office.closes_at }),
      ),
    ),
    h(
      "div",
      { class: "buy" },
      price(o.price),
      h(
        "div",
        { class: "small muted" },
        t("cars.days", { n: o.days }),
        " · ",
        price(o.price_per_day),
        ` ${t("cars.perDay")}`,
      ),
      seatsLeft(o.available, "left.cars"),
      o.available > 0
        ? addButton({
            kind: "car",
            offer_id: o.offer_id,
            title: `${o.vendor.name} · ${c.model_name}`,
            subtitle,
            price: o.price,
            from,
          })
        : null,
    ),
  );
}

export async function carsView(ctx: RouteContext): Promise<void> {
  pageTitle("cars.title");
  const q = ctx.query;
  const results = h("section", { "aria-live": "polite" });
  clear(ctx.outlet, searchTabs("cars"), heading(t("cars.title")), carForm(q), results);
  if (!q.get("location") || !q.get("pick_up") || !q.get("drop_off")) return;
  const page = Number(q.get("page") ?? "1");
  const href = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return `/cars?${next.toString()}`;
  };
  const chosen = new Set((q.get("car_class") ?? "").split(",").filter(Boolean));
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
          ["class", t("sort.class")],
        ],
        q.get("sort") ?? "price",
      ),
    ),
    h(
      "label",
      null,
      t("cars.transmission"),
      " ",
      select(
        "transmission",
        [
          ["", t("any")],
          ["automatic", t("transmission.automatic")],
          ["manual", t("transmission.manual")],
        ],
        q.get("transmission") ?? "",
      ),
    ),
    h(
      "fieldset",
      { class: "amenities" },
      h("legend", null, t("cars.class")),
      CLASSES.map((c) =>
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "car_class", value: c, checked: chosen.has(c) }),
          ` ${t(`class.${c}` as "class.mini")}`,
        ),
      ),
    ),
  );
  filters.addEventListener("change", () => {
    const d = formData(filters);
    navigate(
      href({
        sort: d.sort ?? null,
        transmission: d.transmission ?? null,
        car_class: d.car_class ?? null,
        page: null,
      }),
    );
  });
  clear(results, filters, loading());
  try {
    const params: Record<string, string> = {};
    q.forEach((v, k) => (params[k] = v));
    params.page_size = String(PAGE_SIZE);
    const data = await api<CarSearchPage>(`/cars/search${qs(params)}`, {
      auth: false,
    });
    if (!ctx.current()) return;
    const from = location.pathname + location.search;
    clear(
      results,
      filters,
      resultsList(data, (o) => card(o, from), t("cars.none"), {
        page,
        size: PAGE_SIZE,
        hrefFor: (p) => href({ page: String(p) }),
      }),
    );
  } catch (error) {
    if (!ctx.current()) return;
    clear(results, filters, errorBox(error, t("error.search")));
  }
}
