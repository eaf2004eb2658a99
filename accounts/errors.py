from rest_framework import status

from travelguru.errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid-credentials"
    status = status.HTTP_401_UNAUTHORIZED
    title = "Email/username or password is wrong"


class TooManyLoginAttempts(DomainError):
    code = "too-many-login-attempts"
    status = status.HTTP_429_TOO_MANY_REQUESTS
    title = "Too many failed logins; wait and try again"


class EmailNotVerified(DomainError):
    """Booking before the email was verified: the traveler opens the emailed link first
    (POST /api/auth/verify-email/resend sends it again)."""

    code = "email-not-verified"
    status = status.HTTP_403_FORBIDDEN
    title = "Confirm your email address before booking"


class LinkInvalid(DomainError):
    """An emailed link (password reset, email verification) that is malformed, expired,
    or already used: all look the same, so a link says nothing about the account."""

    code = "link-invalid"
    status = status.HTTP_400_BAD_REQUEST
    title = "This link is invalid, expired or already used; ask for a new one"


class TooManyEmails(DomainError):
    code = "too-many-emails"
    status = status.HTTP_429_TOO_MANY_REQUESTS
    title = "Too many emails asked for this address; wait and try again"
