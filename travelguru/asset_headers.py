"""WhiteNoise's per-file headers for the traveler app's build (imported by the settings,
so nothing heavy here): an .html file reached by its own name (/index.html) gets the same
no-cache and Content-Security-Policy as the app's routes."""


def add_asset_headers(headers, path: str, url: str) -> None:
    if url.endswith(".html"):
        from travelguru.frontend import content_security_policy

        headers["Cache-Control"] = "no-cache"
        headers["Content-Security-Policy"] = content_security_policy()
