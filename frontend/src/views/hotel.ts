// /hotels/:id: the hotel, its rooms for the dates, rating breakdown and reviews.
import { api, qs } from "../api";
import { clear, field, formData, h } from "../dom";
import { formatDate } from "../format";
import { locale, t } from "../i18n";
import { navigate, type RouteContext } from "../router";
import { store } from "../store";
import {
  empty,
  errorBox,
  heading,
  input,
  loading,
  pageTitle,
  pager,
  price,
  rating,
  select,
  stars,
  toast,
} from "../ui";
import { addButton, seatsLeft } from "./common";
import { earliestTravelDay } from "../dates";
import type { HelpfulVote, HotelDetail as Detail, Review, ReviewPage, RoomOffer } from "../types";

const REVIEWS_PAGE = 5;

function breakdown(r: Detail["rating"]): HTMLElement {
  const total = Math.max(1, r.count);
  return h(
    "section",
    { class: "breakdown", "aria-labelledby": "rating-h" },
    h("h2", { id: "rating-h" }, t("hotel.ratings")),
    rating(r.average, r.count),
    h(
      "dl",
      { class: "bars" },
      ["5", "4", "3", "2", "1"].map((s) => [
        h("dt", null, `${s}★`),
        h(
          "dd",
          null,
          h("meter", {
            min: "0",
            max: String(total),
            value: String(r.distribution[s] ?? 0),
            "aria-label": t("hotel.starsCount", { s, n: r.distribution[s] ?? 0 }),
          }),
          ` ${r.distribution[s] ?? 0}`,
        ),
      ]),
    ),
    Object.keys(r.sub_scores).length
      ? h(
          "dl",
          { class: "subscores" },
          Object.entries(r.sub_scores).map(([name, v]) => [
            h("dt", null, t(`sub.${name}` as "sub.value")),
            h("dd", null, v.toLocaleString(locale(), { maximumFractionDigits: 1 })),
          ]),
        )
      : null,
  );
}

function roomRow(o: RoomOffer, hotel: Detail, from: string): HTMLElement {
  const subtitle = `${formatDate(o.check_in, locale())} → ${formatDate(o.check_out, locale())} · ${t("hotels.nights", { n: o.nights })} · ${t("guests", { n: o.guests })}`;
  return h(
    "li",
    { class: "card room" },
    h(
      "div",
      null,
      h("h3", null, o.room_type.name),
      h(
        "div",
        { class: "small muted" },
        `${o.room_type.beds} · ${t("hotel.sleeps", { n: o.room_type.capacity })}${o.room_type.breakfast_included ? ` · ${t("hotel.breakfast")}` : ""}`,
      ),
      o.free_cancellation_until
        ? h(
            "div",
            { class: "small good" },
            t("cancel.freeUntil", { date: formatDate(o.free_cancellation_until, locale()) }),
          )
        : h("div", { class: "small muted" }, t("cancel.nonRefundable")),
    ),
    h(
      "div",
      { class: "buy" },
      price(o.price),
      h(
        "div",
        { class: "small muted" },
        t("hotels.rooms.n", { n: o.rooms }),
        " · ",
        price(o.price_per_night),
        ` ${t("hotels.perNight")}`,
      ),
      seatsLeft(o.available, "left.rooms"),
      o.available > 0
        ? addButton({
            kind: "hotel",
            offer_id: o.offer_id,
            title: `${hotel.name} · ${o.room_type.name}`,
            subtitle,
            price: o.price,
            guests: o.guests,
            rooms: o.rooms,
            from,
          })
        : null,
    ),
  );
}

async function reviews(
  hotelId: number,
  section: HTMLElement,
  page: number,
  sort: string,
): Promise<void> {
  clear(section, h("h2", { id: "reviews-h" }, t("hotel.reviews")), loading());
  try {
    const data = await api<ReviewPage>(
      `/hotels/${hotelId}/reviews${qs({ page, sort, page_size: REVIEWS_PAGE })}`,
      { auth: false },
    );
    const sorter = select(
      "sort",
      [
        ["newest", t("reviews.newest")],
        ["helpful", t("reviews.helpful")],
      ],
      sort,
    );
    sorter.addEventListener("change", () => void reviews(hotelId, section, 1, sorter.value));
    const nav = pager(data.count, page, REVIEWS_PAGE, (p) => `#reviews-${p}`);
    nav?.querySelectorAll("a").forEach((a) =>
      a.addEventListener("click", (e) => {
        e.preventDefault();
        e.stopPropagation();
        void reviews(hotelId, section, Number(a.getAttribute("href")!.split("-")[1]), sort);
      }),
    );
    clear(
      section,
      h("h2", { id: "reviews-h" }, t("hotel.reviews")),
      field(t("sort"), sorter),
      data.results.length
        ? h(
            "ul",
            { class: "reviews" },
            data.results.map((r) => reviewItem(r)),
          )
        : empty(t("reviews.none")),
      nav,
    );
  } catch (error) {
    clear(section, h("h2", { id: "reviews-h" }, t("hotel.reviews")), errorBox(error));
  }
}

/** The property's answer under a review, signed by the property, dated in the viewer's zone. */
function replyItem(reply: NonNullable<Review["reply"]>): HTMLElement {
  const written = new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(
    new Date(reply.created_at),
  );
  return h(
    "div",
    { class: "review-reply" },
    h(
      "div",
      { class: "small" },
      h("strong", null, t("reviews.replyFrom", { name: reply.responder })),
      " · ",
      h("time", { datetime: reply.created_at }, written),
    ),
    h("p", null, reply.text),
  );
}

function reviewItem(r: Review): HTMLElement {
  const count = h("span", null, t("reviews.helpfulCount", { n: r.helpful_count }));
  const vote = h("button", { type: "button", class: "link" }, t("reviews.vote"));
  vote.addEventListener("click", async () => {
    if (!store.auth) {
      navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    try {
      const res = await api<HelpfulVote>(`/reviews/${r.id}/helpful`, { method: "POST" });
      count.textContent = t("reviews.helpfulCount", { n: res.helpful_count });
      vote.setAttribute("disabled", "");
      toast(res.counted ? t("reviews.thanks") : t("reviews.already"));
    } catch (error) {
      vote.after(errorBox(error));
    }
  });
  const [y, m] = r.travelled_on.split("-").map(Number);
  const travelled = new Intl.DateTimeFormat(locale(), {
    year: "numeric",
    month: "long",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(y, m - 1, 1)));
  return h(
    "li",
    { class: "review" },
    h(
      "div",
      null,
      h("strong", null, `${"★".repeat(r.rating)}${"☆".repeat(5 - r.rating)}`),
      " ",
      h("strong", null, r.title),
    ),
    h("p", null, r.text),
    h(
      "div",
      { class: "small muted" },
      t("reviews.by", { author: r.author, date: travelled }),
      " · ",
      t("reviews.verified"),
    ),
    h("div", { class: "small" }, count, " ", vote),
    r.reply ? replyItem(r.reply) : null,
  );
}

export async function hotelView(ctx: RouteContext): Promise<void> {
  const id = Number(ctx.params.id);
  const q = ctx.query;
  clear(ctx.outlet, loading());
  let hotel: Detail;
  try {
    hotel = await api<Detail>(
      `/hotels/${id}${qs({ check_in: q.get("check_in"), check_out: q.get("check_out"), guests: q.get("guests"), rooms: q.get("rooms") })}`,
      { auth: false },
    );
  } catch (error) {
    if (ctx.current()) clear(ctx.outlet, heading(t("hotel.title")), errorBox(error));
    return;
  }
  if (!ctx.current()) return;
  pageTitle("hotel.title", hotel.name);
  const from = location.pathname + location.search;
  const dates = h(
    "form",
    { class: "search" },
    field(
      t("hotels.checkIn"),
      input("check_in", "date", q.get("check_in"), {
        required: true,
        min: earliestTravelDay(hotel.city.timezone),
      }),
    ),
    field(
      t("hotels.checkOut"),
      input("check_out", "date", q.get("check_out"), {
        required: true,
        min: earliestTravelDay(hotel.city.timezone),
      }),
    ),
    field(t("hotels.guests"), input("guests", "number", q.get("guests") ?? "2", { min: "1" })),
    field(t("hotels.rooms"), input("rooms", "number", q.get("rooms") ?? "1", { min: "1" })),
    h("button", { type: "submit", class: "primary" }, t("hotel.check")),
  );
  dates.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(`/hotels/${id}${qs(formData(dates))}`, true);
  });
  const reviewSection = h("section", { "aria-labelledby": "reviews-h", class: "reviews-section" });
  clear(
    ctx.outlet,
    h(
      "p",
      null,
      h(
        "a",
        {
          href: q.get("check_in")
            ? `/hotels${qs({ city: `${hotel.city.name}, ${hotel.city.country_code}`, check_in: q.get("check_in"), check_out: q.get("check_out"), guests: q.get("guests"), rooms: q.get("rooms") })}`
            : "/hotels",
        },
        `← ${t("hotel.back")}`,
      ),
    ),
    heading(hotel.name),
    h("p", null, stars(hotel.stars), " ", `${hotel.address} · ${hotel.city.name}`),
    h("p", null, hotel.description),
    h("p", { class: "small" }, hotel.amenities.map((a) => a.name).join(" · ")),
    h(
      "p",
      { class: "small muted" },
      t("hotel.times", { in: hotel.check_in_time, out: hotel.check_out_time }),
      " · ",
      hotel.cancellation_policy,
    ),
    h("h2", null, t("hotel.rooms")),
    dates,
    hotel.offers === null
      ? h(
          "ul",
          { class: "results" },
          hotel.room_types.map((rt) =>
            h(
              "li",
              { class: "card room" },
              h(
                "div",
                null,
                h("h3", null, rt.name),
                h(
                  "div",
                  { class: "small muted" },
                  `${rt.beds} · ${t("hotel.sleeps", { n: rt.capacity })}`,
                ),
              ),
              h(
                "div",
                { class: "buy" },
                rt.from_price_per_night
                  ? [
                      h("span", { class: "small muted" }, t("hotel.from")),
                      " ",
                      price(rt.from_price_per_night),
                    ]
                  : null,
              ),
            ),
          ),
        )
      : hotel.offers.length
        ? h(
            "ul",
            { class: "results" },
            hotel.offers.map((o) => roomRow(o, hotel, from)),
          )
        : h("p", { class: "soldout", role: "status" }, t("hotel.soldOut")),
    breakdown(hotel.rating),
    reviewSection,
  );
  void reviews(id, reviewSection, 1, "newest");
}
