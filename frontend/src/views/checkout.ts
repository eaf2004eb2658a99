// /checkout: name every traveler, then pay with a token. No card number ever enters our
// own fields: the sandbox offers test cards (tokens); Stripe's card field is Stripe's iframe.
import { api, ApiError } from "../api";
import { basketItems, holdActive, travelerSlots, type TravelerSlot } from "../basket";
import { clear, field, h } from "../dom";
import { t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import { empty, errorBox, heading, input, loading, pageTitle, price } from "../ui";
import { resendLinkButton } from "./account";
import { countdownBadge } from "./basket";
import type { Booking, PublicConfig } from "../types";

interface StripeLike {
  elements(): { create(kind: "card"): { mount(el: HTMLElement): void } };
  createPaymentMethod(opts: {
    type: "card";
    card: unknown;
  }): Promise<{ paymentMethod?: { id: string }; error?: { message: string } }>;
}
declare global {
  interface Window {
    Stripe?: (key: string) => StripeLike;
  }
}

function loadStripe(): Promise<void> {
  if (window.Stripe) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3/";
    script.onload = () => resolve();
    script.onerror = () => reject(new Error("Stripe.js did not load"));
    document.head.appendChild(script);
  });
}

function travelerFieldset(slot: TravelerSlot, index: number): HTMLElement {
  const label =
    slot.role === "passenger"
      ? t("checkout.passenger", { n: slot.number, type: t(`type.${slot.type}`) })
      : slot.role === "lead"
        ? t("checkout.leadGuest", { n: slot.number })
        : t("checkout.guest", { n: slot.number });
  return h(
    "fieldset",
    { class: "traveler", "data-index": String(index) },
    h("legend", null, label, slot.isDriver ? ` · ${t("checkout.driver")}` : ""),
    field(
      t("auth.firstName"),
      input(`first_name_${index}`, "text", index === 0 ? (store.auth?.first_name ?? null) : null, {
        required: true,
        autocomplete: index === 0 ? "given-name" : "off",
      }),
    ),
    field(
      t("auth.lastName"),
      input(`last_name_${index}`, "text", null, {
        required: true,
        autocomplete: index === 0 ? "family-name" : "off",
      }),
    ),
    slot.needsBirthDate
      ? field(
          t("checkout.birthDate"),
          input(`birth_date_${index}`, "date", null, { required: true }),
        )
      : null,
  );
}

export async function checkoutView(ctx: RouteContext): Promise<void> {
  pageTitle("checkout.title");
  if (!store.auth) {
    navigate(`/signin?next=${encodeURIComponent("/checkout")}`, true);
    return;
  }
  const basket = store.basket;
  const hold = basket.hold;
  if (!hold || !holdActive(basket, new Date())) {
    clear(
      ctx.outlet,
      heading(t("checkout.title")),
      empty(t("checkout.noHold")),
      h("a", { class: "button", href: "/basket" }, t("basket.title")),
    );
    return;
  }
  clear(ctx.outlet, heading(t("checkout.title")), loading());
  let config: PublicConfig;
  try {
    config = await api<PublicConfig>("/config", { auth: false });
  } catch (error) {
    if (ctx.current()) clear(ctx.outlet, heading(t("checkout.title")), errorBox(error));
    return;
  }
  if (!ctx.current()) return;
  const slots = travelerSlots(basket);
  const status = h("div", { "aria-live": "assertive" });

  // The payment step: a token chooser (sandbox) or Stripe's own card element.
  let tokenFor: () => Promise<string>;
  let payment: HTMLElement;
  if (config.payment_provider === "stripe") {
    const mount = h("div", { class: "stripe-card", id: "card-element" });
    payment = h("fieldset", null, h("legend", null, t("checkout.card")), mount);
    let card: unknown = null;
    let stripe: StripeLike | null = null;
    loadStripe()
      .then(() => {
        stripe = window.Stripe!(config.stripe_publishable_key);
        const el = stripe.elements().create("card");
        el.mount(mount);
        card = el;
      })
      .catch((error) => clear(status, errorBox(error)));
    tokenFor = async () => {
      if (!stripe || !card) throw new Error(t("checkout.stripeNotReady"));
      const result = await stripe.createPaymentMethod({ type: "card", card });
      if (result.error || !result.paymentMethod)
        throw new Error(result.error?.message ?? t("checkout.declined"));
      return result.paymentMethod.id;
    };
  } else {
    payment = h(
      "fieldset",
      { class: "test-cards" },
      h("legend", null, t("checkout.testCards")),
      h("p", { class: "small muted" }, t("checkout.sandbox")),
      config.sandbox_tokens.map((c, i) =>
        h(
          "label",
          { class: "check" },
          h("input", { type: "radio", name: "payment_token", value: c.token, checked: i === 0 }),
          ` ${t(`card.${c.outcome}` as "card.pays")} `,
          h("code", null, c.token),
        ),
      ),
    );
    tokenFor = async () =>
      form.querySelector<HTMLInputElement>("input[name=payment_token]:checked")?.value ?? "";
  }

  const submit = h(
    "button",
    { type: "submit", class: "primary" },
    t("checkout.pay"),
    " ",
    hold.total ? price(hold.total) : null,
  );
  const form = h(
    "form",
    { class: "stack", novalidate: false },
    h("h2", null, t("checkout.travelers")),
    slots.map((slot, i) => travelerFieldset(slot, i)),
    h("h2", null, t("checkout.payment")),
    payment,
    submit,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.setAttribute("disabled", "");
    clear(status, h("p", { class: "loading", role: "status" }, t("checkout.paying")));
    const value = (name: string) =>
      (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() || null;
    const travelers = slots.map((slot, i) => ({
      type: slot.type,
      first_name: value(`first_name_${i}`),
      last_name: value(`last_name_${i}`),
      birth_date: value(`birth_date_${i}`),
      is_driver: slot.isDriver,
    }));
    try {
      const paymentToken = await tokenFor();
      const booking = await api<Booking>("/bookings", {
        method: "POST",
        // One key per attempt: a network retry of this same request replays its answer.
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: { hold_id: hold.id, travelers, payment_token: paymentToken },
      });
      store.basket = { items: {}, hold: null };
      navigate(`/trips/${booking.reference}?booked=1`, true);
    } catch (error) {
      submit.removeAttribute("disabled");
      if (error instanceof ApiError && error.code === "payment-declined") {
        clear(
          status,
          h(
            "div",
            { class: "error declined", role: "alert" },
            h("strong", null, t("checkout.declined")),
            h("p", null, t("checkout.declinedHelp")),
          ),
        );
      } else if (error instanceof ApiError && error.code === "email-not-verified") {
        // Nothing was charged: the traveler opens the emailed link, then pays again.
        clear(
          status,
          h(
            "div",
            { class: "error unverified", role: "alert" },
            h("strong", null, t("checkout.unverified")),
            h("p", null, t("checkout.unverifiedHelp", { email: store.auth?.email ?? "" })),
            resendLinkButton(),
          ),
        );
      } else if (error instanceof ApiError && error.code === "hold-being-paid") {
        // Another tab's payment of this hold is under way: this one charged nothing.
        clear(
          status,
          h(
            "div",
            { class: "error", role: "alert" },
            h("strong", null, t("checkout.beingPaid")),
            h("p", null, t("checkout.beingPaidHelp")),
          ),
        );
      } else if (error instanceof ApiError) {
        clear(status, errorBox(error, t("checkout.failed")));
      } else {
        clear(status, h("div", { class: "error", role: "alert" }, (error as Error).message));
      }
    }
  });
  clear(
    ctx.outlet,
    heading(t("checkout.title")),
    h(
      "p",
      null,
      countdownBadge(hold, () =>
        clear(status, h("div", { class: "error", role: "alert" }, t("hold.expiredLong"))),
      ),
    ),
    h(
      "ul",
      { class: "summary" },
      basketItems(basket).map((item) =>
        h("li", null, `${t(`kind.${item.kind}`)}: ${item.title} — `, price(item.price)),
      ),
    ),
    status,
    form,
  );
}
