from rest_framework import status

from travelguru.errors import DomainError


class ErasureBlocked(DomainError):
    code = "erasure-blocked"
    status = status.HTTP_409_CONFLICT
    title = "This account's data cannot be erased yet"


class PasswordConfirmationFailed(DomainError):
    code = "password-confirmation-failed"
    status = status.HTTP_403_FORBIDDEN
    title = "The password is not right"
