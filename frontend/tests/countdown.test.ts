import { afterEach, describe, expect, it, vi } from "vitest";
import { remaining, startCountdown } from "../src/countdown";

const NOW = new Date("2026-11-25T10:00:00Z");

describe("remaining", () => {
  it("reads minutes and seconds until the hold expires", () => {
    expect(remaining("2026-11-25T10:15:00Z", NOW)).toEqual({
      ms: 900_000,
      expired: false,
      text: "15:00",
      urgent: false,
    });
    expect(remaining("2026-11-25T10:01:05Z", NOW).text).toBe("1:05");
  });

  it("rounds the last fraction of a second up: 0:00 only once it is over", () => {
    expect(remaining(new Date(NOW.getTime() + 400), NOW).text).toBe("0:01");
    expect(remaining(new Date(NOW.getTime() + 400), NOW).expired).toBe(false);
  });

  it("is expired at and after expires_at, never negative", () => {
    expect(remaining("2026-11-25T10:00:00Z", NOW)).toEqual({
      ms: 0,
      expired: true,
      text: "0:00",
      urgent: false,
    });
    expect(remaining("2026-11-25T09:00:00Z", NOW).text).toBe("0:00");
  });

  it("warns under two minutes", () => {
    expect(remaining("2026-11-25T10:01:59Z", NOW).urgent).toBe(true);
    expect(remaining("2026-11-25T10:02:00Z", NOW).urgent).toBe(false);
  });

  it("shows hours past an hour", () => {
    expect(remaining("2026-11-25T11:02:03Z", NOW).text).toBe("1:02:03");
  });

  it("reads the expiry's offset: the same instant in any zone", () => {
    expect(remaining("2026-11-25T11:15:00+01:00", NOW).text).toBe("15:00");
  });
});

describe("startCountdown", () => {
  afterEach(() => vi.useRealTimers());

  it("ticks every second and stops after announcing the expiry once", () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    const seen: string[] = [];
    startCountdown("2026-11-25T10:00:03Z", (r) => seen.push(r.text));
    vi.advanceTimersByTime(10_000);
    expect(seen).toEqual(["0:03", "0:02", "0:01", "0:00"]);
  });

  it("stops when asked", () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    const seen: string[] = [];
    const stop = startCountdown("2026-11-25T10:15:00Z", (r) => seen.push(r.text));
    vi.advanceTimersByTime(1000);
    stop();
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual(["15:00", "14:59"]);
  });
});
