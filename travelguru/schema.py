"""OpenAPI schema generation.

STYLE.md nests each API's serializers inside the API class (``InputSerializer``,
``OutputSerializer``). drf-spectacular names components after the bare class name, so two
APIs' ``OutputSerializer`` would collide. Name nested serializers after their owner instead:
``OfferDetailApi.OutputSerializer`` becomes the component ``OfferDetailOutput``.

Every error is ``application/problem+json`` (travelguru.errors), and the schema says so: an
error response an API declares without a body gets the Problem body, and the problems any
operation can answer whatever its own logic (a malformed token, a body that is not JSON,
the database away) are added to every operation they apply to. schemathesis holds the
running API to this (scripts/fuzz_api.sh).
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

PROBLEM_MEDIA_TYPE = "application/problem+json"
# What any operation may answer, besides what its own annotation lists.
IMPLICIT_PROBLEMS = {
    "400": "Invalid input (application/problem+json)",
    "406": "The Accept header allows no JSON (application/problem+json)",
    # The size and media-type guards run before any view, whatever the method: a GET that
    # carries a body of another type is refused too.
    "413": "The body is larger than the limit (request-too-large)",
    "415": "A body that is not UTF-8 application/json (unsupported-media-type)",
    "503": "The database is unreachable: retry after Retry-After seconds (database-unavailable)",
}
AUTH_PROBLEM = {
    "401": "A missing, malformed or expired token, or one whose session has ended (logout, "
    "password change, refresh-token reuse) (application/problem+json)"
}
# Unknown ids, and a `page` past the last one (DRF's pagination answers 404 "Invalid page").
READ_PROBLEM = {"404": "Not found, or a page past the last one (application/problem+json)"}
THROTTLE_PROBLEM = {"429": "Too many requests: retry after Retry-After seconds"}


class SessionJWTScheme(SimpleJWTScheme):
    """The same bearer JWT scheme as simplejwt's own authentication, whose subclass
    (accounts.authentication) also checks the token's session."""

    target_class = "accounts.authentication.SessionJWTAuthentication"


def component_name(serializer_class: type) -> str:
    qualname = serializer_class.__qualname__
    if "." not in qualname:
        return serializer_class.__name__
    parts = qualname.split(".")
    owner = "".join(part.removesuffix("Api").removesuffix("View") for part in parts[:-1])
    return owner + parts[-1]


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        return component_name(type(serializer))

    def _implicit_problems(self) -> dict[str, str]:
        problems = dict(IMPLICIT_PROBLEMS)
        if self.view.get_authenticators():
            problems |= AUTH_PROBLEM
        if self.method == "GET":
            problems |= READ_PROBLEM
        if self.view.get_throttles():
            problems |= THROTTLE_PROBLEM
        return problems

    def _delete_with_body(self) -> bool:
        # Opted into by the view (`delete_has_body = True`): guessing a serializer for every
        # other DELETE would only find none.
        return self.method == "DELETE" and getattr(self.view, "delete_has_body", False)

    def _get_request_body(self, direction="request"):
        """drf-spectacular documents bodies of POST, PUT and PATCH only; a DELETE that
        declares one (DELETE /api/me takes the password that confirms it) is documented
        as a POST's would be."""
        if not self._delete_with_body():
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _get_response_bodies(self, direction="response"):
        from drf_spectacular.utils import OpenApiResponse

        from travelguru.serializers import ProblemSerializer

        responses = super()._get_response_bodies(direction)
        for code, response in list(responses.items()):
            if code[0] in "45" and not response.get("content"):
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=response.get("description")),
                    code, (PROBLEM_MEDIA_TYPE,), direction,
                )  # fmt: skip
        for code, description in self._implicit_problems().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=description),
                    code, (PROBLEM_MEDIA_TYPE,), direction,
                )  # fmt: skip
        return responses
