"""``/api/v1/portfolios``, ``/workspaces``, ``/scenarios``: list, create, read, replace, delete.

Each request is one store transaction. Bad bodies get 400 ``{"error": ...}`` naming the field,
unknown ids 404, a stale ``version`` or a taken name 409, a database failure 503. Items are
owned by ``store.identity.current_owner()`` (``None`` without login: one team sees all).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import flask

from store import ConflictError, NameTakenError, NotFoundError, Store, StoreError, current_owner

__all__ = ["API_PREFIX", "make_blueprint", "BadRequest", "json_body", "weights_of"]

API_PREFIX = "/api/v1"
COLLECTIONS = {"portfolios": "portfolio", "workspaces": "workspace", "scenarios": "scenario"}
RESERVED = ("name", "notes", "version", "overwrite")


class BadRequest(ValueError):
    """A request body the API cannot use; the message names the field."""


def json_body() -> dict[str, Any]:
    """The request's JSON object body, or :class:`BadRequest` saying how to send one."""
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object, sent with Content-Type: "
                         "application/json.")
    return body


def weights_of(value: object) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise BadRequest('"weights" must be a non-empty object {ticker: weight}.')
    out: dict[str, float] = {}
    for ticker, weight in value.items():
        if (isinstance(weight, bool) or not isinstance(weight, int | float)
                or not math.isfinite(weight)):
            raise BadRequest(f'"weights.{ticker}" must be a finite number, not {weight!r}.')
        out[str(ticker)] = float(weight)
    return out


def _fields(kind: str, body: dict[str, Any], *, need_version: bool) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest('"name" is required: a non-empty string.')
    notes = body.get("notes", "")
    if not isinstance(notes, str):
        raise BadRequest('"notes" must be a string.')
    content = {key: value for key, value in body.items() if key not in RESERVED}
    if kind == "portfolio":
        content["weights"] = weights_of(body.get("weights"))
    fields: dict[str, Any] = {"name": name, "notes": notes, "body": content}
    if need_version:
        version = body.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise BadRequest('"version" is required: the integer version you loaded (from GET).')
        fields["expected_version"] = version
    return fields


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    """The stored item as the API shows it: its content fields beside id, name and version."""
    return {**item["body"], **{k: v for k, v in item.items() if k != "body"}}


def _routes(blueprint: flask.Blueprint, store_of: Callable[[], Store]) -> None:
    def collection(plural: str):
        repo = store_of().repository(COLLECTIONS[plural])
        if flask.request.method == "GET":
            search = flask.request.args.get("search", "")
            return flask.jsonify([_flat(i) for i in repo.list(search, owner=current_owner())])
        body = json_body()
        fields = _fields(repo.kind, body, need_version=False)
        item = repo.create(fields["name"], fields["body"], notes=fields["notes"],
                           owner=current_owner(), overwrite=body.get("overwrite") is True)
        return flask.jsonify(_flat(item)), 201

    def member(plural: str, item_id: int):
        repo = store_of().repository(COLLECTIONS[plural])
        owner = current_owner()
        if flask.request.method == "GET":
            return flask.jsonify(_flat(repo.get(item_id, owner=owner)))
        if flask.request.method == "DELETE":
            repo.delete(item_id, owner=owner)
            return flask.jsonify({"id": item_id, "deleted": True,
                                  "restore": f"{API_PREFIX}/{plural}/{item_id}/restore"})
        fields = _fields(repo.kind, json_body(), need_version=True)
        return flask.jsonify(_flat(repo.update(item_id, owner=owner, **fields)))

    def restore(plural: str, item_id: int):
        repo = store_of().repository(COLLECTIONS[plural])
        return flask.jsonify(_flat(repo.restore(item_id, owner=current_owner())))

    from api.analytics import optimize_reply, risk_reply  # analytics imports this module's checks
    from api.tax import trade_list_reply

    kinds = "<any(portfolios, workspaces, scenarios):plural>"
    blueprint.add_url_rule(f"/{kinds}", "collection", collection, methods=["GET", "POST"])
    blueprint.add_url_rule(f"/{kinds}/<int:item_id>", "member", member,
                           methods=["GET", "PUT", "DELETE"])
    blueprint.add_url_rule("/optimize", "optimize", optimize_reply, methods=["POST"])
    blueprint.add_url_rule("/risk", "risk", lambda: risk_reply(store_of()), methods=["POST"])
    blueprint.add_url_rule("/tax/trade-list", "trade_list", trade_list_reply, methods=["POST"])
    blueprint.add_url_rule(f"/{kinds}/<int:item_id>/restore", "restore", restore,
                           methods=["POST"])


def _errors(blueprint: flask.Blueprint) -> None:
    def reply(status: int):
        return lambda err: (flask.jsonify({"error": str(err)}), status)

    blueprint.register_error_handler(BadRequest, reply(400))
    blueprint.register_error_handler(NotFoundError, reply(404))
    blueprint.register_error_handler(ConflictError, reply(409))
    blueprint.register_error_handler(NameTakenError, reply(409))
    blueprint.register_error_handler(
        StoreError, lambda err: (flask.jsonify({"error": str(err)}),
                                 400 if err.code == "bad_name" else 503))


def make_blueprint(store_of: Callable[[], Store]) -> flask.Blueprint:
    """The API blueprint; ``store_of()`` returns the app's store (opened once at start-up)."""
    blueprint = flask.Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
    _routes(blueprint, store_of)
    _errors(blueprint)
    return blueprint
