import { describe, expect, it } from "vitest";
import {
  convert,
  dayShift,
  formatDate,
  formatDateTime,
  formatDuration,
  formatLocalTime,
  formatMoney,
  formatPrice,
} from "../src/format";

describe("money", () => {
  it("formats in the offer's currency for each locale", () => {
    expect(formatMoney({ amount: "1234.50", currency: "EUR" }, "en-US")).toBe("€1,234.50");
    expect(formatMoney({ amount: "1234.50", currency: "EUR" }, "fr-FR")).toBe(
      "1\u202f234,50\u00a0€",
    );
    expect(formatMoney({ amount: "1234.50", currency: "EUR" }, "es-ES")).toBe("1234,50\u00a0€");
    expect(formatMoney({ amount: "129", currency: "JPY" }, "en-US")).toBe("¥129");
  });

  it("converts at the reference rates and marks the result as approximate", () => {
    expect(convert({ amount: "100.00", currency: "EUR" }, "USD")).toEqual({
      amount: "108.00",
      currency: "USD",
    });
    expect(convert({ amount: "108.00", currency: "USD" }, "EUR")).toEqual({
      amount: "100.00",
      currency: "EUR",
    });
    expect(convert({ amount: "10.00", currency: "EUR" }, "JPY")).toEqual({
      amount: "1620",
      currency: "JPY",
    });
    expect(formatPrice({ amount: "100.00", currency: "EUR" }, "en-US", "USD")).toBe(
      "€100.00 (≈ $108.00)",
    );
  });

  it("shows only the offer's price without a display currency, the same one, or an unknown rate", () => {
    expect(formatPrice({ amount: "100.00", currency: "EUR" }, "en-US", null)).toBe("€100.00");
    expect(formatPrice({ amount: "100.00", currency: "EUR" }, "en-US", "EUR")).toBe("€100.00");
    expect(convert({ amount: "100.00", currency: "XOF" }, "USD")).toBeNull();
    expect(formatPrice({ amount: "100.00", currency: "XOF" }, "en-US", "USD")).not.toContain("≈");
  });
});

describe("dates and times", () => {
  it("shows a flight time as the airport's clock, with the zone's name", () => {
    const ny = formatLocalTime("2026-12-09T10:40:00-05:00", "America/New_York", "en-US");
    expect(ny).toEqual({
      time: "10:40 AM",
      date: "Dec 9, 2026",
      zone: "EST",
      timeZone: "America/New_York",
    });
    const london = formatLocalTime("2026-12-09T22:50:00+00:00", "Europe/London", "en-GB");
    expect(london.time).toBe("22:50");
    expect(london.zone).toBe("GMT");
    const paris = formatLocalTime("2026-07-01T08:05:00+02:00", "Europe/Paris", "fr-FR");
    expect(paris.time).toBe("08:05");
    expect(paris.date).toBe("1 juil. 2026");
  });

  it("counts the days between local departure and arrival", () => {
    expect(dayShift("2026-12-09T22:10:00-05:00", "2026-12-10T10:20:00+00:00")).toBe(1);
    expect(dayShift("2026-12-09T08:00:00+09:00", "2026-12-09T07:00:00-08:00")).toBe(0);
  });

  it("formats a plain date as that calendar day in every locale", () => {
    expect(formatDate("2026-12-09", "en-US")).toBe("Dec 9, 2026");
    expect(formatDate("2026-12-09", "es-ES")).toBe("9 dic 2026");
    expect(formatDate("2026-01-01", "fr-FR", "long")).toBe("1 janvier 2026");
  });

  it("shows an instant (hold expiry, cancellation deadline) in the viewer's zone, named", () => {
    expect(formatDateTime("2026-12-14T22:00:00Z", "en-GB", "Europe/Paris")).toBe(
      "14 Dec 2026, 23:00 CET",
    );
    expect(formatDateTime("2026-07-14T22:00:00Z", "fr-FR", "Europe/Paris")).toBe(
      "15 juil. 2026, 00:00 UTC+2",
    );
  });

  it("formats durations in hours and minutes", () => {
    expect(formatDuration(430, "en")).toBe("7h 10m");
    expect(formatDuration(45, "en")).toBe("45m");
    expect(formatDuration(120, "en")).toBe("2h");
  });
});
