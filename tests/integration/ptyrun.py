#!/usr/bin/env python3
"""ptyrun.py - runs a command on a pseudo-terminal that is not its
controlling terminal, so that the terminal can go away without the kernel
sending it SIGHUP: what a program sees of a terminal that is gone (EOF,
EIO, POLLHUP) and nothing else.

  ptyrun.py MODE TEXT SECONDS -- COMMAND...

The terminal is 120x40. Once the command's output shows TEXT (at most
SECONDS), its PID is printed, then by MODE:
  close  the terminal's master side is closed and ptyrun exits: the
         command is left an orphan whose terminal hung up;
  stall  the terminal is no longer read, so the command's writes block
         once the terminal's buffer is full; ptyrun waits (at most
         SECONDS) for the command to end and prints how it ended
         ("exit N", "signal N"), or "running".
Exit status 0, or 1 if TEXT never showed (the command is killed then).
"""
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def spawn(command, slave):
    pid = os.fork()
    if pid == 0:
        os.setsid()  # a session without a controlling terminal
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        # Python ignores SIGPIPE, a background job of a script SIGINT.
        for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        os.execvp(command[0], command)
    return pid


def wait_for_text(master, text, deadline):
    seen = b""
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([master], [], [], left)[0]:
            return False
        try:
            seen = (seen + os.read(master, 65536))[-65536:]
        except OSError:  # the command closed the terminal
            return False
    return True


def wait_for_end(pid, deadline):
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            if os.WIFSIGNALED(status):
                return "signal %d" % os.WTERMSIG(status)
            return "exit %d" % os.WEXITSTATUS(status)
        time.sleep(0.05)
    return "running"


def main():
    mode, text, seconds = sys.argv[1], sys.argv[2].encode(), float(sys.argv[3])
    command = sys.argv[sys.argv.index("--") + 1 :]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    pid = spawn(command, slave)
    os.close(slave)
    if not wait_for_text(master, text, time.monotonic() + seconds):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("ptyrun: %r never showed" % text.decode(), file=sys.stderr)
        return 1
    print(pid, flush=True)
    if mode == "close":
        os.close(master)
        return 0
    print(wait_for_end(pid, time.monotonic() + seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
