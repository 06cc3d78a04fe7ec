# SPDX-License-Identifier: BSD-2-Clause
"""Byte pumps shared by the test relays (ldaprelay.py, httprelay.py)."""
import socket
import threading


def pump(a, b):
    """Copies a to b until either side closes, then shuts both down."""
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


def splice(client, upstream):
    """Relays both directions between client and upstream until closed."""
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
    pump(client, upstream)


def serve(port, handle):
    """Accepts on 127.0.0.1:port, one thread per connection."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()
