"""Login rate limiting (auth.throttle): 10 failures per user name or address in 5 minutes are refused a while."""

from __future__ import annotations

import pytest

import app
from auth import throttle
from auth.throttle import LoginThrottle, throttled_message
from tests.app.test_login import ALADDIN, BOB, _log_in, client, login_on, users_file  # noqa: F401 (fixtures)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_eleventh_failure_in_the_window_is_refused_until_the_oldest_leaves_it():
    clock = Clock()
    limit = LoginThrottle(limit=3, window=300, clock=clock)
    for _step in range(3):
        assert limit.retry_after(["user:bob"]) is None
        limit.failed(["user:bob"])
        clock.now += 10  # failures at 1000, 1010, 1020
    assert limit.retry_after(["user:bob"]) == pytest.approx(1000 + 300 - 1030)
    assert limit.retry_after(["user:alice"]) is None  # another key is untouched
    clock.now = 1300.5  # the first failure has left the window: two remain
    assert limit.retry_after(["user:bob"]) is None


def test_the_keys_tracked_are_bounded():
    limit = LoginThrottle(limit=1, window=300, clock=Clock(), max_keys=5)
    limit.failed([f"user:{i}" for i in range(20)])
    assert limit.retry_after(["user:0"]) is None and limit.retry_after(["user:19"]) == 300


@pytest.mark.parametrize("seconds, text", [(299.2, "5 minutes"), (61, "2 minutes"), (3, "1 minute.")])
def test_the_message_rounds_up_to_whole_minutes(seconds, text):
    assert text in throttled_message(seconds) and "Too many failed logins" in throttled_message(seconds)


def test_ten_wrong_passwords_lock_the_form_even_for_the_right_one(client, login_on):  # noqa: F811
    clock = Clock()
    app.server.extensions["portfolio_desk_login_throttle"] = LoginThrottle(clock=clock)
    for _ in range(throttle.MAX_FAILURES):
        assert _log_in(client, BOB[0], "wrong password").status_code == 401
    refused = _log_in(client, *BOB)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "300"
    assert "try again in 5 minutes" in refused.get_data(as_text=True)
    assert "session=" not in "".join(refused.headers.getlist("Set-Cookie"))  # not logged in
    # the address is locked too: another name from it, and HTTP Basic on the API, are refused
    assert _log_in(client, "Aladdin", "open sesame").status_code == 429
    assert client.get("/api/v1/portfolios", headers=ALADDIN).status_code == 401
    clock.now += throttle.WINDOW_SECONDS + 1
    assert _log_in(client, *BOB).status_code == 302  # the window passed: the right password works again


def test_failed_http_basic_logins_count_too(client, login_on):  # noqa: F811
    app.server.extensions["portfolio_desk_login_throttle"] = LoginThrottle(clock=Clock())
    wrong = {"Authorization": "Basic QWxhZGRpbjp3cm9uZw=="}  # Aladdin:wrong
    for _ in range(throttle.MAX_FAILURES):
        assert client.get("/api/v1/portfolios", headers=wrong).status_code == 401
    assert client.get("/api/v1/portfolios", headers=ALADDIN).status_code == 401
