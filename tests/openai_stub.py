"""A scripted OpenAI-compatible chat server on loopback: real HTTP, real server-sent events.

Each POST to /v1/chat/completions takes the next reply from the script. A reply is
text, or a ``Stall`` (wait before answering, to test timeouts), or a ``Fail`` (an HTTP
error status). Requests are recorded so tests can check what the client sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Stall:
    seconds: float
    then: str = "Too late [1]."


@dataclass(frozen=True)
class Fail:
    status: int = 500


@dataclass
class OpenAIStub:
    script: list = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    model: str = "stub-model"
    #: pause before each streamed word, like a model writing (0: all at once)
    word_delay_s: float = 0.0

    def __post_init__(self):
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": stub.model, "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "not found"}})
                    return
                with stub._lock:
                    stub.requests.append(body)
                    reply = stub.script.pop(0) if stub.script else "I have nothing more to say."
                if isinstance(reply, Fail):
                    self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                if isinstance(reply, Stall):
                    time.sleep(reply.seconds)
                    reply = reply.then
                if body.get("stream"):
                    self._stream(reply)
                else:
                    self._json(200, {
                        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
                        "model": stub.model,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": reply}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    })

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                words = text.split(" ")
                for i, word in enumerate(words):
                    if stub.word_delay_s:
                        time.sleep(stub.word_delay_s)
                    delta = {"content": word if i == 0 else " " + word}
                    if i == 0:
                        delta["role"] = "assistant"
                    self._event({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, chunk: dict) -> None:
                payload = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()),
                           "model": stub.model, **chunk}
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="openai-stub", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> "OpenAIStub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
