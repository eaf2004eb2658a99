"""Payment providers behind one interface; `get_provider()` picks one by settings.

Card data never reaches us: the front-end turns a card into a provider token (Stripe.js in
production; the sandbox's documented test tokens locally) and we only ever see the token.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from bookings.payments.base import PaymentProvider

PROVIDERS = {
    "sandbox": "bookings.payments.sandbox.SandboxProvider",
    "stripe": "bookings.payments.stripe.StripeProvider",
}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called `name` (default: settings.PAYMENT_PROVIDER), or a dotted path to
    a provider class (fault-injection providers in tests/reliability use that)."""
    name = name or settings.PAYMENT_PROVIDER
    dotted = PROVIDERS.get(name, name if "." in name else None)
    if dotted is None:
        raise LookupError(f"unknown PAYMENT_PROVIDER {name!r}; choose from {sorted(PROVIDERS)}")
    module, _, cls = dotted.rpartition(".")
    provider: PaymentProvider = getattr(import_module(module), cls)()
    return provider
