"""Liveness plus database reachability, for load balancers and `make run`'s wait loop."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

from travelguru.errors import PROBLEM_CONTENT_TYPE, problem


def healthz(request: HttpRequest) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(
            problem(
                status_code=405,
                title="Method not allowed",
                detail=f"{request.method} is not allowed here; use GET.",
                code="method-not-allowed",
            ),
            status=405,
            content_type=PROBLEM_CONTENT_TYPE,
        )
        response["Allow"] = "GET, HEAD"
        return response
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        body = problem(
            status_code=503,
            title="Service unavailable",
            detail="The database is not reachable.",
            code="database-unavailable",
        )
        return JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    return JsonResponse({"status": "ok", "database": "ok"})
