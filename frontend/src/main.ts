import "./style.css";
import { signOut as signOutSession } from "./api";
import { basketCount, holdActive } from "./basket";
import { remaining } from "./countdown";
import { clear, h } from "./dom";
import { LANGUAGES, locale, setLanguage, t } from "./i18n";
import { DISPLAY_CURRENCIES } from "./format";
import { navigate, render, route, startRouter } from "./router";
import { onStoreChange, store } from "./store";
import { basketView } from "./views/basket";
import { carsView } from "./views/cars";
import { checkoutView } from "./views/checkout";
import { flightsView } from "./views/flights";
import { multiCityView } from "./views/multicity";
import { hotelView } from "./views/hotel";
import { hotelsView } from "./views/hotels";
import { homeView, notFoundView } from "./views/home";
import {
  checkEmailView,
  forgotPasswordView,
  resetPasswordView,
  verifyEmailView,
} from "./views/account";
import { signInView, signUpView } from "./views/auth";
import { tripsView, tripView } from "./views/trips";

route("/", homeView);
route("/flights", flightsView);
route("/flights/multi-city", multiCityView);
route("/hotels", hotelsView);
route("/hotels/:id", hotelView);
route("/cars", carsView);
route("/signin", signInView);
route("/signup", signUpView);
route("/check-email", checkEmailView);
route("/verify-email", verifyEmailView);
route("/forgot-password", forgotPasswordView);
route("/reset-password", resetPasswordView);
route("/basket", basketView);
route("/checkout", checkoutView);
route("/trips", tripsView);
route("/trips/:reference", tripView);
route(".*", notFoundView);

const header = document.getElementById("header")!;
const main = document.getElementById("main")!;

function renderHeader(path: string): void {
  const basket = store.basket;
  const auth = store.auth;
  const link = (href: string, label: string, extra: Node | null = null) =>
    h(
      "a",
      {
        href,
        "aria-current":
          path === href || (href !== "/" && path.startsWith(`${href}/`)) ? "page" : null,
      },
      label,
      extra,
    );
  const count = basketCount(basket);
  const held = holdActive(basket, new Date())
    ? h(
        "a",
        { href: "/basket", class: "small held", title: t("hold.header") },
        t("nav.hold"),
        h("span", { id: "hold-left" }, ` ${remaining(basket.hold!.expires_at, new Date()).text}`),
        h("span", { class: "sr-only" }, ` ${t("hold.header")}`),
      )
    : null;
  const lang = h(
    "select",
    { id: "lang", "aria-label": t("nav.language") },
    LANGUAGES.map(([code, name]) =>
      h("option", { value: code, selected: code === locale() }, name),
    ),
  );
  lang.addEventListener("change", () => {
    setLanguage(lang.value);
    void render();
  });
  const currency = h(
    "select",
    { id: "currency", "aria-label": t("nav.currency") },
    h("option", { value: "" }, t("nav.currencyOffer")),
    DISPLAY_CURRENCIES.map((c) => h("option", { value: c, selected: c === store.currency }, c)),
  );
  currency.addEventListener("change", () => {
    store.currency = currency.value || null;
    void render();
  });
  const signOut = h("button", { type: "button", class: "link" }, t("nav.signOut"));
  signOut.addEventListener("click", () => {
    void signOutSession();
    navigate("/");
  });
  clear(
    header,
    h("a", { href: "#main", class: "skip" }, t("nav.skip")),
    h(
      "nav",
      { class: "top", "aria-label": t("nav.main") },
      h("a", { href: "/", class: "brand" }, "TravelGuru"),
      link("/flights", t("nav.flights")),
      link("/hotels", t("nav.hotels")),
      link("/cars", t("nav.cars")),
      link(
        "/basket",
        t("nav.basket"),
        h(
          "span",
          { class: "nav-count" },
          ` (${count})`,
          h("span", { class: "sr-only" }, ` ${t("nav.items", { n: count })}`),
        ),
      ),
      held,
      auth ? link("/trips", t("nav.trips")) : null,
      auth ? signOut : link("/signin", t("auth.signIn")),
    ),
    h("div", { class: "prefs" }, lang, currency),
  );
}

setInterval(() => {
  const el = document.getElementById("hold-left");
  const hold = store.basket.hold;
  if (!el || !hold) return;
  const left = remaining(hold.expires_at, new Date());
  if (left.expired)
    renderHeader(location.pathname); // the timer leaves the header
  else el.textContent = ` ${left.text}`;
}, 1000);

onStoreChange(() => renderHeader(location.pathname));
document.documentElement.lang = locale();
startRouter(main, renderHeader);
