#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""An HTTP relay that records request lines: the tests read from its log
which method and path reached a server that keeps no log of its own
(openssl ocsp).

    httprelay.py LISTEN_PORT UPSTREAM_PORT LOG
"""
import socket
import sys
import threading

from relaycommon import serve, splice

LISTEN, UPSTREAM, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


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
    splice(client, up)


serve(LISTEN, handle)
