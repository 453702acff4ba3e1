"""mcdesk._bodylimit.BodyLimit: the one streamed body limit of the app's uploads and the service."""

from __future__ import annotations

import asyncio

import pytest

from mcdesk._bodylimit import BodyLimit, BodyTooLargeError, declared_length


def _scope(length: int | None = None) -> dict:
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    return {"type": "http", "method": "POST", "path": "/", "headers": headers}


def _run(app, scope: dict, parts: list[bytes]) -> tuple[list[dict], list[int], list[int]]:
    """Drive ``BodyLimit(app)`` with ``parts`` as the body; (messages sent, sizes rejected,
    bytes the app read)."""
    sent: list[dict] = []
    rejected: list[int] = []
    read = [0]
    queue = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
             for i, p in enumerate(parts)]

    async def receive() -> dict:
        message = queue.pop(0)
        read[0] += len(message["body"])
        return message

    async def send(message: dict) -> None:
        sent.append(message)

    async def reject(send_, size: int) -> None:
        rejected.append(size)
        await send_({"type": "http.response.start", "status": 413, "headers": []})

    asyncio.run(BodyLimit(app, limit=100, reject=reject)(scope, receive, send))
    return sent, rejected, read


async def _reads_all(scope, receive, send) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})


def test_a_declared_length_over_the_limit_is_refused_before_the_app_reads() -> None:
    sent, rejected, read = _run(_reads_all, _scope(101), [b"x" * 101])
    assert rejected == [101] and read == [0] and [m["status"] for m in sent] == [413]


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    sent, rejected, read = _run(_reads_all, _scope(), [b"x" * 60] * 10)
    assert rejected == [120] and read == [120] and [m["status"] for m in sent] == [413]


def test_a_body_at_the_limit_passes() -> None:
    sent, rejected, _ = _run(_reads_all, _scope(100), [b"x" * 50, b"x" * 50])
    assert rejected == [] and [m["status"] for m in sent] == [200]


def test_an_app_that_answers_the_error_itself_is_not_answered_twice() -> None:
    async def handles(scope, receive, send) -> None:
        try:
            await _reads_all(scope, receive, send)
        except BodyTooLargeError:
            await send({"type": "http.response.start", "status": 418, "headers": []})
            raise

    sent, rejected, _ = _run(handles, _scope(), [b"x" * 60] * 3)
    assert [m["status"] for m in sent] == [418] and rejected == []


def test_other_errors_of_the_app_propagate() -> None:
    async def broken(scope, receive, send) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        _run(broken, _scope(), [b"x"])


def test_declared_length_takes_ascii_digits_only() -> None:
    assert declared_length(_scope(12)) == 12
    assert declared_length({"headers": [(b"Content-Length", "١٢".encode())]}) is None
    assert declared_length({"headers": []}) is None
