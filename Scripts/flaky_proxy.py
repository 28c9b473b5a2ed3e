#!/usr/bin/env python3
"""An HTTP proxy on 127.0.0.1 that makes a healthy server look unhealthy, for the object-storage tests.

    flaky_proxy.py --port P --target-port T [--fail-every N] [--kill-when-written FILE [--lines N] --kill-pid PID]

Forwards every request to 127.0.0.1:T unchanged (anonymous S3 requests carry no signature, so the
changed Host does not matter). --fail-every N answers every Nth request with 503 Slow Down instead,
as S3 does under load. --kill-when-written FILE sends SIGKILL to PID (the server) at the first
request after FILE (e.g. a build journal) holds N complete lines (default 1), and stops listening: from then on the
endpoint refuses connections, as a crashed server does.
Prints one line per request to stderr: "forward METHOD PATH STATUS", "503 METHOD PATH" or "killed".
"""
import argparse
import http.client
import http.server
import os
import signal
import sys
import threading

args = None
lock = threading.Lock()
count = 0


def written_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def relay(self):
        global count
        with lock:
            count += 1
            n = count
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if args.kill_when_written and written_lines(args.kill_when_written) >= args.lines:
            os.kill(args.kill_pid, signal.SIGKILL)
            print("killed", file=sys.stderr, flush=True)
            os._exit(0)
        if args.fail_every and n % args.fail_every == 0:
            message = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(message)
            print(f"503 {self.command} {self.path}", file=sys.stderr, flush=True)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", args.target_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive", "proxy-connection")}
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for k, v in response.getheaders():
            if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()
        print(f"forward {self.command} {self.path} {response.status}", file=sys.stderr, flush=True)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = relay


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--target-port", type=int, required=True)
    p.add_argument("--fail-every", type=int, default=0)
    p.add_argument("--kill-when-written", default="")
    p.add_argument("--lines", type=int, default=1)
    p.add_argument("--kill-pid", type=int, default=0)
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
