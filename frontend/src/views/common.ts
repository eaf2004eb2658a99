// What the result pages share: adding an offer to the basket, the list of results.
import { api } from "../api";
import { basketAdd, type BasketItem } from "../basket";
import { h } from "../dom";
import { t } from "../i18n";
import { store } from "../store";
import { empty, pager, toast } from "../ui";

export function addToBasket(item: BasketItem): void {
  const change = basketAdd(store.basket, item);
  store.basket = change.basket;
  if (change.release) {
    // The old hold no longer matches the basket: give its inventory back now.
    api(`/holds/${change.release.id}`, { method: "DELETE" }).catch(() => undefined);
  }
  toast(t("basket.added", { title: item.title }));
}

export function addButton(item: BasketItem): HTMLElement {
  const inBasket = store.basket.items[item.kind]?.offer_id === item.offer_id;
  const button = h(
    "button",
    { type: "button", class: "add", "aria-pressed": inBasket ? "true" : "false" },
    inBasket ? t("basket.inTrip") : t("basket.add"),
  );
  button.addEventListener("click", () => {
    addToBasket(item);
    button.textContent = t("basket.inTrip");
    button.setAttribute("aria-pressed", "true");
  });
  return button;
}

export function seatsLeft(
  n: number,
  key: "left.seats" | "left.rooms" | "left.cars",
): HTMLElement | null {
  if (n <= 0) return h("span", { class: "soldout" }, t("soldOut"));
  return n <= 5 ? h("span", { class: "few" }, t(key, { n })) : null;
}

/** Today and n days later as YYYY-MM-DD in the browser's calendar. */
export function dayFromToday(n: number): string {
  const d = new Date();
  d.setDate(d.getDate() + n);
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A page of results: how many in all, this page's cards (or `none` when there is none),
 * and the pager to the others. */
export function resultsList<T>(
  data: { count: number; results: T[] },
  card: (result: T) => HTMLElement,
  none: string,
  page: { page: number; size: number; hrefFor: (page: number) => string },
): (HTMLElement | null)[] {
  return [
    h("p", { class: "count" }, t("results.count", { n: data.count })),
    data.results.length ? h("ul", { class: "results" }, data.results.map(card)) : empty(none),
    pager(data.count, page.page, page.size, page.hrefFor),
  ];
}
