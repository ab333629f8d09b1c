"""A plugin peer on loopback for the plugin token tests: Python's http.server as another deployment.

    plugin_token_peer.py <jwks file> <jwks status>

Serves the key set in <jwks file> at every `/api/<plugin>/.backstage/auth/v1/jwks.json` (or answers <jwks status>
there, 404 for a legacy plugin), counts those fetches, and answers any other GET or POST with 200 `[]`, keeping its
Authorization header. `GET /peer/state` returns {"fetches": n, "authorizations": [...]}. Prints `port <n>` once it
listens on 127.0.0.1.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

jwks_file, jwks_status = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()
state = {"fetches": 0, "authorizations": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/peer/state":
            with lock:
                return self.answer(200, json.dumps(state))
        if self.path.endswith("/.backstage/auth/v1/jwks.json"):
            with lock:
                state["fetches"] += 1
            if jwks_status != 200:
                return self.answer(jwks_status, '{"error":{"name":"NotFoundError","message":"no keys"}}')
            with open(jwks_file) as keys:
                return self.answer(200, keys.read())
        with lock:
            state["authorizations"].append(self.headers.get("Authorization", ""))
        return self.answer(200, "[]")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with lock:
            state["authorizations"].append(self.headers.get("Authorization", ""))
        return self.answer(200, "[]")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
