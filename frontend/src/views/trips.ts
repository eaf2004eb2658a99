// /trips and /trips/:reference: bookings, details, cancellation, reviews.
import { api } from "../api";
import { refundQuote, reviewable } from "../cancellation";
import { clear, field, formData, h } from "../dom";
import { formatDate, formatDateTime } from "../format";
import { locale, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import type { BookedItem, Booking, BookingPage } from "../types";
import { empty, errorBox, heading, input, loading, pageTitle, price, select, toast } from "../ui";

function requireSignIn(): boolean {
  if (store.auth) return true;
  navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true);
  return false;
}

function totalOf(b: Booking): (HTMLElement | string)[] {
  if (b.total) return [price(b.total)];
  return b.totals.flatMap((m, i) => (i ? [" + ", price(m)] : [price(m)]));
}

export async function tripsView(ctx: RouteContext): Promise<void> {
  pageTitle("trips.title");
  if (!requireSignIn()) return;
  clear(ctx.outlet, heading(t("trips.title")), loading());
  try {
    const data = await api<BookingPage>("/bookings?page_size=50");
    if (!ctx.current()) return;
    clear(
      ctx.outlet,
      heading(t("trips.title")),
      data.results.length
        ? h(
            "ul",
            { class: "results" },
            data.results.map((b) =>
              h(
                "li",
                { class: `card trip ${b.status}` },
                h(
                  "div",
                  null,
                  h("h2", null, h("a", { href: `/trips/${b.reference}` }, b.reference)),
                  h("div", null, b.items.map((i) => i.description).join(" · ")),
                  h(
                    "div",
                    { class: "small muted" },
                    t("trips.bookedOn", { when: formatDateTime(b.created_at, locale()) }),
                  ),
                ),
                h(
                  "div",
                  { class: "buy" },
                  h(
                    "span",
                    { class: `badge ${b.status}` },
                    t(`status.${b.status}` as "status.confirmed"),
                  ),
                  ...totalOf(b),
                ),
              ),
            ),
          )
        : empty(t("trips.none")),
    );
  } catch (error) {
    if (ctx.current()) clear(ctx.outlet, heading(t("trips.title")), errorBox(error));
  }
}

function cancelPanel(b: Booking, onDone: (b: Booking) => void): HTMLElement {
  const panel = h("section", { class: "cancel", "aria-labelledby": "cancel-h" });
  const open = h("button", { type: "button", class: "danger" }, t("trips.cancel"));
  const showPolicy = () => {
    const now = new Date();
    const quotes = b.items.map((i) => refundQuote(i, now));
    const confirm = h("button", { type: "button", class: "danger" }, t("trips.confirmCancel"));
    const keep = h("button", { type: "button" }, t("trips.keep"));
    const status = h("div", { "aria-live": "assertive" });
    keep.addEventListener("click", () =>
      clear(panel, h("h2", { id: "cancel-h" }, t("trips.cancelTitle")), open),
    );
    confirm.addEventListener("click", async () => {
      confirm.setAttribute("disabled", "");
      try {
        const updated = await api<Booking>(`/bookings/${b.reference}/cancel`, { method: "POST" });
        toast(t("trips.cancelled"));
        onDone(updated);
      } catch (error) {
        confirm.removeAttribute("disabled");
        clear(status, errorBox(error));
      }
    });
    clear(
      panel,
      h("h2", { id: "cancel-h" }, t("trips.cancelTitle")),
      h("p", null, t("trips.policyIntro")),
      h(
        "ul",
        { class: "policy" },
        quotes.map((q) =>
          h(
            "li",
            null,
            `${q.item.description}: `,
            h("strong", null, t(`refund.${q.rule}`)),
            " — ",
            t("trips.refundOf"),
            " ",
            price(q.refund),
            q.item.free_cancellation_until && q.rule === "full"
              ? h(
                  "span",
                  { class: "small muted" },
                  ` (${t("trips.freeUntil", { when: formatDateTime(q.item.free_cancellation_until, locale()) })})`,
                )
              : null,
          ),
        ),
      ),
      status,
      h("div", { class: "row" }, confirm, keep),
    );
    confirm.focus();
  };
  open.addEventListener("click", showPolicy);
  clear(panel, h("h2", { id: "cancel-h" }, t("trips.cancelTitle")), open);
  return panel;
}

const SUB_SCORES: Record<string, string[]> = {
  hotel: ["cleanliness", "location", "service", "value"],
  car: ["vehicle", "pick_up", "value"],
  flight: ["comfort", "punctuality", "service"],
};

function reviewForm(b: Booking, item: BookedItem): HTMLElement {
  const status = h("div", { "aria-live": "assertive" });
  const stars: [string, string][] = ["5", "4", "3", "2", "1"].map((s) => [s, `${s} ★`]);
  const form = h(
    "form",
    { class: "stack review-form" },
    h("h3", null, t("review.title", { what: item.description })),
    field(t("review.rating"), select("rating", stars, "5")),
    h(
      "fieldset",
      { class: "subscores" },
      h("legend", null, t("review.details")),
      SUB_SCORES[item.kind].map((s) =>
        field(t(`sub.${s}` as "sub.value"), select(`sub_${s}`, [["", "—"], ...stars], "")),
      ),
    ),
    field(
      t("review.headline"),
      input("title", "text", null, { required: true, minlength: "3", maxlength: "120" }),
    ),
    field(
      t("review.text"),
      h("textarea", {
        name: "text",
        required: true,
        minlength: "20",
        maxlength: "4000",
        rows: "4",
      }),
      t("review.textHint"),
    ),
    h("button", { type: "submit", class: "primary" }, t("review.send")),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    const sub_scores: Record<string, number> = {};
    for (const s of SUB_SCORES[item.kind]) if (d[`sub_${s}`]) sub_scores[s] = Number(d[`sub_${s}`]);
    try {
      await api("/reviews", {
        method: "POST",
        body: {
          booking_reference: b.reference,
          item: item.position,
          rating: Number(d.rating),
          sub_scores,
          title: d.title,
          text: d.text,
        },
      });
      clear(form, h("p", { class: "good", role: "status" }, t("review.thanks")));
    } catch (error) {
      clear(status, errorBox(error));
    }
  });
  return form;
}

export async function tripView(ctx: RouteContext): Promise<void> {
  const ref = ctx.params.reference;
  pageTitle("trips.title", ref);
  if (!requireSignIn()) return;
  clear(ctx.outlet, loading());
  const show = (b: Booking) => {
    if (!ctx.current()) return;
    const now = new Date();
    const canCancel =
      b.status === "confirmed" &&
      b.items.some((i) => i.status !== "cancelled" && now < new Date(i.service_start));
    const toReview = reviewable(b.items, b.status, now);
    clear(
      ctx.outlet,
      h("p", null, h("a", { href: "/trips" }, `← ${t("trips.title")}`)),
      ctx.query.get("booked")
        ? h("p", { class: "success", role: "status" }, t("trips.booked", { ref: b.reference }))
        : null,
      heading(t("trips.booking", { ref: b.reference })),
      h(
        "p",
        null,
        h("span", { class: `badge ${b.status}` }, t(`status.${b.status}` as "status.confirmed")),
        " ",
        t("trips.payment", { status: b.payment.status }),
        " · ",
        t("trips.bookedOn", { when: formatDateTime(b.created_at, locale()) }),
      ),
      h(
        "ul",
        { class: "results" },
        b.items.map((i) =>
          h(
            "li",
            { class: "card", "data-kind": i.kind },
            h(
              "div",
              null,
              h("div", { class: "small muted" }, t(`kind.${i.kind}`)),
              h("h2", null, i.description),
              h(
                "div",
                { class: "small" },
                `${formatDate(i.service_start.slice(0, 10), locale())} → ${formatDate(i.service_end.slice(0, 10), locale())}`,
              ),
              h(
                "div",
                { class: "small muted" },
                i.free_cancellation_until
                  ? t("trips.freeUntil", {
                      when: formatDateTime(i.free_cancellation_until, locale()),
                    })
                  : t("cancel.nonRefundable"),
              ),
            ),
            h(
              "div",
              { class: "buy" },
              price(i.price),
              i.status === "cancelled"
                ? [
                    h("span", { class: "badge cancelled" }, t("status.cancelled")),
                    h("span", { class: "small" }, t("trips.refunded"), " ", price(i.refunded)),
                  ]
                : null,
            ),
          ),
        ),
      ),
      h("p", null, t("basket.total"), " ", ...totalOf(b)),
      h("h2", null, t("trips.travelers")),
      h(
        "ul",
        null,
        b.travelers.map((tr) =>
          h(
            "li",
            null,
            `${tr.first_name} ${tr.last_name} (${t(`type.${tr.type}` as "type.adult")})${tr.is_driver ? ` · ${t("checkout.driver")}` : ""}`,
          ),
        ),
      ),
      canCancel ? cancelPanel(b, show) : null,
      toReview.length
        ? h(
            "section",
            null,
            h("h2", null, t("review.heading")),
            toReview.map((i) => reviewForm(b, i)),
          )
        : null,
    );
  };
  try {
    show(await api<Booking>(`/bookings/${encodeURIComponent(ref)}`));
  } catch (error) {
    if (ctx.current()) clear(ctx.outlet, heading(t("trips.title")), errorBox(error));
  }
}
