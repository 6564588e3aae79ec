"""The endpoint reads bodies and builds responses as Starlette does, on its own short path.

``read_body`` reads the body straight from the ASGI channel and ``_Encoded`` builds a
response's headers in one pass; both must give exactly what Starlette's ``Request.body``
and ``Response`` give.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from gateway.protocol.request import parse_post, read_body
from gateway.view import _Encoded

SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "POST",
    "path": "/graphql",
    "headers": [(b"content-type", b"application/json")],
    "query_string": b"",
}


def _request(*messages: dict[str, Any]) -> Request:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return Request(SCOPE, receive)


@pytest.mark.parametrize(
    "chunks",
    [
        [b'{"query": "{ __typename }"}'],
        [b'{"query": ', b"", b'"{ __typename }"}'],
    ],
)
async def test_a_body_in_one_or_many_messages_is_read_whole(chunks: list[bytes]) -> None:
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    body = await read_body(_request({"type": "lifespan.other"}, *messages))
    assert body == b"".join(chunks)
    params = parse_post("application/json", body)
    assert not isinstance(params, list)
    assert params.query == "{ __typename }"


async def test_a_client_that_leaves_mid_body_is_a_disconnect() -> None:
    request = _request(
        {"type": "http.request", "body": b'{"query"', "more_body": True},
        {"type": "http.disconnect"},
    )
    with pytest.raises(ClientDisconnect):
        await read_body(request)


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, None),
        (200, {"Cache-Control": "private, max-age=5", "ETag": '"abc"'}),
        (400, {"WWW-Authenticate": "Bearer"}),
        (200, {"Content-Type": "application/json"}),
        (200, {"content-length": "2"}),
    ],
)
@pytest.mark.parametrize("media", ["application/json", "application/graphql-response+json"])
def test_responses_carry_starlettes_headers(
    status: int, headers: dict[str, str] | None, media: str
) -> None:
    body = b'{"data":{}}'
    theirs = Response(
        body, status_code=status, headers=headers, media_type=f"{media}; charset=utf-8"
    )
    ours = _Encoded(body, status, media, headers)
    assert ours.raw_headers == theirs.raw_headers
    assert (ours.status_code, ours.body, ours.background) == (
        theirs.status_code,
        theirs.body,
        theirs.background,
    )


async def test_a_response_sends_what_starlettes_sends() -> None:
    """Sent through Starlette's own ``Response.__call__``: the same ASGI messages."""
    headers = {"Cache-Control": "private, max-age=5"}
    body = b'{"data":{"a":1}}'
    theirs = Response(body, 200, headers, media_type="application/json; charset=utf-8")
    ours = _Encoded(body, 200, "application/json", headers)

    async def messages(response: Response) -> list[Any]:
        out: list[Any] = []

        async def send(message: Any) -> None:
            out.append(message)

        async def receive() -> Any:
            return {"type": "http.disconnect"}

        await response(dict(SCOPE), receive, send)
        return out

    sent = await messages(ours)
    assert sent == await messages(theirs)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
