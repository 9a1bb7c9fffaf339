#!/usr/bin/env python3
"""churn_pcap.py - an hour of a busy host's traffic, for the disk a store
needs when top-N names churn (bench/rrd_churn.sh, docs/CONFIG.md "Sizing").

Usage: churn_pcap.py OUT.pcap [SECONDS] [SESSIONS_PER_SECOND] [SEED]

The host (198.18.0.10, 2001:db8:1::10) serves HTTPS, HTTP, SSH, SMTP, IMAPS
and DNS to clients drawn from 20,000 addresses (a few heavy, a long tail:
Zipf-like), one in 50 sessions to one of 300 high ports; it also opens
connections of its own to 500 servers. Every session has a fresh ephemeral
port, so every flow is a new top-flow key. Sessions are a handshake, a few
data segments each way and a FIN exchange (or one DNS query and answer).
The same arguments give the same bytes.
"""
import random
import struct
import sys

LOCAL4 = bytes([198, 18, 0, 10])
LOCAL6 = bytes.fromhex("20010db8000100000000000000000010")
MAC_A, MAC_B = bytes.fromhex("0afe00000001"), bytes.fromhex("0afe00000002")
SERVICES = [(6, 443, 50), (6, 80, 15), (6, 22, 5), (6, 25, 5), (6, 993, 5), (17, 53, 18)]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def frame(src, dst, proto, sport, dport, flags, payload):
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 5 << 4, flags, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + payload, 0)
    body = l4 + b"\0" * payload
    if len(src) == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, proto, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        return MAC_B + MAC_A + b"\x08\x00" + ip + body
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(body), proto, 64, src, dst)
    return MAC_B + MAC_A + b"\x86\xdd" + ip + body


def remote(rng, v6, n):
    # Zipf-like: index ~ n^u, so low indexes are drawn far more often.
    i = int(n ** rng.random()) - 1
    if v6:
        return bytes.fromhex("20010db80002") + struct.pack("!IHI", 0, i >> 16, i & 0xFFFF)[:10]
    return bytes([198, 19, (i >> 8) & 0xFF, i & 0xFF])


def session(rng, t):
    """Frames (time, bytes) of one session starting at t."""
    v6 = rng.random() < 0.2
    local = LOCAL6 if v6 else LOCAL4
    outbound = rng.random() < 0.25
    if outbound:
        peer, n = remote(rng, v6, 500), 500
        proto, port = (6, 443) if rng.random() < 0.8 else (17, 53)
        client, server, cport, sport = local, peer, rng.randint(32768, 60999), port
    else:
        peer = remote(rng, v6, 20000)
        if rng.random() < 0.02:
            proto, port = 6, 8000 + rng.randint(0, 299)
        else:
            proto, port, _ = rng.choices(SERVICES, weights=[w for _, _, w in SERVICES])[0]
        client, server, cport, sport = peer, local, rng.randint(1024, 65535), port
    up = lambda f, p: frame(client, server, proto, cport, sport, f, p)
    down = lambda f, p: frame(server, client, proto, sport, cport, f, p)
    out = []
    if proto == 17:
        return [(t, up(0, 40)), (t + 0.02, down(0, 120))]
    rtt = rng.uniform(0.005, 0.08)
    out += [(t, up(0x02, 0)), (t + rtt, down(0x12, 0)), (t + rtt * 1.1, up(0x10, 0))]
    t += rtt * 1.2
    for _ in range(rng.randint(1, 6)):
        out += [(t, up(0x18, rng.randint(50, 600))), (t + rtt, down(0x18, rng.randint(200, 1400)))]
        t += rtt * 1.5
    out += [(t, up(0x11, 0)), (t + rtt, down(0x11, 0)), (t + rtt * 1.1, up(0x10, 0))]
    return out


def main():
    path = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3600
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 20
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    frames = []
    for k in range(int(seconds * rate)):
        frames += session(rng, k / rate)
    frames.sort(key=lambda f: f[0])
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        base = 1700000000
        for t, data in frames:
            if t >= seconds:
                continue
            sec = int(t)
            f.write(struct.pack("<IIII", base + sec, int((t - sec) * 1e6), len(data), len(data)))
            f.write(data)
    print("%s: %d frames over %d s" % (path, len(frames), seconds))


if __name__ == "__main__":
    main()
