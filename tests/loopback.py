"""A real HTTP server on 127.0.0.1 that answers chat completions from a script.

Used to put the real openai client (and instructor) through faults: 5xx,
429, slow answers, dropped connections, truncated output, invalid output.
Nothing is mocked on the client side; requests cross a real socket.

The script is either a list of replies (each POST takes the next one; the last
one repeats) or a function of the request body, for servers whose answer
depends on what is asked (which article, which chunk, how many times).
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


Responder = Callable[[dict[str, Any]], Reply]


def tool_call(arguments: str | dict[str, Any], *, finish_reason: str = "tool_calls", name: str = "ArticleEvents",
              prompt_tokens: int = 100, completion_tokens: int = 20) -> Reply:  # fmt: skip
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}
                        ],
                    },
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def error(status: int, message: str, **headers: str) -> Reply:
    return Reply(status=status, body={"error": {"message": message, "type": "server_error"}}, headers=headers)


def user_text(request: dict[str, Any]) -> str:
    """The last user message of a chat request: the rendered article (or chunk)."""
    users = [m.get("content") or "" for m in request.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]) if users else ""


class ScriptedServer:
    """Answers each POST from the script; records every request body and when it arrived."""

    def __init__(self, script: list[Reply] | Responder) -> None:
        self.replies = list(script) if isinstance(script, list) else []
        self.responder = None if isinstance(script, list) else script
        self.requests: list[dict[str, Any]] = []
        self.arrived: list[float] = []  # time.monotonic() of each POST
        self.stopping = threading.Event()  # set on shutdown: cuts slow replies short
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server held at once: proof of concurrency
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]}, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    server.arrived.append(time.monotonic())
                    reply = server._next(body)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(reply)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, reply: Reply) -> None:
                if reply.delay_s and server.stopping.wait(reply.delay_s):
                    reply = Reply(drop=True)  # shutting down: don't keep the thread asleep
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                self._send(reply.status, reply.body or {}, reply.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test); nothing to answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    def _next(self, body: dict[str, Any]) -> Reply:
        if self.responder is not None:
            return self.responder(body)
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def count(self, needle: str) -> int:
        """How many requests so far carried ``needle`` in their user message."""
        with self._lock:
            return sum(needle in user_text(r) for r in self.requests)


def with_latency(latency_s: float, responder: Responder) -> Responder:
    """``responder``'s answers, each sent ``latency_s`` after its request arrived: a model server
    that takes a fixed time per answer and serves any number of requests at once."""

    def respond(request: dict[str, Any]) -> Reply:
        reply = responder(request)
        return dataclasses.replace(reply, delay_s=max(reply.delay_s, latency_s))

    return respond


@contextmanager
def scripted(script: list[Reply] | Responder) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script)
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=5)
