"""Faults of the server's own storage (issue 16.4): an unwritable, failing or deleted upload cache gives a message.

Tests may run as root, where ``chmod`` does not stop writes: the real unwritable path here is a folder under a
regular file (no one can create it), and the failing database is a monkeypatched diskcache write.
"""

import base64
import json
import shutil
import sqlite3
from pathlib import Path

import diskcache
import psutil
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


def test_a_job_whose_process_died_is_reported_lost_and_ends(monkeypatch):
    """The diskcache job process killed mid-job (as a server restart does): the next poll says so, once.

    Before, the poll answered 204 with nothing (or, on Celery, "running" for good): the status line stayed
    empty. Now it is a 200 whose side update puts the "Job lost" alert in the status line, and its ``response``
    ends the job in the renderer, which turns the running state off (Run enabled again).
    """
    import app
    from components.jobs import JOB_LOST
    from pages import risk
    from tests.app.test_background_jobs import _end_id, _monte_carlo_body, _poll, _unsigned

    monkeypatch.setenv("PORTFOLIO_DESK_JOB_THROTTLE", "2")  # read by the job process: slow enough to kill mid-job
    body, client = _monte_carlo_body(), app.server.test_client()
    end_id = _end_id(client)
    handles = client.post("/_dash-update-component", json=body, query_string={"endId": end_id}).get_json()
    job = psutil.Process(int(_unsigned(handles["job"])))
    job.kill()
    job.wait(timeout=30)
    polled = _poll(client, end_id, handles, body)
    assert polled.status_code == 200, polled.get_data(as_text=True)
    answer = polled.get_json()
    assert "response" in answer  # the renderer completes the job: running outputs off, Run enabled
    status = json.dumps(answer["sideUpdate"][risk.MC_JOB.status]["children"])
    assert "Job lost" in status and JOB_LOST in status


def test_every_upload_box_declares_the_limit_the_browser_refuses_over(tmp_path):
    """assets/upload.js refuses files over the box's data-max-bytes, with decode_upload's own words."""
    from components.upload import UploadIds, decode_upload, upload_box

    ids = UploadIds("prices")
    holder = next(c for c in upload_box(ids, "Prices", "help").children.children if getattr(c, "id", None) is None
                  and type(c.children).__name__ == "Upload")
    assert holder.to_plotly_json()["props"]["data-max-bytes"] == str(data.MAX_UPLOAD_BYTES)
    assert holder.to_plotly_json()["props"]["data-status-id"] == ids.status
    assert holder.to_plotly_json()["props"]["data-upload-id"] == ids.upload
    over = "data:text/csv;base64," + "A" * (4 * (data.MAX_UPLOAD_BYTES // 3 + 2))
    with pytest.raises(DataError) as err:
        decode_upload(over, "big.csv")
    script = (Path(__file__).parents[2] / "assets" / "upload.js").read_text()
    for words in (" MB; the limit is ", " MB.", "Split the file or upload fewer dates or tickers."):
        assert words in err.value.message and words in script


def test_a_job_cache_that_fails_while_a_page_polls_gives_a_message_not_a_500(monkeypatch):
    """The jobs folder unreadable mid-job (deleted under another worker, disk failing): the poll says so."""
    import app
    from tests.app.test_background_jobs import _end_id, _monte_carlo_body, _poll

    body, client = _monte_carlo_body(), app.server.test_client()
    end_id = _end_id(client)
    handles = client.post("/_dash-update-component", json=body, query_string={"endId": end_id}).get_json()

    def fail(*_args, **_kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(diskcache.Cache, "get", fail)
    polled = _poll(client, end_id, handles, body)
    assert polled.status_code == 200, polled.get_data(as_text=True)
    status = json.dumps(polled.get_json()["sideUpdate"]["risk-mc-status"]["children"])
    assert "could not be read from the job cache (OperationalError: unable to open database file)" in status


def test_a_cancelled_job_ends_quietly_not_as_lost(monkeypatch):
    """Cancel (Dash's terminate_job) kills the job on purpose: its last poll is the usual 204, no "Job lost"."""
    import app
    from tests.app.test_background_jobs import _end_id, _monte_carlo_body, _poll, _unsigned

    monkeypatch.setenv("PORTFOLIO_DESK_JOB_THROTTLE", "2")
    body, client = _monte_carlo_body(), app.server.test_client()
    end_id = _end_id(client)
    handles = client.post("/_dash-update-component", json=body, query_string={"endId": end_id}).get_json()
    job = psutil.Process(int(_unsigned(handles["job"])))
    app.background_callback_manager.terminate_job(_unsigned(handles["job"]))
    job.wait(timeout=30)
    assert _poll(client, end_id, handles, body).status_code == 204
