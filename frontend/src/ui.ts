// Building blocks shared by the views: states (loading, empty, error), prices, autocomplete.
import { api, ApiError } from "./api";
import { h, uid } from "./dom";
import { formatPrice, type Money } from "./format";
import { locale, t, type MessageKey } from "./i18n";
import { isNewPage } from "./router";
import { store } from "./store";

export function loading(): HTMLElement {
  return h("p", { class: "loading", role: "status", "aria-live": "polite" }, t("loading"));
}

export function empty(message: string): HTMLElement {
  return h("p", { class: "empty", role: "status" }, message);
}

export function errorBox(error: unknown, title?: string): HTMLElement {
  const messages =
    error instanceof ApiError
      ? error.status === 0
        ? [t("error.network")]
        : error.messages()
      : [t("error.unexpected")];
  return h(
    "div",
    { class: "error", role: "alert" },
    h("strong", null, title ?? t("error.title")),
    h(
      "ul",
      null,
      messages.map((m) => h("li", null, m)),
    ),
  );
}

export function price(money: Money): HTMLElement {
  const text = formatPrice(money, locale(), store.currency);
  const approx = text.includes("≈");
  return h("span", { class: "price", title: approx ? t("price.approx") : null }, text);
}

export function pageTitle(key: MessageKey, extra = ""): void {
  document.title = `${t(key)}${extra ? ` — ${extra}` : ""} · TravelGuru`;
}

export function heading(text: string): HTMLElement {
  const el = h("h1", { tabindex: "-1" }, text);
  // Move focus to a new page's heading: screen readers and keyboards follow navigation.
  if (isNewPage()) queueMicrotask(() => el.focus({ preventScroll: true }));
  return el;
}

export function select(
  name: string,
  options: [string, string][],
  value: string | null,
  attrs: Record<string, string> = {},
): HTMLSelectElement {
  return h(
    "select",
    { name, ...attrs },
    options.map(([v, label]) => h("option", { value: v, selected: v === (value ?? "") }, label)),
  );
}

export function input(
  name: string,
  type: string,
  value: string | null,
  attrs: Record<string, string | boolean> = {},
): HTMLInputElement {
  return h("input", { name, type, value: value ?? "", ...attrs });
}

interface Suggestion {
  value: string;
  label: string;
}

/**
 * A text input with suggestions from the API in a <datalist> (native, keyboard-usable).
 * `path` is /airports or /cities; `toSuggestion` maps one result.
 */
export function autocomplete<T>(
  name: string,
  value: string | null,
  path: string,
  toSuggestion: (item: T) => Suggestion,
  attrs: Record<string, string | boolean> = {},
): HTMLElement {
  const listId = uid("list");
  const list = h("datalist", { id: listId });
  const control = input(name, "text", value, { list: listId, autocomplete: "off", ...attrs });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | null = null;
  control.addEventListener("input", () => {
    clearTimeout(timer);
    const q = control.value.trim();
    if (q.length < 2) return;
    timer = setTimeout(async () => {
      controller?.abort();
      controller = new AbortController();
      try {
        const page = await api<{ results: T[] }>(`${path}?q=${encodeURIComponent(q)}&page_size=8`, {
          signal: controller.signal,
          auth: false,
        });
        list.replaceChildren(
          ...page.results
            .map(toSuggestion)
            .map((s) => h("option", { value: s.value, label: s.label })),
        );
      } catch {
        /* suggestions are a convenience: typing a code still works */
      }
    }, 200);
  });
  const wrap = h("span", { class: "autocomplete" }, control, list);
  // `field()` labels the wrapper's input: expose it.
  (wrap as HTMLElement & { control?: HTMLInputElement }).control = control;
  return wrap;
}

export function stars(n: number): HTMLElement {
  return h("span", { class: "stars", "aria-label": t("stars", { n }) }, "★".repeat(n));
}

export function rating(avg: string | null, count: number): HTMLElement {
  if (!avg || !count) return h("span", { class: "rating muted" }, t("rating.none"));
  return h(
    "span",
    { class: "rating" },
    t("rating.summary", {
      avg: Number(avg).toLocaleString(locale(), { maximumFractionDigits: 1 }),
      count,
    }),
  );
}

export function pager(
  count: number,
  page: number,
  pageSize: number,
  hrefFor: (page: number) => string,
): HTMLElement | null {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (pages <= 1) return null;
  return h(
    "nav",
    { class: "pager", "aria-label": t("pager.label") },
    page > 1 ? h("a", { href: hrefFor(page - 1), rel: "prev" }, t("pager.prev")) : null,
    h("span", null, t("pager.of", { page, pages })),
    page < pages ? h("a", { href: hrefFor(page + 1), rel: "next" }, t("pager.next")) : null,
  );
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function toast(message: string): void {
  const region = document.getElementById("toast");
  if (!region) return;
  region.textContent = message;
  region.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    region.classList.remove("show");
    region.textContent = "";
  }, 3000);
}
