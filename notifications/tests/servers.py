"""Small real servers the delivery tests talk to: an SMTP outbox that can refuse connections on
demand (a flaky mail server) and a Twilio-compatible HTTP endpoint that records what it received."""

import email
import json
import socketserver
import threading
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class SmtpOutbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refused = 0
        self._fail_next = 0
        self._lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.daemon_threads = True
        self.server.outbox = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refused = 0
            self._fail_next = 0

    def fail_next(self, connections: int) -> None:
        """Refuse the next `connections` SMTP sessions with 421 (temporary failure)."""
        with self._lock:
            self._fail_next = connections

    def _should_refuse(self) -> bool:
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                self.refused += 1
                return True
            return False

    def _store(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(email.message_from_bytes(raw))

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if address in m.get("To", "")]

    def wait_for(self, predicate, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(list(self.messages)):
                    return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _SmtpHandler(socketserver.StreamRequestHandler):
    def write(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        outbox: SmtpOutbox = self.server.outbox
        if outbox._should_refuse():
            self.write("421 4.3.2 Service not available, try again later")
            return
        self.write("220 outbox.test ESMTP")
        in_data = False
        lines: list[bytes] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line.rstrip(b"\r\n") == b".":
                    in_data = False
                    outbox._store(b"".join(lines))
                    self.write("250 2.0.0 queued")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command == b"EHLO":
                self.wfile.write(b"250-outbox.test\r\n250 8BITMIME\r\n")
            elif command in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.write("250 OK")
            elif command == b"DATA":
                in_data, lines = True, []
                self.write("354 end with .")
            elif command == b"QUIT":
                self.write("221 bye")
                return
            else:
                self.write("502 not implemented")


class SmsProviderStub:
    """A Twilio-compatible Messages endpoint (http.server in a thread). `status` sets the answer."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 201
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                stub.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "content_type": self.headers.get("Content-Type", ""),
                        "form": {k: v[0] for k, v in parse_qs(body).items()},
                    }
                )
                payload = (
                    {"sid": f"SM{len(stub.requests):032d}", "status": "queued"}
                    if stub.status < 300
                    else {"code": 21211, "message": "The 'To' number is not a valid phone number."}
                )
                data = json.dumps(payload).encode()
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
