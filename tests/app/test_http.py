"""HTTP hygiene of the Flask server: body limit, security headers, health endpoint."""

import app


def test_a_request_body_over_the_limit_is_refused_with_a_readable_413():
    # 20 MiB base64-encoded is 27.96 MB: the limit sits above it, and a bigger body is refused unread.
    assert 20 * 2**20 * 4 / 3 < app.MAX_REQUEST_BYTES < 30e6
    response = app.server.test_client().post("/_dash-update-component", data=b"x" * (app.MAX_REQUEST_BYTES + 1),
                                              content_type="application/json")
    assert response.status_code == 413
    assert "upload files of at most 21 MB" in response.get_data(as_text=True)
