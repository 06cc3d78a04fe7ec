#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A relay in front of slapd that refuses LDAPv3 and passes LDAPv2.

    ldaprelay.py LISTEN_PORT SLAPD_PORT LOG

slapd cannot refuse v3 while accepting v2 (test-infrastructure notes): the
protocol version is only on the wire in a BindRequest.  A connection whose
first message is a v3 BindRequest (simple or SASL) gets a BindResponse
protocolError (2) and is closed; any other connection is relayed byte for
byte to slapd.  LOG gets one line per connection: "v3 refused" or
"v2 relayed" / "relayed"."""
import socket
import sys
import threading

from relaycommon import serve, splice

LISTEN, UPSTREAM, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def read_tlv(sock):
    """Reads one BER element; returns its bytes."""
    head = sock.recv(2, socket.MSG_WAITALL)
    if len(head) < 2:
        return b""
    n = head[1]
    lenbytes = b""
    if n & 0x80:
        lenbytes = sock.recv(n & 0x7F, socket.MSG_WAITALL)
        n = int.from_bytes(lenbytes, "big")
    return head + lenbytes + sock.recv(n, socket.MSG_WAITALL)


def parse_bind(msg):
    """Returns (msgid TLV, version) of a BindRequest, or None."""
    def tlv(buf, i):
        tag, n = buf[i], buf[i + 1]
        j = i + 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(buf[j:j + k], "big")
            j += k
        return tag, j, j + n

    try:
        _, i, _ = tlv(msg, 0)           # LDAPMessage SEQUENCE
        tag, j, end = tlv(msg, i)       # messageID
        msgid = msg[i:end]
        tag, j, _ = tlv(msg, end)       # protocolOp
        if tag != 0x60:
            return None
        tag, k, vend = tlv(msg, j)      # version INTEGER
        return msgid, int.from_bytes(msg[k:vend], "big")
    except IndexError:
        return None


def handle(client):
    first = read_tlv(client)
    bind = parse_bind(first) if first else None
    if bind is not None and bind[1] == 3:
        msgid, _ = bind
        body = msgid + bytes([0x61, 0x07, 0x0A, 0x01, 0x02, 0x04, 0x00,
                              0x04, 0x00])
        client.sendall(bytes([0x30, len(body)]) + body)
        client.close()
        log("v3 refused")
        return
    up = socket.create_connection(("127.0.0.1", UPSTREAM))
    up.sendall(first)
    log("v2 relayed" if bind is not None and bind[1] == 2 else "relayed")
    splice(client, up)


serve(LISTEN, handle)
