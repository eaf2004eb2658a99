// /basket: the trip (flight + hotel + car), held together in one hold with a countdown.
import { api, ApiError } from "../api";
import {
  basketItems,
  basketProblems,
  basketRemove,
  basketTotals,
  holdActive,
  holdRequest,
  type Hold,
} from "../basket";
import { startCountdown } from "../countdown";
import { clear, h } from "../dom";
import { formatDateTime } from "../format";
import { locale, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import { empty, errorBox, heading, pageTitle, price } from "../ui";

let stopCountdown: (() => void) | null = null;

/** "Held for you: 14:32 left" — live, announced politely; null without an active hold. */
export function countdownBadge(hold: Hold, onExpire?: () => void): HTMLElement {
  const el = h("span", { class: "countdown", role: "timer", "aria-live": "off" });
  stopCountdown?.();
  let expired = false;
  stopCountdown = startCountdown(hold.expires_at, (r) => {
    el.textContent = r.expired ? t("hold.expired") : t("hold.left", { time: r.text });
    el.classList.toggle("urgent", r.urgent);
    el.classList.toggle("expired", r.expired);
    if (r.expired && !expired) {
      expired = true;
      onExpire?.();
    }
  });
  return el;
}

export function basketView(ctx: RouteContext): void {
  pageTitle("basket.title");
  const render = () => {
    if (!ctx.current()) return;
    const basket = store.basket;
    const items = basketItems(basket);
    const status = h("div", { "aria-live": "assertive" });
    if (!items.length) {
      clear(
        ctx.outlet,
        heading(t("basket.title")),
        empty(t("basket.empty")),
        h(
          "p",
          null,
          h("a", { href: "/flights" }, t("nav.flights")),
          " · ",
          h("a", { href: "/hotels" }, t("nav.hotels")),
          " · ",
          h("a", { href: "/cars" }, t("nav.cars")),
        ),
      );
      return;
    }
    const active = holdActive(basket, new Date());
    const list = h(
      "ul",
      { class: "results" },
      items.map((item) => {
        const remove = h("button", { type: "button", class: "link" }, t("basket.remove"));
        remove.addEventListener("click", () => {
          const change = basketRemove(store.basket, item.kind);
          store.basket = change.basket;
          if (change.release)
            api(`/holds/${change.release.id}`, { method: "DELETE" }).catch(() => undefined);
          render();
        });
        return h(
          "li",
          { class: "card", "data-kind": item.kind },
          h(
            "div",
            null,
            h("div", { class: "small muted" }, t(`kind.${item.kind}`)),
            h("h2", null, item.title),
            h("div", { class: "small" }, item.subtitle),
            item.from ? h("a", { class: "small", href: item.from }, t("basket.change")) : null,
          ),
          h("div", { class: "buy" }, price(item.price), remove),
        );
      }),
    );
    const hold = basket.hold;
    let actions: HTMLElement;
    if (hold && active) {
      actions = h(
        "div",
        { class: "hold" },
        h(
          "p",
          null,
          countdownBadge(hold, render),
          " ",
          h(
            "span",
            { class: "small muted" },
            t("hold.until", { when: formatDateTime(hold.expires_at, locale()) }),
          ),
        ),
        h(
          "p",
          null,
          t("basket.total"),
          " ",
          hold.total
            ? price(hold.total)
            : hold.totals.flatMap((m, i) => (i ? [" + ", price(m)] : [price(m)])),
        ),
        h("a", { class: "button primary", href: "/checkout" }, t("basket.checkout")),
      );
    } else {
      const button = h("button", { type: "button", class: "primary" }, t("basket.hold"));
      button.addEventListener("click", async () => {
        if (!store.auth) {
          navigate(`/signin?next=${encodeURIComponent("/basket")}`);
          return;
        }
        button.setAttribute("disabled", "");
        button.textContent = t("basket.holding");
        try {
          const created = await api<Hold>("/holds", {
            method: "POST",
            body: holdRequest(store.basket),
          });
          store.basket = { ...store.basket, hold: created };
          render();
        } catch (error) {
          button.removeAttribute("disabled");
          button.textContent = t("basket.hold");
          const soldOut = error instanceof ApiError && error.code === "sold-out";
          const changed = error instanceof ApiError && error.code === "price-changed";
          clear(
            status,
            errorBox(
              error,
              soldOut
                ? t("basket.soldOut")
                : changed
                  ? t("basket.priceChanged")
                  : t("basket.holdFailed"),
            ),
          );
          if (soldOut) status.querySelector(".error")?.classList.add("soldout-box");
        }
      });
      const problems = basketProblems(basket);
      if (problems.length) button.setAttribute("disabled", "");
      actions = h(
        "div",
        { class: "hold" },
        problems.map((p) =>
          h(
            "p",
            { class: "error", role: "alert" },
            t("basket.tooManyRooms", { rooms: p.rooms, n: p.adults }),
          ),
        ),
        hold ? h("p", { class: "expired" }, t("hold.expiredLong")) : null,
        h(
          "p",
          null,
          t("basket.estimate"),
          " ",
          basketTotals(basket).flatMap((m, i) => (i ? [" + ", price(m)] : [price(m)])),
        ),
        store.auth ? null : h("p", { class: "small muted" }, t("basket.signInFirst")),
        button,
      );
    }
    clear(ctx.outlet, heading(t("basket.title")), status, list, actions);
  };
  render();
}
