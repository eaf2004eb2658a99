"""Django serves the traveler app: index.html on its routes with a CSP, hashed assets forever."""

import pytest

INDEX = (
    '<!doctype html><html><head><script type="module" src="/assets/index-AbC123_-.js">'
    "</script></head><body><main id=main></main></body></html>"
)


@pytest.fixture
def dist(settings, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-AbC123_-.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    settings.FRONTEND_DIST = tmp_path
    settings.WHITENOISE_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    "path", ["/", "/flights", "/flights?origin=JFK", "/hotels/12", "/trips/TG-7K3QXM", "/basket"]
)
def test_every_app_route_answers_the_apps_index_uncached(client, db, dist, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content.decode() == INDEX
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"


def test_index_carries_a_csp_without_inline_scripts_or_stripe_by_default(client, db, dist):
    csp = client.get("/hotels/3")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "stripe" not in csp


def test_csp_lets_stripe_js_in_only_when_stripe_is_the_provider(client, db, dist, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.FRONTEND_CONNECT_SRC = ["https://api.travelguru.example"]
    csp = client.get("/checkout")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self' https://js.stripe.com"
    assert directives["connect-src"] == (
        "'self' https://api.travelguru.example https://api.stripe.com"
    )
    assert "https://js.stripe.com" in directives["frame-src"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/no-such-thing", 404), ("/static/x.js", 404), ("/admin/nothing-here/", 302)],
)
def test_app_fallback_never_shadows_the_api_admin_or_static(client, db, dist, path, status):
    response = client.get(path)
    assert response.status_code == status  # the admin sends strangers to its login
    assert b"<main id=main>" not in response.content


def test_unknown_top_level_paths_are_404_not_the_app(client, db, dist):
    assert client.get("/wp-login.php").status_code == 404


def test_api_and_health_still_answer_json(client, db, dist):
    assert client.get("/api/")["Content-Type"] == "application/json"
    assert client.get("/healthz").json()["status"] == "ok"


def test_hashed_assets_are_cached_for_a_year_and_immutable(client, db, dist):
    response = client.get("/assets/index-AbC123_-.js")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Type"].startswith("text/javascript")


def test_unhashed_root_files_are_not_cached_forever(client, db, dist):
    response = client.get("/favicon.svg")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]


def test_posting_to_an_app_route_is_refused(client, db, dist):
    assert client.post("/flights").status_code == 405


def test_without_a_build_the_home_page_points_at_the_api(client, db, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path / "missing"
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/api/docs/"' in response.content


def test_index_html_by_its_own_name_has_the_same_csp_and_no_cache(client, db, dist):
    response = client.get("/index.html")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response["Content-Security-Policy"] == client.get("/")["Content-Security-Policy"]
