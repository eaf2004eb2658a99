import { describe, expect, it } from "vitest";
import {
  basketAdd,
  basketProblems,
  basketCount,
  basketRemove,
  basketTotals,
  emptyBasket,
  holdActive,
  holdRequest,
  travelerSlots,
  type Basket,
  type BasketItem,
  type Hold,
} from "../src/basket";

const flight: BasketItem = {
  kind: "flight",
  offer_id: "f1",
  title: "JFK → LHR",
  subtitle: "",
  price: { amount: "900.10", currency: "USD" },
  party: { adults: 2, children: 1, infants: 1 },
};
const hotel: BasketItem = {
  kind: "hotel",
  offer_id: "h1",
  title: "Hotel",
  subtitle: "",
  price: { amount: "330.00", currency: "EUR" },
  guests: 2,
};
const car: BasketItem = {
  kind: "car",
  offer_id: "c1",
  title: "Car",
  subtitle: "",
  price: { amount: "120.20", currency: "USD" },
};
const hold: Hold = {
  id: "h-1",
  status: "active",
  created_at: "2026-11-25T10:00:00Z",
  expires_at: "2026-11-25T10:15:00Z",
  items: [],
  total: null,
  totals: [],
};

function filled(): Basket {
  let b = emptyBasket();
  for (const item of [car, hotel, flight]) b = basketAdd(b, item).basket;
  return b;
}

describe("basket", () => {
  it("holds one of each kind, in flight-hotel-car order", () => {
    const b = filled();
    expect(basketCount(b)).toBe(3);
    expect(holdRequest(b)).toEqual({
      items: [{ offer_id: "f1" }, { offer_id: "h1" }, { offer_id: "c1" }],
    });
  });

  it("replaces an offer of the same kind", () => {
    const b = basketAdd(filled(), { ...hotel, offer_id: "h2" }).basket;
    expect(basketCount(b)).toBe(3);
    expect(holdRequest(b).items.map((i) => i.offer_id)).toEqual(["f1", "h2", "c1"]);
  });

  it("drops the hold when the basket changes and says which hold to release", () => {
    const held = { ...filled(), hold };
    const added = basketAdd(held, { ...car, offer_id: "c2" });
    expect(added.basket.hold).toBeNull();
    expect(added.release).toBe(hold);
    const removed = basketRemove(held, "hotel");
    expect(removed.basket.hold).toBeNull();
    expect(removed.release).toBe(hold);
    expect(basketCount(removed.basket)).toBe(2);
  });

  it("removing what is not there changes nothing and releases nothing", () => {
    const b = { ...basketAdd(emptyBasket(), flight).basket, hold };
    const change = basketRemove(b, "car");
    expect(change.basket).toBe(b);
    expect(change.release).toBeNull();
  });

  it("sums prices per currency exactly", () => {
    expect(basketTotals(filled())).toEqual([
      { currency: "USD", amount: "1020.30" },
      { currency: "EUR", amount: "330.00" },
    ]);
  });

  it("knows whether the hold is still active", () => {
    const b = { ...filled(), hold };
    expect(holdActive(b, new Date("2026-11-25T10:14:59Z"))).toBe(true);
    expect(holdActive(b, new Date("2026-11-25T10:15:00Z"))).toBe(false);
    expect(
      holdActive({ ...b, hold: { ...hold, status: "released" } }, new Date("2026-11-25T10:00:00Z")),
    ).toBe(false);
    expect(holdActive(emptyBasket(), new Date())).toBe(false);
  });
});

describe("travelers to name at checkout", () => {
  it("names each passenger by type, and the first adult drives the car", () => {
    const slots = travelerSlots(filled());
    expect(slots.map((s) => [s.type, s.role, s.number, s.isDriver, s.needsBirthDate])).toEqual([
      ["adult", "passenger", 1, true, true],
      ["adult", "passenger", 2, false, false],
      ["child", "passenger", 3, false, true],
      ["infant", "passenger", 4, false, true],
    ]);
  });

  it("names a lead guest per room for a stay alone, not every guest", () => {
    const b = basketAdd(emptyBasket(), { ...hotel, guests: 5, rooms: 2 }).basket;
    expect(travelerSlots(b).map((s) => `${s.type} ${s.role} ${s.number}`)).toEqual([
      "adult lead 1",
      "adult lead 2",
    ]);
  });

  it("takes the flight's passengers as the stay's lead guests", () => {
    let b = basketAdd(emptyBasket(), {
      ...flight,
      party: { adults: 1, children: 0, infants: 0 },
    }).basket;
    b = basketAdd(b, { ...hotel, guests: 3, rooms: 1 }).basket;
    expect(travelerSlots(b).map((s) => `${s.role} ${s.number}`)).toEqual(["passenger 1"]);
  });

  it("asks for one adult driver for a car alone", () => {
    const slots = travelerSlots(basketAdd(emptyBasket(), car).basket);
    expect(slots).toEqual([
      { type: "adult", needsBirthDate: true, isDriver: true, role: "guest", number: 1 },
    ]);
  });
});

describe("basket problems", () => {
  it("refuses a stay with more rooms than the flight has adults to lead them", () => {
    let b = basketAdd(emptyBasket(), {
      ...flight,
      party: { adults: 1, children: 1, infants: 0 },
    }).basket;
    b = basketAdd(b, { ...hotel, guests: 2, rooms: 2 }).basket;
    expect(basketProblems(b)).toEqual([{ code: "rooms-exceed-adults", rooms: 2, adults: 1 }]);
  });

  it("accepts more guests than passengers, or a stay without a flight", () => {
    expect(basketProblems(filled())).toEqual([]);
    let b = basketAdd(emptyBasket(), {
      ...flight,
      party: { adults: 1, children: 0, infants: 0 },
    }).basket;
    b = basketAdd(b, { ...hotel, guests: 4, rooms: 1 }).basket;
    expect(basketProblems(b)).toEqual([]);
    expect(basketProblems(basketAdd(emptyBasket(), { ...hotel, rooms: 4 }).basket)).toEqual([]);
  });
});
