"""Faults of the server's own storage (issue 16.4): an unwritable, failing or deleted upload cache gives a message.

Tests may run as root, where ``chmod`` does not stop writes: the real unwritable path here is a folder under a
regular file (no one can create it), and the failing database is a monkeypatched diskcache write.
"""

import base64
import shutil
import sqlite3

import diskcache
import pytest

import workspace
from finance_core import data
from finance_core.errors import DataError
from pages import data as page
from session_frames import FrameStore

RAW = data.sample_csv("prices").encode()
CONTENTS = "data:text/csv;base64," + base64.b64encode(RAW).decode()


def _upload(call, store, monkeypatch):
    """The Data page's callback for a prices upload of the sample file, with ``store`` as the server's cache."""
    monkeypatch.setattr(workspace, "frame_store", lambda: store)
    uploads = {k: CONTENTS if k == "prices" else None for k in workspace.UPLOAD_KINDS}
    names = {k: "mine.csv" if k == "prices" else None for k in workspace.UPLOAD_KINDS}
    form = dict.fromkeys(page.FORM)
    return call("upload-prices.contents", page.sync_workspace, form, uploads, names, workspace.DEFAULT)


def _status(out, kind: str = "prices"):
    return str(out[11 + workspace.UPLOAD_KINDS.index(kind)])


def test_an_upload_into_an_unwritable_cache_folder_is_refused_with_a_message(call_with_trigger, monkeypatch,
                                                                             tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    store = FrameStore(directory=tmp_path / "a-file" / "cache")  # its frames folder can never be made
    out = _upload(call_with_trigger, store, monkeypatch)
    assert out[0] == workspace.DEFAULT  # the workspace is unchanged: the page does not say "Loaded"
    assert "Not loaded: mine.csv" in _status(out) and "Loaded" not in _status(out)
    alert = str(out[-1])
    assert "The server could not store the prices file" in alert and "PORTFOLIO_DESK_CACHE" in alert


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database or disk is full"),
                                   PermissionError(13, "Permission denied")])
def test_a_failing_cache_write_is_refused_with_a_message(call_with_trigger, monkeypatch, tmp_path, error):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(diskcache.Cache, "set", fail)
    out = _upload(call_with_trigger, FrameStore(directory=tmp_path), monkeypatch)
    assert out[0] == workspace.DEFAULT and "Not loaded: mine.csv" in _status(out)
    assert f"{type(error).__name__}: {error}" in str(out[-1]) and "Try again in a minute" in str(out[-1])


def test_a_failing_cache_read_names_the_cache_not_a_traceback(monkeypatch, tmp_path):
    store = FrameStore(directory=tmp_path)
    key = store.put("prices", RAW, data.read_prices_csv(RAW), secret=b"s" * 32)

    def fail(*_args, **_kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(diskcache.Cache, "get", fail)
    with pytest.raises(DataError, match="could not read the uploaded prices file") as err:
        store.get(key, secret=b"s" * 32)
    assert err.value.code == "cache_unavailable"


def test_a_frames_folder_deleted_while_running_is_made_again(tmp_path):
    store = FrameStore(directory=tmp_path)
    frame = data.read_prices_csv(RAW)
    store.put("prices", RAW, frame, secret=b"s" * 32)
    shutil.rmtree(tmp_path / "frames")
    key = store.put("prices", RAW, frame, secret=b"s" * 32)  # the next upload writes a folder that exists again
    assert (tmp_path / "frames").is_dir()
    other_worker = FrameStore(directory=tmp_path)  # another process opens the folder by path and reads it
    assert other_worker.get(key, secret=b"s" * 32).equals(frame)
