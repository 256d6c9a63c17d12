"""Background jobs over HTTP, as the browser drives them: submit, then poll with the signed handles (issue 16).

Two people who press Run with the same inputs at once must each get their own result. Dash derives the result
key from the callback's source and arguments only, so identical requests shared one key and the first poll took
(and deleted) the only result: the other page got nothing and no error.
"""

import contextlib
import json
import re

import psutil

import app
import workspace
from pages import risk

# The Monte Carlo form as both people fill it in (the risk page's callback names -> the values they send).
FORM = {"years": 5, "contribution": 0, "goal": None, "paths": 500, "method": "normal", "return": 7,
        "volatility": 15, "value": 1e6}
STATE = {**{f"risk-mc-{name}.value": v for name, v in FORM.items() if name != "value"},
         "risk-value.value": FORM["value"], "workspace-store.data": workspace.DEFAULT, "theme-store.data": "light"}


def _end_id(client) -> str:
    """The signed page-load token the server puts in the page's Dash config (the renderer echoes it)."""
    page = client.get("/risk").get_data(as_text=True)
    config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(config.group(1))["end_id"]


def _monte_carlo_body(deps: list | None = None) -> dict:
    """The request the Run click sends, built from the app's own callback list (``deps``, the JSON of
    /_dash-dependencies: this app's unless given), so ids and order stay true."""
    deps = deps or app.server.test_client().get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if f"{risk.MC_SUMMARY}.children" in d["output"])
    outputs = []
    for part in spec["output"].strip(".").split("..."):
        cid, _, prop = part.rpartition(".")
        outputs.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop})
    state = [{**s, "value": STATE[f"{s['id']}.{s['property']}"]} for s in spec["state"]]
    assert len(state) == len(STATE)  # every control of the form has a value above
    run = f"{risk.MC_JOB.run}.n_clicks"
    return {"output": spec["output"], "outputs": outputs, "state": state, "changedPropIds": [run],
            "inputs": [{"id": risk.MC_JOB.run, "property": "n_clicks", "value": 1}]}


def _unsigned(handle: str) -> str:
    """A handle is ``value~signature``: the value itself (the raw result key, the job's process id)."""
    return handle.rpartition("~")[0]


def _poll(client, end_id: str, handles: dict, body: dict):
    return client.post("/_dash-update-component", json=body,
                       query_string={"endId": end_id, "cacheKey": handles["cacheKey"], "job": handles["job"]})


def test_two_identical_monte_carlo_runs_at_once_each_get_their_result():
    body = _monte_carlo_body()
    people = [app.server.test_client(), app.server.test_client()]  # two browsers, two page loads
    end_ids = [_end_id(c) for c in people]
    handles = []
    for client, end_id in zip(people, end_ids, strict=True):
        submitted = client.post("/_dash-update-component", json=body, query_string={"endId": end_id})
        assert submitted.status_code == 200, submitted.get_data(as_text=True)
        handles.append(submitted.get_json())
    assert _unsigned(handles[0]["cacheKey"]) != _unsigned(handles[1]["cacheKey"])
    # Both jobs finish before either page polls: the worst case, where one shared key loses a result for sure.
    for h in handles:
        with contextlib.suppress(psutil.NoSuchProcess):  # already gone
            psutil.Process(int(_unsigned(h["job"]))).wait(timeout=120)
    # One person's handle replayed from the other's page load reads nothing (and leaves the result in place).
    replayed = _poll(people[0], end_ids[0], handles[1], body)
    assert replayed.status_code == 204
    for client, end_id, h in zip(people, end_ids, handles, strict=True):
        polled = _poll(client, end_id, h, body)
        assert polled.status_code == 200, "a finished job's result was lost"
        summary = json.dumps(polled.get_json()["response"][risk.MC_SUMMARY]["children"])
        status = json.dumps(polled.get_json()["response"][risk.MC_JOB.status]["children"])
        assert "Median final wealth $" in summary and "Projected 500 paths." in status
