"""The API docs page renders in Chromium from vendored assets under the site's strict CSP (no CDN, no inline
script or style), and lists the operations."""


def test_api_docs_render_under_strict_csp(page, live_url, db):
    violations, requests = [], []
    page.on("console", lambda message: violations.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(f"{live_url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    # The schema is generated on the first request in a fresh server process: allow it a moment.
    page.get_by_text("/api/v1/appointments/{id}/reschedule/").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="HMS API").is_visible()
    assert page.locator(".opblock-tag").count() >= 10  # one section per resource
    assert violations == []
    assert all(url.startswith(live_url) for url in requests), [u for u in requests if not u.startswith(live_url)]
    page.screenshot(path="/tmp/i16-api-docs.png")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
