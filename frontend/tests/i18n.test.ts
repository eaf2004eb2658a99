import { describe, expect, it } from "vitest";
import { en } from "../src/locales/en";
import { es } from "../src/locales/es";
import { fr } from "../src/locales/fr";
import { format, pickLanguage, translate } from "../src/i18n";
import { atLeast } from "../src/views/hotels";
import { refundQuote, reviewable, type BookedItem } from "../src/cancellation";

describe("language", () => {
  it("follows the browser's first supported language unless one was chosen", () => {
    expect(pickLanguage(["de-DE", "fr-CA", "en"], null)).toBe("fr");
    expect(pickLanguage(["es-MX"], null)).toBe("es");
    expect(pickLanguage(["ja-JP"], null)).toBe("en");
    expect(pickLanguage(["fr-FR"], "es")).toBe("es");
    expect(pickLanguage(["fr-FR"], "xx")).toBe("fr");
  });

  it("has every message in every language, with the same placeholders", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const catalog of [fr, es]) {
      expect(Object.keys(catalog).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        expect(new Set(placeholders(catalog[key]))).toEqual(new Set(placeholders(en[key])));
      }
    }
  });

  it("picks singular or plural and formats numbers for the locale", () => {
    expect(format("{n} seat left|{n} seats left", { n: 1 }, "en")).toBe("1 seat left");
    expect(format("{n} seat left|{n} seats left", { n: 1200 }, "en")).toBe("1,200 seats left");
    expect(translate("fr", "results.count", { n: 0 })).toBe("0 résultat");
    expect(translate("fr", "results.count", { n: 1500 })).toBe("1\u202f500 résultats");
    expect(translate("es", "hotels.nights", { n: 3 })).toBe("3 noches");
  });
});

describe("facets", () => {
  it("counts hotels with at least N stars", () => {
    const facets = { "5": 1, "4": 2, "3": 3 };
    expect([5, 4, 3, 2].map((s) => atLeast(facets, s))).toEqual([1, 3, 6, 6]);
  });
});

describe("cancellation quote", () => {
  const item: BookedItem = {
    position: 0,
    kind: "hotel",
    description: "Hotel",
    price: { amount: "330.00", currency: "EUR" },
    units: 1,
    offer: {},
    status: "confirmed",
    service_start: "2026-12-10T14:00:00Z",
    service_end: "2026-12-13T11:00:00Z",
    free_cancellation_until: "2026-12-08T14:00:00Z",
    refund_if_cancelled_later: { amount: "220.00", currency: "EUR" },
    refunded: { amount: "0.00", currency: "EUR" },
  };

  it("refunds in full before the deadline, partly after, nothing once started", () => {
    expect(refundQuote(item, new Date("2026-12-01T00:00:00Z"))).toMatchObject({
      rule: "full",
      refund: { amount: "330.00" },
    });
    expect(refundQuote(item, new Date("2026-12-09T00:00:00Z"))).toMatchObject({
      rule: "partial",
      refund: { amount: "220.00" },
    });
    expect(refundQuote(item, new Date("2026-12-10T14:00:00Z"))).toMatchObject({
      rule: "none",
      refund: { amount: "0.00" },
    });
  });

  it("a non-refundable item refunds nothing even early", () => {
    const strict = {
      ...item,
      free_cancellation_until: null,
      refund_if_cancelled_later: { amount: "0.00", currency: "EUR" },
    };
    expect(refundQuote(strict, new Date("2026-12-01T00:00:00Z")).rule).toBe("none");
  });

  it("offers reviews only for finished items of confirmed bookings", () => {
    const after = new Date("2026-12-14T00:00:00Z");
    expect(reviewable([item], "confirmed", after)).toEqual([item]);
    expect(reviewable([item], "confirmed", new Date("2026-12-12T00:00:00Z"))).toEqual([]);
    expect(reviewable([item], "cancelled", after)).toEqual([]);
    expect(reviewable([{ ...item, status: "cancelled" }], "confirmed", after)).toEqual([]);
  });
});
