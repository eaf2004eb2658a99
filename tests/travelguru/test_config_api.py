"""GET /api/config tells the checkout which payment form to show."""


def test_sandbox_config_offers_test_card_tokens_and_no_stripe_key(api_client, db, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_should_not_leak"
    body = api_client.get("/api/config").json()
    assert body == {
        "payment_provider": "sandbox",
        "stripe_publishable_key": "",
        "sandbox_tokens": [
            {"token": "tok_visa", "outcome": "pays"},
            {"token": "tok_chargeDeclined", "outcome": "declined"},
            {"token": "tok_timeout", "outcome": "timeout"},
        ],
    }


def test_stripe_config_gives_the_publishable_key_and_no_test_cards(api_client, db, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_123"
    settings.STRIPE_SECRET_KEY = "sk_test_secret"
    response = api_client.get("/api/config")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "payment_provider": "stripe",
        "stripe_publishable_key": "pk_test_123",
        "sandbox_tokens": [],
    }
    assert b"sk_test" not in response.content


def test_config_answers_even_with_a_stale_token(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert api_client.get("/api/config").status_code == 200
