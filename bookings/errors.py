"""Why a hold or a booking could not be made: stable codes for the front-end."""

from rest_framework import status

from travelguru.errors import DomainError, NotFound


class SoldOut(DomainError):
    code = "sold-out"
    status = status.HTTP_409_CONFLICT
    title = "Not enough left for this offer"


class PriceChanged(DomainError):
    code = "price-changed"
    status = status.HTTP_409_CONFLICT
    title = "The price changed since the search"


class InventoryBusy(DomainError):
    """A lock could not be taken in time (another booking holds it): retry shortly."""

    code = "inventory-busy"
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    title = "Many travelers are booking this right now; try again in a moment"


class TooManyHolds(DomainError):
    code = "too-many-holds"
    status = status.HTTP_409_CONFLICT
    title = "You already hold the maximum number of trips"


class HoldNotFound(NotFound):
    code = "hold-not-found"
    title = "No such hold"


class HoldNotActive(DomainError):
    code = "hold-not-active"
    status = status.HTTP_409_CONFLICT
    title = "This hold is no longer active"


class HoldBeingPaid(DomainError):
    """Another booking attempt (a second tab, a double click with a new key) is paying for
    this hold right now; it ends booked, or the hold is free again if its card is declined."""

    code = "hold-being-paid"
    status = status.HTTP_409_CONFLICT
    title = "This trip is being paid for in another request"


class BookingNotFound(NotFound):
    code = "booking-not-found"
    title = "No such booking"


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "This Idempotency-Key was used with a different request"


class IdempotencyInProgress(DomainError):
    code = "idempotency-in-progress"
    status = status.HTTP_409_CONFLICT
    title = "A request with this Idempotency-Key is still being processed"


class InvalidWebhook(DomainError):
    code = "invalid-webhook"
    status = status.HTTP_400_BAD_REQUEST
    title = "The webhook signature does not verify"


class RefundAboveLimit(DomainError):
    """A support agent's refund beyond SUPPORT_REFUND_LIMITS: a supervisor gives it."""

    code = "refund-above-limit"
    status = status.HTTP_403_FORBIDDEN
    title = "This refund is above your refund limit; ask a supervisor"


class RefundNotAllowed(DomainError):
    code = "refund-not-allowed"
    status = status.HTTP_403_FORBIDDEN
    title = "You may not cancel and refund bookings"


class AccountClosed(DomainError):
    code = "account-closed"
    status = status.HTTP_403_FORBIDDEN
    title = "This account is closed"


class ReasonRequired(DomainError):
    """Every support action says why: the audit trail is read by people, later."""

    code = "reason-required"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "Say why (a reason is required)"


class SupportActionNotAllowed(DomainError):
    code = "support-action-not-allowed"
    status = status.HTTP_403_FORBIDDEN
    title = "You may not do this to bookings"


class InvalidRefundAmount(DomainError):
    code = "invalid-refund-amount"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "This is not an amount that can be refunded"


class RefundAboveRemaining(DomainError):
    """More than was paid minus what was refunded (another refund may just have taken it)."""

    code = "refund-above-remaining"
    status = status.HTTP_409_CONFLICT
    title = "This refund is more than what remains paid"


class RefundAlreadyRequested(DomainError):
    """The same request again (a double click, a second tab): it was made once."""

    code = "refund-already-requested"
    status = status.HTTP_409_CONFLICT
    title = "This refund was already requested"


class ItemNotCancellable(DomainError):
    code = "item-not-cancellable"
    status = status.HTTP_409_CONFLICT
    title = "This item cannot be cancelled"


class NameChangeTooLarge(DomainError):
    """A correction of spelling, not another person: see traveler_name_correct."""

    code = "name-change-too-large"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "This is a different name, not a spelling correction"
