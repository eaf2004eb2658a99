"""The API docs (Swagger UI) work under the site's CSP, with nothing fetched from a CDN.

CloudFront puts one Content-Security-Policy on every answer (infra/edge.yaml's security
headers policy, `Override: true`), /api/docs/ included: scripts from 'self' only, no
inline script. Here Chromium opens the docs with exactly that header added to every
answer, and any request to another host is refused and recorded.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.infra.test_templates import template

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def site_csp() -> str:
    policy = template("edge.yaml")["Resources"]["SecurityHeaders"]["Properties"]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    return " ".join(csp["ContentSecurityPolicy"].split())


def test_swagger_ui_lists_the_api_under_the_sites_csp_from_our_own_files(
    live_server, open_page, shot
):
    page, _console = open_page()
    own = urlsplit(live_server.url).netloc
    csp = site_csp()
    elsewhere: list[str] = []

    def as_cloudfront_serves_it(route):
        if urlsplit(route.request.url).netloc != own:
            elsewhere.append(route.request.url)
            route.abort()
            return
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": csp}
        route.fulfill(response=response, headers=headers)

    page.route("**/*", as_cloudfront_serves_it)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI rendered the schema: the operations are listed by path.
    page.locator(".opblock-summary-path[data-path^='/api/flights']").first.wait_for()
    assert page.locator(".opblock").count() > 10
    shot(page, "01-api-docs")
    assert elsewhere == []
    # (open_page fails the test on any console error or CSP violation at teardown.)
