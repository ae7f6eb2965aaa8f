"""Reading API error answers in tests, whatever shape the one error format has.

Tests assert *which* fields were refused and *what* was said, through these two helpers,
so that the error format can be described once (``core.api_base``) and changed there.
"""

from typing import Any


def _body(response: Any) -> Any:
    return response.json() if hasattr(response, "json") else response


def field_errors(response: Any) -> dict[str, list[str]]:
    """``{field: [message, ...]}`` of an error answer (``non_field_errors`` for the rest)."""
    body = _body(response)
    errors = body.get("errors", {}) if isinstance(body, dict) else {}
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for name, messages in errors.items():
            out[name] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    else:  # a list of {"attr", "detail", "code"}
        for error in errors:
            out.setdefault(error.get("attr") or "non_field_errors", []).append(
                str(error.get("detail", ""))
            )
    return out


def refused(response: Any) -> set[str]:
    """The top-level fields an error answer refused (``lines`` for ``lines.0.quantity``)."""
    return {name.split(".", 1)[0] for name in field_errors(response)}


def error_detail(response: Any) -> str:
    """The one message of a non-field error answer (401, 403, 404, 409, 412, 429...)."""
    body = _body(response)
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    messages = [m for ms in field_errors(response).values() for m in ms]
    return " ".join(messages)


def error_body(response: Any) -> dict[str, Any]:
    """The body of an error answer, checked to be in the one error shape."""
    body = _body(response)
    assert isinstance(body, dict), body
    assert body.get("type") in ("validation_error", "client_error", "server_error"), body
    assert isinstance(body.get("errors"), list) and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, body
        assert isinstance(error["code"], str) and isinstance(error["detail"], str), body
        assert error["detail"] and (error["attr"] is None or isinstance(error["attr"], str)), body
    return body


def error_code(response: Any) -> str:
    """The ``code`` of a one-error answer (``not_found``, ``throttled``, ``conflict``...)."""
    [error] = error_body(response)["errors"]
    return error["code"]
