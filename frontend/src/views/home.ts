// / and the tabs between the three searches.
import { clear, h } from "../dom";
import { t } from "../i18n";
import type { RouteContext } from "../router";
import { heading, pageTitle } from "../ui";
import { flightForm } from "./flights";

export function searchTabs(active: "flights" | "hotels" | "cars"): HTMLElement {
  const tab = (key: "flights" | "hotels" | "cars") =>
    h(
      "a",
      {
        href: `/${key}`,
        class: key === active ? "tab active" : "tab",
        "aria-current": key === active ? "page" : null,
      },
      t(`nav.${key}`),
    );
  return h(
    "nav",
    { class: "tabs", "aria-label": t("nav.search") },
    tab("flights"),
    tab("hotels"),
    tab("cars"),
  );
}

export function homeView(ctx: RouteContext): void {
  pageTitle("home.title");
  clear(
    ctx.outlet,
    searchTabs("flights"),
    heading(t("home.title")),
    h("p", null, t("home.lead")),
    flightForm(ctx.query),
  );
}

export function notFoundView(ctx: RouteContext): void {
  pageTitle("notFound");
  clear(ctx.outlet, heading(t("notFound")), h("p", null, h("a", { href: "/" }, t("home.title"))));
}
