// The trip basket: at most one flight, one hotel stay and one car, held together in one
// hold. Pure functions over plain data (persisted by store.ts), so they are unit-tested.
import type { BookedTraveler, Hold, HoldItem, Money } from "./types";

export type { Hold, HoldItem };
export type Kind = HoldItem["kind"];
export const KINDS: Kind[] = ["flight", "hotel", "car"];

export interface BasketItem {
  kind: Kind;
  offer_id: string;
  title: string; // "JFK → LHR, BA 117" / "Hotel Lumière, Double room" / "Hertz, VW Golf"
  subtitle: string; // dates, party
  price: Money;
  /** Flights: the party; hotels: guests and rooms; cars: nothing (one driver). */
  party?: { adults: number; children: number; infants: number };
  guests?: number;
  rooms?: number;
  /** Where "back to results" goes. */
  from?: string;
}

export interface Basket {
  items: Partial<Record<Kind, BasketItem>>;
  hold: Hold | null;
}

export const emptyBasket = (): Basket => ({ items: {}, hold: null });

export interface Change {
  basket: Basket;
  /** A hold that no longer matches the basket: give its inventory back. */
  release: Hold | null;
}

/** Put an offer in the basket, replacing any of the same kind; an existing hold is dropped. */
export function basketAdd(basket: Basket, item: BasketItem): Change {
  return {
    basket: { items: { ...basket.items, [item.kind]: item }, hold: null },
    release: basket.hold,
  };
}

export function basketRemove(basket: Basket, kind: Kind): Change {
  if (!basket.items[kind]) return { basket, release: null };
  const items = { ...basket.items };
  delete items[kind];
  return { basket: { items, hold: null }, release: basket.hold };
}

export function basketItems(basket: Basket): BasketItem[] {
  return KINDS.map((k) => basket.items[k]).filter((i): i is BasketItem => Boolean(i));
}

export function basketCount(basket: Basket): number {
  return basketItems(basket).length;
}

/** The body of POST /api/holds, flight first, then hotel, then car. */
export function holdRequest(basket: Basket): { items: { offer_id: string }[] } {
  return { items: basketItems(basket).map((i) => ({ offer_id: i.offer_id })) };
}

/** Prices summed per currency (the server's hold total is what is charged). */
export function basketTotals(basket: Basket): Money[] {
  const sums = new Map<string, number>();
  for (const item of basketItems(basket)) {
    // Cents as integers: no float drift in the sum.
    const cents = Math.round(Number(item.price.amount) * 100);
    sums.set(item.price.currency, (sums.get(item.price.currency) ?? 0) + cents);
  }
  return [...sums.entries()].map(([currency, cents]) => ({
    currency,
    amount: (cents / 100).toFixed(2),
  }));
}

/** The hold is active and not past its expiry at `now`. */
export function holdActive(basket: Basket, now: Date): boolean {
  return Boolean(
    basket.hold && basket.hold.status === "active" && new Date(basket.hold.expires_at) > now,
  );
}

export type TravelerType = BookedTraveler["type"];

export interface TravelerSlot {
  type: TravelerType;
  /** Child, infant and the driver need a birth date. */
  needsBirthDate: boolean;
  isDriver: boolean;
  /** "Passenger 1 (adult)", "Lead guest, room 2", "Traveler 1": a key and its number. */
  role: "passenger" | "lead" | "guest";
  number: number;
}

/**
 * The travelers to name at checkout: every flight passenger by type (airlines carry named
 * passengers only); for a stay, one adult lead guest per room (hotels ask no more), which
 * the flight's adults are when there is a flight; and one adult marked as the car's driver.
 */
export function travelerSlots(basket: Basket): TravelerSlot[] {
  const slots: TravelerSlot[] = [];
  const flight = basket.items.flight;
  const party = flight?.party;
  if (party) {
    const types: TravelerType[] = [
      ...Array<TravelerType>(party.adults).fill("adult"),
      ...Array<TravelerType>(party.children).fill("child"),
      ...Array<TravelerType>(party.infants).fill("infant"),
    ];
    types.forEach((type, i) =>
      slots.push({
        type,
        needsBirthDate: type !== "adult",
        isDriver: false,
        role: "passenger",
        number: i + 1,
      }),
    );
  }
  // Baskets saved before stays carried their rooms are one-room stays.
  const rooms = basket.items.hotel ? (basket.items.hotel.rooms ?? 1) : 0;
  if (!party) {
    for (let room = 1; room <= rooms; room++) {
      slots.push({
        type: "adult",
        needsBirthDate: false,
        isDriver: false,
        role: "lead",
        number: room,
      });
    }
  }
  if (slots.length === 0) {
    slots.push({ type: "adult", needsBirthDate: false, isDriver: false, role: "guest", number: 1 });
  }
  if (basket.items.car) {
    const driver = slots.find((s) => s.type === "adult");
    if (driver) {
      driver.isDriver = true;
      driver.needsBirthDate = true;
    }
  }
  return slots;
}

/**
 * Why this basket cannot be booked as it is (the server's traveler rules): with a flight,
 * the travelers are exactly its passengers, so each room's lead guest is an adult passenger.
 */
export function basketProblems(
  basket: Basket,
): { code: "rooms-exceed-adults"; rooms: number; adults: number }[] {
  const party = basket.items.flight?.party;
  const hotel = basket.items.hotel;
  if (!party || !hotel) return [];
  const rooms = hotel.rooms ?? 1;
  return rooms > party.adults ? [{ code: "rooms-exceed-adults", rooms, adults: party.adults }] : [];
}
