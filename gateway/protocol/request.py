"""A GraphQL-over-HTTP request read into its parameters, or refused with a code.

Everything a client sends is checked for type before anything uses it: the body must be
UTF-8 JSON (orjson refuses lone surrogates, so no string that cannot be encoded again gets
further), ``query`` and ``operationName`` are strings or null, ``variables`` and
``extensions`` objects or null. A JSON array is a batch of such objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import ClientDisconnect, Request

from ..errors import Refusal

GET_PARAMS = ("query", "operationName", "variables", "extensions")


@dataclass(frozen=True, slots=True)
class Params:
    """One operation request: the GraphQL-over-HTTP parameters."""

    query: str | None
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


class BadRequest(Refusal):
    def __init__(self, message: str, code: str = "BAD_REQUEST", status: int = 400) -> None:
        super().__init__(code, message, status)


def _json(text: bytes | str, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not valid JSON: {str(exc).split(':')[0]}") from None


def _params(raw: Any) -> Params:
    if not isinstance(raw, dict):
        raise BadRequest("a GraphQL request is a JSON object")
    query = raw.get("query")
    operation_name = raw.get("operationName")
    variables = raw.get("variables")
    extensions = raw.get("extensions")
    if query is not None and not isinstance(query, str):
        raise BadRequest("query must be a string")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string or null")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be an object or null")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("extensions must be an object or null")
    return Params(query, operation_name, variables, extensions)


def query_params(query_string: bytes) -> dict[str, str]:
    """The URL's parameters, decoded as strict UTF-8 (the last one of a repeated name)."""
    try:
        pairs = parse_qsl(
            query_string.decode("latin-1"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
        )
    except UnicodeDecodeError:
        raise BadRequest("the URL's parameters are not valid UTF-8") from None
    return dict(pairs)


def read_get(query_string: bytes) -> Params:
    params = query_params(query_string)
    raw: dict[str, Any] = {"query": params.get("query"), "operationName": None}
    if params.get("operationName"):
        raw["operationName"] = params["operationName"]
    for name in ("variables", "extensions"):
        text = params.get(name)
        raw[name] = _json(text, name) if text else None
    return _params(raw)


def _content_type(header: str) -> tuple[str, str | None]:
    if header == "application/json":  # what nearly every client sends: nothing to split
        return header, None
    media, *options = (p.strip() for p in header.split(";"))
    charset = None
    for option in options:
        key, _, value = option.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


async def read_body(request: Request) -> bytes:
    """The request's whole body, read from its ASGI ``receive`` as Starlette's
    ``Request.body`` reads it, without its async stream generator (a tenth of a
    response-cache hit's cost): this endpoint reads a body once. Read before it is
    parsed (:func:`parse_post`), so that an identical body can be recognised first."""
    receive = request.receive
    chunks: list[bytes] = []
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk = message.get("body", b"")
            if not message.get("more_body", False):
                if not chunks:
                    return bytes(chunk)
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)
        elif kind == "http.disconnect":
            raise ClientDisconnect()


def parse_post(content_type: str, body: bytes) -> Params | list[Params]:
    """The operation (or batch, a JSON array of them) of a POST body sent with the
    ``Content-Type`` header ``content_type``."""
    media, charset = _content_type(content_type)
    if charset not in (None, "utf-8", "utf8"):
        raise BadRequest("request bodies must be UTF-8", "UNSUPPORTED_MEDIA_TYPE", 415)
    if media == "application/graphql":
        try:
            return Params(body.decode("utf-8"), None, None, None)
        except UnicodeDecodeError:
            raise BadRequest("the body is not valid UTF-8") from None
    if media != "application/json":
        raise BadRequest(
            "POST bodies must be application/json (or application/graphql)",
            "UNSUPPORTED_MEDIA_TYPE",
            415,
        )
    if not body.strip():
        raise BadRequest("the request has no body")
    raw = _json(body, "the body")
    if isinstance(raw, list):
        return [_params(item) for item in raw]
    return _params(raw)
