import { describe, expect, it } from "vitest";
import { daysBetween, shiftDay } from "../src/views/calendar";

describe("the price strip's day arithmetic", () => {
  it("moves a day across month and year ends", () => {
    expect(shiftDay("2026-12-30", 3)).toBe("2027-01-02");
    expect(shiftDay("2027-03-01", -1)).toBe("2027-02-28");
  });

  it("keeps a stay's length across a daylight saving change", () => {
    // Europe's clocks change on the last Sunday of March: still whole days.
    expect(daysBetween("2027-03-27", "2027-03-30")).toBe(3);
    expect(shiftDay("2027-03-27", daysBetween("2027-03-27", "2027-03-30"))).toBe("2027-03-30");
  });
});
