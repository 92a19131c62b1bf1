#!/usr/bin/env python3
"""Test helper: a small recording proxy, for what microsocks cannot show.

    socks-peer.py LOG PORT [--http]

Listens on 127.0.0.1:PORT. As a SOCKS5 server (RFC 1928) it takes no authentication or
any username/password (RFC 1929), CONNECT, and Tor's RESOLVE extension (command 0xF0,
socks-extensions.txt), answering from a fixed table: leak.example is 203.0.113.1, other
names fail with "host unreachable". Tor is the real implementation of RESOLVE, but it needs
the network; the tests run in a private namespace without one. With --http it is an HTTP
CONNECT proxy instead. Every request is appended to LOG, one line each:
    auth USER PASS | noauth | connect ADDR PORT | resolve NAME | http-connect HOSTPORT AUTH
Prints "ready" once listening.
"""
import base64
import ipaddress
import socket
import struct
import sys
import threading

NAMES = {"leak.example": "203.0.113.1"}


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


def pipe(a, b):
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


def relay(client, host, port):
    upstream = socket.create_connection((host, port), timeout=5)
    upstream.settimeout(None)
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


def reply(client, code, addr="0.0.0.0", port=0):
    ip = ipaddress.ip_address(addr)
    atyp = 1 if ip.version == 4 else 4
    client.sendall(bytes([5, code, 0, atyp]) + ip.packed + struct.pack("!H", port))


def socks(client, path):
    ver, n = recv_exact(client, 2)
    methods = recv_exact(client, n)
    if 2 in methods:
        client.sendall(b"\x05\x02")
        recv_exact(client, 1)
        user = recv_exact(client, recv_exact(client, 1)[0]).decode()
        password = recv_exact(client, recv_exact(client, 1)[0]).decode()
        log(path, f"auth {user} {password}")
        client.sendall(b"\x01\x00")
    else:
        client.sendall(b"\x05\x00")
        log(path, "noauth")
    ver, cmd, _, atyp = recv_exact(client, 4)
    if atyp == 1:
        host = str(ipaddress.ip_address(recv_exact(client, 4)))
    elif atyp == 4:
        host = str(ipaddress.ip_address(recv_exact(client, 16)))
    else:
        host = recv_exact(client, recv_exact(client, 1)[0]).decode()
    (port,) = struct.unpack("!H", recv_exact(client, 2))
    if cmd == 0xF0:
        log(path, f"resolve {host}")
        if host in NAMES:
            reply(client, 0, NAMES[host])
        else:
            reply(client, 4)
        return
    log(path, f"connect {host} {port}")
    try:
        upstream_probe = socket.create_connection((host, port), timeout=5)
        upstream_probe.close()
    except OSError:
        reply(client, 5)
        return
    reply(client, 0)
    relay(client, host, port)


def http(client, path):
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(client, 1)
    lines = head.decode().split("\r\n")
    hostport = lines[0].split()[1]
    auth = "-"
    for line in lines[1:]:
        if line.lower().startswith("proxy-authorization: basic "):
            auth = base64.b64decode(line.split()[2]).decode()
    log(path, f"http-connect {hostport} {auth}")
    host, port = hostport.rsplit(":", 1)
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    relay(client, host.strip("[]"), int(port))


def serve(client, path, mode):
    try:
        mode(client, path)
    except (OSError, ConnectionError, ValueError):
        pass
    finally:
        client.close()


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    mode = http if "--http" in sys.argv[3:] else socks
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client, path, mode), daemon=True).start()


if __name__ == "__main__":
    main()
