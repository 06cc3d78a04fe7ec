#!/usr/bin/python3
"""An HTTP relay that records request lines: the tests read from its log
which method and path reached a server that keeps no log of its own
(openssl ocsp).

    httprelay.py LISTEN_PORT UPSTREAM_PORT LOG
"""
import socket
import sys
import threading

LISTEN, UPSTREAM, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(client):
    data = b""
    while b"\r\n" not in data:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        data += chunk
    with lock, open(LOG, "a") as f:
        f.write(data.split(b"\r\n", 1)[0].decode("latin-1") + "\n")
    try:
        up = socket.create_connection(("127.0.0.1", UPSTREAM))
    except OSError:
        client.close()  # the server is down: so is the relay, for this one
        return
    up.sendall(data)
    threading.Thread(target=pump, args=(up, client), daemon=True).start()
    pump(client, up)


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", LISTEN))
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
