// /flights/multi-city: a trip of 2 to 6 flights (slices), each combination one offer
// held and booked as one. The URL repeats `slices=origin,destination,date`, as the API does.
import { api, ApiError } from "../api";
import { clear, field, h } from "../dom";
import { formatLocalTime } from "../format";
import { locale, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { autocomplete, errorBox, heading, input, loading, pageTitle } from "../ui";
import { dayFromToday, resultsList } from "./common";
import { earliestTravelDay } from "../dates";
import { searchTabs } from "./home";
import {
  adultsField,
  airportChoice,
  cabinField,
  flightBuy,
  itineraryBlock,
  passengerCount,
} from "./flights";

import type { FlightMultiCityOffer, FlightMultiCityPage } from "../types";

const MAX_SLICES = 6;
const PAGE_SIZE = 20;

type Slice = [origin: string, destination: string, date: string];

function slicesOf(query: URLSearchParams): Slice[] {
  const asked = query.getAll("slices").map((s) => s.split(",") as Slice);
  if (asked.length >= 2) return asked.slice(0, MAX_SLICES);
  return [
    ["", "", dayFromToday(14)],
    ["", "", dayFromToday(17)],
  ];
}

function sliceRow(slice: Slice, index: number): HTMLFieldSetElement {
  const row = h(
    "fieldset",
    { class: "slice", "data-slice": index },
    h("legend", null, t("multi.flight", { n: index + 1 })),
    field(
      t("flights.from"),
      autocomplete("origin", slice[0], "/airports", airportChoice, {
        required: true,
        placeholder: "JFK",
      }),
    ),
    field(
      t("flights.to"),
      autocomplete("destination", slice[1], "/airports", airportChoice, {
        required: true,
        placeholder: "LHR",
      }),
    ),
    field(
      t("flights.date"),
      input("date", "date", slice[2], { required: true, min: earliestTravelDay() }),
    ),
  );
  return row;
}

export function multiCityForm(query: URLSearchParams): HTMLFormElement {
  const rows = h("div", { class: "slices" });
  const renumber = () =>
    rows.querySelectorAll("fieldset.slice").forEach((row, i) => {
      row.setAttribute("data-slice", String(i));
      row.querySelector("legend")!.textContent = t("multi.flight", { n: i + 1 });
      const remove = row.querySelector<HTMLButtonElement>("button.remove");
      if (remove) remove.hidden = i < 2;
    });
  const addRow = (slice: Slice) => {
    const row = sliceRow(slice, rows.children.length);
    const remove = h("button", { type: "button", class: "remove" }, t("multi.remove"));
    remove.addEventListener("click", () => {
      row.remove();
      renumber();
      more.disabled = rows.children.length >= MAX_SLICES;
    });
    row.append(remove);
    rows.append(row);
    renumber();
  };
  const more = h("button", { type: "button", class: "add-slice" }, t("multi.add"));
  more.addEventListener("click", () => {
    const last = rows.lastElementChild;
    const from = last?.querySelector<HTMLInputElement>("input[name=destination]")?.value ?? "";
    const after = last?.querySelector<HTMLInputElement>("input[name=date]")?.value ?? "";
    addRow([from, "", after || dayFromToday(14)]);
    more.disabled = rows.children.length >= MAX_SLICES;
  });
  slicesOf(query).forEach(addRow);
  more.disabled = rows.children.length >= MAX_SLICES;
  const form = h(
    "form",
    { class: "search multi", role: "search", "aria-label": t("multi.search") },
    rows,
    more,
    adultsField(query),
    cabinField(query),
    h("button", { type: "submit", class: "primary" }, t("search")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    rows.querySelectorAll("fieldset.slice").forEach((row) => {
      const value = (name: string) =>
        row.querySelector<HTMLInputElement>(`input[name=${name}]`)!.value.trim();
      next.append(
        "slices",
        [value("origin").toUpperCase(), value("destination").toUpperCase(), value("date")].join(
          ",",
        ),
      );
    });
    next.set("adults", (form.elements.namedItem("adults") as HTMLInputElement).value || "1");
    next.set("cabin", (form.elements.namedItem("cabin") as HTMLSelectElement).value);
    navigate(`/flights/multi-city?${next.toString()}`);
  });
  return form;
}

/** Marks the inputs a problem names (`slices[2].date`) so the traveler sees which line. */
function markInvalid(form: HTMLFormElement, error: unknown): void {
  if (!(error instanceof ApiError)) return;
  for (const [name, messages] of Object.entries(error.errors)) {
    const found = /^slices\[(\d+)\](?:\.(origin|destination|date))?$/.exec(name);
    if (!found) continue;
    const row = form.querySelector(`fieldset.slice[data-slice="${found[1]}"]`);
    const target = row?.querySelector<HTMLInputElement>(`input[name=${found[2] ?? "origin"}]`);
    if (target) {
      target.setAttribute("aria-invalid", "true");
      target.title = messages.join(" ");
    }
  }
}

function tripTitle(o: FlightMultiCityOffer): string {
  return [o.slices[0].origin.code, ...o.slices.map((s) => s.destination.code)].join(" → ");
}

function resultCard(o: FlightMultiCityOffer, from: string): HTMLElement {
  const first = o.slices[0];
  const subtitle = `${formatLocalTime(first.departure, first.origin.timezone, locale()).date} · ${t("pax", { n: passengerCount(o) })}`;
  return h(
    "li",
    { class: "card flight multi" },
    o.slices.map((s, i) => itineraryBlock(s, t("multi.flight", { n: i + 1 }))),
    flightBuy(o, { title: tripTitle(o), subtitle, from }),
  );
}

export async function multiCityView(ctx: RouteContext): Promise<void> {
  pageTitle("multi.title");
  const q = ctx.query;
  const form = multiCityForm(q);
  const results = h("section", { "aria-live": "polite", "aria-busy": "false" });
  clear(ctx.outlet, searchTabs("flights"), heading(t("multi.title")), form, results);
  if (q.getAll("slices").length === 0) return;

  const page = Number(q.get("page") ?? "1");
  const href = (p: number) => {
    const next = new URLSearchParams(q);
    next.set("page", String(p));
    return `/flights/multi-city?${next.toString()}`;
  };
  results.setAttribute("aria-busy", "true");
  clear(results, loading());
  try {
    const params = new URLSearchParams(q);
    params.set("page_size", String(PAGE_SIZE));
    const data = await api<FlightMultiCityPage>(`/flights/multi-city?${params.toString()}`, {
      auth: false,
    });
    if (!ctx.current()) return;
    results.setAttribute("aria-busy", "false");
    const from = window.location.pathname + window.location.search;
    clear(
      results,
      resultsList(data, (o) => resultCard(o, from), t("multi.none"), {
        page,
        size: PAGE_SIZE,
        hrefFor: href,
      }),
    );
  } catch (error) {
    if (!ctx.current()) return;
    results.setAttribute("aria-busy", "false");
    markInvalid(form, error);
    clear(results, errorBox(error, t("error.search")));
  }
}
