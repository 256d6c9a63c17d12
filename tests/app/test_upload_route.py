"""The raw upload route (components.upload.ROUTE): assets/upload.js posts a file's bytes, the box's contents
become ``pd-upload:<token>``, and decode_upload takes the bytes back once; refusals say why."""

from __future__ import annotations

import pytest

import app
import workspace
from components import upload
from finance_core import data
from finance_core.errors import DataError
from pages import data as page
from session_frames import FrameStore
from tests.app.test_login import ALADDIN, login_on, users_file  # noqa: F401 - fixtures

RAW = data.sample_csv("prices").encode()
HEADERS = {"X-Portfolio-Desk-Upload": "1", "X-Filename": "my%20prices%20%C3%A9t%C3%A9.csv",
           "Content-Type": "application/octet-stream"}


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A private diskcache for the route and decode_upload (the server's frame_store)."""
    fresh = FrameStore(directory=tmp_path)
    monkeypatch.setattr(upload, "frame_store", lambda: fresh)
    monkeypatch.setattr(workspace, "frame_store", lambda: fresh)
    return fresh


def _post(client, body=RAW, headers=HEADERS):
    return client.post(upload.ROUTE, data=body, headers=headers)


def test_a_posted_file_comes_back_once_through_its_token(store):
    reply = _post(app.server.test_client())
    assert reply.status_code == 200
    token = reply.get_json()["token"]
    assert token.startswith(upload.TOKEN_PREFIX) and len(token) == len(upload.TOKEN_PREFIX) + 32
    assert upload.decode_upload(token, "mine.csv") == RAW
    with pytest.raises(DataError) as again:  # read once: a replayed token finds nothing
        upload.decode_upload(token, "mine.csv")
    assert again.value.code == "upload_expired" and "Upload it again" in again.value.message


def test_the_data_page_loads_a_posted_file_as_it_loads_a_data_url(store, call_with_trigger):
    token = _post(app.server.test_client()).get_json()["token"]
    uploads = {k: token if k == "prices" else None for k in workspace.UPLOAD_KINDS}
    names = {k: "mine.csv" if k == "prices" else None for k in workspace.UPLOAD_KINDS}
    out = call_with_trigger("upload-prices.contents", page.sync_workspace, dict.fromkeys(page.FORM), uploads, names,
                            workspace.DEFAULT)
    ws = out[0]
    assert ws["source"] == workspace.UPLOAD and ws["uploads"]["prices"]["name"] == "mine.csv"
    expected = data.load_prices_csv(RAW, name="mine.csv").frame
    assert workspace.resolve(ws).prices.shape == expected.shape
    assert "Loaded mine.csv" in str(out[11 + workspace.UPLOAD_KINDS.index("prices")])


@pytest.mark.parametrize("token", ["pd-upload:", "pd-upload:../../etc/passwd", "pd-upload:" + "A" * 31,
                                   "pd-upload:" + "A" * 32])
def test_a_malformed_or_unknown_token_is_refused_with_a_message(store, token):
    with pytest.raises(DataError) as err:
        upload.decode_upload(token, "mine.csv")
    assert err.value.code == "upload_expired" and "mine.csv is no longer on the server" in err.value.message


def test_a_post_without_the_desk_header_is_refused_and_keeps_nothing(store):
    reply = _post(app.server.test_client(), headers={"Content-Type": "application/octet-stream"})
    assert reply.status_code == 403 and "desk's own pages" in reply.get_json()["error"]
    assert not [k for k in store._cache().iterkeys() if str(k).startswith("inbox:")]


def test_a_file_over_the_limit_is_refused_before_it_is_read(store, monkeypatch):
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 1000)
    reply = _post(app.server.test_client(), body=b"x" * 2500)
    assert reply.status_code == 413
    # decode_upload's own words (the browser shows them in the box's status line), with the file's name
    assert reply.get_json()["error"] == ("my prices été.csv is 0.0 MB; the limit is 0 MB. Split the file or upload "
                                         "fewer dates or tickers.")


def test_an_empty_file_is_refused_with_what_to_do(store):
    reply = _post(app.server.test_client(), body=b"")
    assert reply.status_code == 400 and "my prices été.csv is empty" in reply.get_json()["error"]


def test_a_cache_that_fails_answers_503_with_the_reason(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setattr(upload, "frame_store", lambda: FrameStore(directory=tmp_path / "a-file" / "cache"))
    reply = _post(app.server.test_client())
    assert reply.status_code == 503 and "could not receive the uploaded file" in reply.get_json()["error"]


def test_with_login_on_the_route_wants_a_user_and_binds_the_file_to_them(store, login_on):  # noqa: F811
    client = app.server.test_client()
    refused = _post(client)
    assert refused.status_code == 401 and "Log in first" in refused.get_json()["error"]
    token = _post(client, headers=HEADERS | ALADDIN).get_json()["token"][len(upload.TOKEN_PREFIX):]
    assert store.take_inbox(token, "bob") is None  # another user's session reads nothing
    token = _post(client, headers=HEADERS | ALADDIN).get_json()["token"][len(upload.TOKEN_PREFIX):]
    assert store.take_inbox(token, "Aladdin") == RAW
