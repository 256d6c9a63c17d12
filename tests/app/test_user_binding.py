"""With login on, uploads and background jobs belong to the user: a workspace or a job key copied from
user A's browser into user B's session reads nothing (issue 16, points 2 and 7)."""

from __future__ import annotations

import dash
import diskcache
import flask_login
import pytest

import app
import auth
import workspace
from components.jobs import NOT_YOURS, DiskcacheJobs
from finance_core import data
from finance_core.errors import DataError
from session_frames import session_user
from tests.app.test_login import BOB, _log_in, client, login_on, users_file  # noqa: F401 (fixtures)


def _as(name: str):
    """A request context on the app's server with ``name`` signed in (what Flask-Login's cookie gives)."""
    context = app.server.test_request_context("/")
    context.push()
    flask_login.login_user(auth.User(name, "fingerprint"))
    return context


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_DESK_CACHE", str(tmp_path / "cache"))
    workspace.frame_store.cache_clear()
    yield
    workspace.frame_store.cache_clear()


def test_a_workspace_copied_to_another_user_reads_none_of_the_uploads(login_on, cache):  # noqa: F811
    raw = data.sample_csv("prices").encode()
    context = _as("Aladdin")
    try:
        ws, _notes = workspace.with_upload(workspace.DEFAULT, "prices", raw, "mine.csv")
        assert workspace.source_prices(ws).label.startswith("Uploaded")  # its owner reads it
    finally:
        context.pop()
    context = _as(BOB[0])
    try:
        with pytest.raises(DataError, match="not available in this browser session") as err:
            workspace.source_prices(ws)  # the same workspace, copied into Bob's browser
        assert err.value.code == "upload_expired"
    finally:
        context.pop()


def test_the_same_secret_gives_each_user_other_keys(login_on, cache):  # noqa: F811
    raw = data.sample_csv("prices").encode()
    keys = {}
    for name in ("Aladdin", BOB[0]):
        context = _as(name)
        try:
            ws, _notes = workspace.with_upload(dict(workspace.DEFAULT, session="ab" * 32), "prices", raw, "p.csv")
            keys[name] = ws["uploads"]["prices"]["key"]
        finally:
            context.pop()
    assert keys["Aladdin"] != keys[BOB[0]]


def test_a_job_key_from_one_user_reads_nothing_for_another(login_on, tmp_path):  # noqa: F811
    jobs = DiskcacheJobs(diskcache.Cache(str(tmp_path / "jobs")))
    context = _as("Aladdin")
    try:
        key = jobs.build_cache_key(None, [], [], None)
        jobs.handle.set(key, {"result": "Aladdin's"})
    finally:
        context.pop()
    assert len(key) == 96  # a random key and its owner's tag
    context = _as(BOB[0])
    try:
        stolen = jobs.get_result(key, None)
        assert stolen == {"background_callback_error": {"msg": NOT_YOURS, "tb": ""}}
        assert jobs.get_progress(key) is None and jobs.get_updated_props(key) == {}
    finally:
        context.pop()
    context = _as("Aladdin")
    try:
        assert jobs.get_result(key, None) == {"result": "Aladdin's"}  # still there for its owner
    finally:
        context.pop()


def test_a_job_runs_as_the_user_who_started_it(login_on, tmp_path, monkeypatch):  # noqa: F811
    jobs = DiskcacheJobs(diskcache.Cache(str(tmp_path / "jobs")))
    job = jobs.make_job_fn(lambda: session_user(), progress=False)
    seen = {}  # what dash's manager would hand to the job process, captured instead of spawning one
    monkeypatch.setattr(dash.DiskcacheManager, "call_job_fn",
                        lambda self, key, fn, args, context: seen.setdefault("context", context))
    context = _as(BOB[0])
    try:
        jobs.call_job_fn("k" * 64, job, [], {"args": []})
    finally:
        context.pop()
    job("result-key", "progress-key", [], seen["context"])  # as the job process runs it: no request
    assert jobs.handle.get("result-key") == "bob"


def test_login_off_keys_stay_plain(tmp_path):
    jobs = DiskcacheJobs(diskcache.Cache(str(tmp_path / "jobs")))
    with app.server.test_request_context("/"):
        key = jobs.build_cache_key(None, [], [], None)
        jobs.handle.set(key, 1)
        assert len(key) == 64 and jobs.get_result(key, None) == 1
