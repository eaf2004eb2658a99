// What cancelling now would refund, item by item, from the policy fixed at booking.
import type { BookedItem, Money } from "./types";

export type { BookedItem };

export type RefundRule = "full" | "partial" | "none" | "cancelled";

export interface RefundQuote {
  item: BookedItem;
  rule: RefundRule;
  refund: Money;
}

/** Mirrors the server's cancellation policy (bookings/services/policies.py) to preview a refund:
 * the server still decides what is refunded. */
export function refundQuote(item: BookedItem, now: Date): RefundQuote {
  const zero = { amount: "0.00", currency: item.price.currency };
  if (item.status === "cancelled") return { item, rule: "cancelled", refund: zero };
  if (now >= new Date(item.service_start)) return { item, rule: "none", refund: zero };
  if (item.free_cancellation_until && now < new Date(item.free_cancellation_until)) {
    return { item, rule: "full", refund: item.price };
  }
  const later = item.refund_if_cancelled_later;
  return Number(later.amount) > 0
    ? { item, rule: "partial", refund: later }
    : { item, rule: "none", refund: zero };
}

/** Items of a confirmed booking that can be reviewed: over, and not cancelled. */
export function reviewable(items: BookedItem[], bookingStatus: string, now: Date): BookedItem[] {
  if (bookingStatus !== "confirmed") return [];
  return items.filter((i) => i.status !== "cancelled" && now >= new Date(i.service_end));
}
