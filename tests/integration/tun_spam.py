#!/usr/bin/env python3
"""tun_spam.py - a TUN device whose frames carry a chosen link-layer
protocol, written as fast as it goes for a bounded time.

  tun_spam.py NAME PROTOCOL SECONDS

Creates the TUN device NAME with a packet-information header (IFF_TUN
without IFF_NO_PI), so the protocol of each frame is the PI header's, the
writer's choice (tun_get_user sets skb->protocol from it); brings it up,
prints "up", then writes 40-byte frames of PROTOCOL (hex, e.g. 05ff) until
SECONDS have passed, and prints how many it wrote. The device goes with
the process.
"""
import fcntl
import os
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001

name, proto, seconds = sys.argv[1], int(sys.argv[2], 16), float(sys.argv[3])
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN))
subprocess.run(["ip", "link", "set", name, "up"], check=True)
print("up", flush=True)
frame = struct.pack("!HH", 0, proto) + b"\x45" + bytes(39)
end = time.monotonic() + seconds
n = 0
while time.monotonic() < end:
    for _ in range(1000):
        os.write(fd, frame)
    n += 1000
print("wrote", n, flush=True)
