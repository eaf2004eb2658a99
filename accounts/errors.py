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
