"""HTTP hygiene of the Flask server: body limit, security headers, health endpoint."""

import app


def test_a_request_body_over_the_limit_is_refused_with_a_readable_413():
    # 20 MiB base64-encoded is 27.96 MB: the limit sits above it, and a bigger body is refused unread.
    assert 20 * 2**20 * 4 / 3 < app.MAX_REQUEST_BYTES < 30e6
    response = app.server.test_client().post("/_dash-update-component", data=b"x" * (app.MAX_REQUEST_BYTES + 1),
                                              content_type="application/json")
    assert response.status_code == 413
    assert "upload files of at most 21 MB" in response.get_data(as_text=True)


def test_every_response_has_security_headers_and_no_server_version():
    client = app.server.test_client()
    for path in ("/", "/risk", "/_dash-layout", "/healthz", "/no-such-page"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-eval" not in csp and "script-src 'self' 'sha256-" in csp
        assert "Werkzeug" not in response.headers.get("Server", "") and "gunicorn" not in response.headers.get("Server", "")


def test_health_endpoint_and_no_dev_tools_routes():
    client = app.server.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    # /_reload-hash lists the installed packages; it exists only with dev tools (debug) on.
    assert b"packages" not in client.get("/_reload-hash").data
