import { describe, expect, it } from "vitest";
import { earliestTravelDay } from "../src/dates";

// 11:30 UTC on 15 January: 00:30 on the 16th in Auckland, 06:30 on the 15th in New York,
// and still the 14th at UTC-12.
const NOW = new Date("2027-01-15T11:30:00Z");

describe("earliestTravelDay", () => {
  it("is the place's today when its zone is known, not the browser's", () => {
    expect(earliestTravelDay("Pacific/Auckland", NOW)).toBe("2027-01-16");
    expect(earliestTravelDay("America/New_York", NOW)).toBe("2027-01-15");
    expect(earliestTravelDay("Pacific/Kiritimati", NOW)).toBe("2027-01-16");
  });

  it("is the API's first bound (today somewhere on Earth, UTC-12) without a place", () => {
    expect(earliestTravelDay(undefined, NOW)).toBe("2027-01-14");
    expect(earliestTravelDay(undefined, new Date("2027-01-15T12:00:00Z"))).toBe("2027-01-15");
  });

  it("falls back to that bound for a zone the browser does not know", () => {
    expect(earliestTravelDay("Not/AZone", NOW)).toBe("2027-01-14");
  });
});
