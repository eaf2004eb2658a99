"""The bookings app's HTTP layer, a module per resource (holds, bookings, the Stripe webhook,
the review of a booked item)."""
