"""Issue 16, point 7: an upload key is bound to the browser session that made it.

Two sessions loading the same file get different keys; a key copied from one session into
another reads exactly like a key that never existed ("load the file again"), so it neither
leaks the frame nor tells whether someone uploaded that file; the owner still reads it.
"""

import hashlib
import hmac
import json

import pytest

import workspace
from finance_core import data
from finance_core.errors import DataError

PRICES = data.sample_csv("prices").encode()


def _message(ws: dict) -> tuple[str, str]:
    with pytest.raises(DataError) as err:
        workspace.resolve(ws)
    return str(err.value).replace("copied.csv", "NAME"), err.value.code


def test_two_sessions_loading_the_same_file_get_different_keys():
    a, _ = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    b, _ = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    assert a[workspace.SESSION] != b[workspace.SESSION]
    assert a["uploads"]["prices"]["key"] != b["uploads"]["prices"]["key"]
    # The key is HMAC-SHA256(session secret, sha256 of the bytes), checked with the stdlib directly.
    digest = hashlib.sha256(PRICES).hexdigest().encode()
    expected = hmac.new(bytes.fromhex(a[workspace.SESSION]), digest, "sha256").hexdigest()
    assert a["uploads"]["prices"]["key"] == "prices:" + expected


def test_a_key_copied_into_another_session_reads_like_an_unknown_key():
    a, _ = workspace.with_upload(workspace.DEFAULT, "prices", PRICES, "mine.csv")
    b, _ = workspace.with_upload(workspace.DEFAULT, "holdings", data.sample_csv("holdings").encode(), "h.csv")
    stolen = dict(b, source="upload", uploads={"prices": {"key": a["uploads"]["prices"]["key"], "name": "copied.csv"}})
    unknown = dict(b, source="upload", uploads={"prices": {"key": "prices:" + "0" * 64, "name": "copied.csv"}})
    # Even the bare SHA-256 of the file (what anyone holding the file computes) reads as unknown.
    guessed = dict(b, source="upload", uploads={"prices": {"key": "prices:" + hashlib.sha256(PRICES).hexdigest(),
                                                           "name": "copied.csv"}})
    assert _message(stolen) == _message(unknown) == _message(guessed)
    text, code = _message(stolen)
    assert code == "upload_expired" and "Load the file again" in text
    # A workspace with no session secret at all (an old browser tab) says the same.
    assert _message(dict(stolen, **{workspace.SESSION: None})) == _message(unknown)
    # The owner still reads its own upload.
    own = workspace.resolve(a)
    assert own.source == "upload" and list(own.prices.columns) == ["AAPL", "JPM", "KO", "MSFT", "XOM"]


def test_joined_one_ticker_exports_stay_bound_to_the_session():
    """The combined prices of two one-ticker exports are cached under a key of the same session."""
    csv = data.sample_csv("prices").splitlines()
    header = csv[0].split(",")
    one = "\n".join(["Date,Close"] + [f"{r.split(',')[0]},{r.split(',')[header.index('KO')]}" for r in csv[1:]])
    two = "\n".join(["Date,Close"] + [f"{r.split(',')[0]},{r.split(',')[header.index('XOM')]}" for r in csv[1:]])
    a, _ = workspace.with_upload(workspace.DEFAULT, "prices", one.encode(), "KO.csv")
    a, _ = workspace.with_upload(a, "prices", two.encode(), "XOM.csv")
    assert list(workspace.resolve(a).prices.columns) == ["KO", "XOM"]
    other = workspace.with_session(dict(workspace.DEFAULT))
    stolen = dict(other, source="upload", uploads={"prices": a["uploads"]["prices"]})
    with pytest.raises(DataError, match="Load the file again"):
        workspace.resolve(stolen)


def test_replayed_lots_are_not_served_to_another_session_from_the_memo():
    """The book memoises its lot replay: the memo is keyed by the session too."""
    lots = data.sample_csv("lots").encode()
    a, _ = workspace.with_upload(workspace.DEFAULT, "lots", lots, "lots.csv")
    held = workspace.book(a).shares  # fills the memo for A
    assert held.sum() > 0
    other = workspace.with_session(dict(workspace.DEFAULT))
    with pytest.raises(DataError, match="Load the file again"):
        workspace.book(dict(other, uploads=a["uploads"]))


def test_construct_memo_reads_the_owners_uploads_and_no_one_elses():
    """The Construct page memoises resolved frames by the workspace's data fields, the session secret among them.

    A memo keyed without the secret failed the owner ("not available in this browser session": the memo
    resolved a workspace stripped of its secret) and would have served a copied key from the memo.
    """
    from finance_core import recipes
    from pages import construct

    lots = data.sample_csv("lots").encode()
    a, _ = workspace.with_upload(workspace.DEFAULT, "lots", lots, "lots.csv")
    recipe = recipes.Recipe(method="equal_weight")
    wd, _ = construct._estimates(a, recipe)
    assert wd.lots is not None and len(wd.lots) == len(data.load_lots_csv(lots).frame)
    other = workspace.with_session(dict(workspace.DEFAULT))
    with pytest.raises(DataError, match="Load the file again"):
        construct._estimates(dict(other, uploads=a["uploads"]), recipe)
    assert workspace.SESSION in workspace.DATA_FIELDS


def test_sessions_on_the_bundled_data_share_one_memo_entry_and_uploads_never_do():
    """Bundled data is the same for everyone: its data key leaves the secret out, so 50 sessions hit one memo
    entry (each had its own, overflowing Construct's memo). A workspace with an upload keeps its secret."""
    from finance_core import recipes
    from pages import construct

    a, b = (workspace.with_session(dict(workspace.DEFAULT)) for _ in range(2))
    assert workspace.session_secret(a) != workspace.session_secret(b)
    assert workspace.data_key(a) == workspace.data_key(b)
    recipe = recipes.Recipe(method="min_variance")
    construct._cached.cache_clear()
    assert construct._estimates(a, recipe) is construct._estimates(b, recipe)  # one entry, computed once
    assert construct._cached.cache_info().misses == 1
    lots = data.sample_csv("lots").encode()
    with_lots, _ = workspace.with_upload(a, "lots", lots, "lots.csv")
    copied = dict(b, uploads=with_lots["uploads"])
    assert workspace.data_key(with_lots) != workspace.data_key(copied)
    assert workspace.SESSION in json.loads(workspace.data_key(with_lots))
