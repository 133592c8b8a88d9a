#!/usr/bin/python3
"""nmdm(4) stand-in for the bhyve-tui simulator: two pty pairs joined back to back.

Usage: nmdm-relay.py LINK_A LINK_B PIDFILE LOCKDIR

Both pty slaves are put in raw mode and published as symlinks LINK_A / LINK_B (the
/dev/nmdmXA and /dev/nmdmXB of the sim tree), so each end is a real tty that passes
isatty(). Bytes read from one master go to the other. A side whose slave nobody holds
open (the master reports POLLHUP / EIO) gets no data: what would go there is dropped,
like nmdm output with the peer closed. Such sides are re-checked on a 200 ms timer, never
in a tight loop. When both sides have been closed for more than 2 s (and the relay is
older than 2 s) the pair is torn down: links and pid file removed, process exits.
LOCKDIR is the mkdir lock openers hold while they open a side, so teardown cannot race
an open.
"""
import errno
import os
import select
import signal
import sys
import termios
import time
import tty

RECHECK_S = 0.2
IDLE_TEARDOWN_S = 2.0
MAX_PENDING = 64 * 1024


def make_raw(fd):
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[2] |= termios.CLOCAL  # cflag: like bhyve's side, ignore modem control
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def publish(target, link):
    tmp = "%s.tmp.%d" % (link, os.getpid())
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, link)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class Side:
    def __init__(self, link):
        self.link = link
        self.master, slave = os.openpty()
        make_raw(slave)
        self.slave_name = os.ttyname(slave)
        self.first_slave = slave  # closed once both links are published
        os.set_blocking(self.master, False)
        self.open = False  # someone holds the slave open
        self.closed_since = time.monotonic()
        self.pending = bytearray()  # bytes waiting to be written to this side

    def probe_open(self):
        p = select.poll()
        p.register(self.master, select.POLLIN)
        hup = any(ev & (select.POLLHUP | select.POLLERR) for _, ev in p.poll(0))
        return not hup


def main():
    link_a, link_b, pidfile, lockdir = sys.argv[1:5]
    started = time.monotonic()
    sides = [Side(link_a), Side(link_b)]

    def cleanup(*_):
        for s in sides:
            remove(s.link)
        remove(pidfile)
        os._exit(0)

    signal.signal(signal.SIGTERM, cleanup)
    signal.signal(signal.SIGINT, cleanup)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    for s in sides:
        publish(s.slave_name, s.link)
    with open(pidfile + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(pidfile + ".tmp", pidfile)
    for s in sides:
        os.close(s.first_slave)

    def mark_closed(s):
        if s.open:
            s.open = False
            s.closed_since = time.monotonic()
        s.pending.clear()

    while True:
        now = time.monotonic()
        for s in sides:
            if not s.open and s.probe_open():
                s.open = True
        a, b = sides
        if not a.open and not b.open:
            idle = now - max(a.closed_since, b.closed_since)
            if idle > IDLE_TEARDOWN_S and now - started > IDLE_TEARDOWN_S:
                try:
                    os.mkdir(lockdir)
                except FileExistsError:
                    pass  # an opener is busy; try again next round
                else:
                    try:
                        if not a.probe_open() and not b.probe_open():
                            for s in sides:
                                remove(s.link)
                            remove(pidfile)
                            os._exit(0)
                    finally:
                        try:
                            os.rmdir(lockdir)
                        except OSError:
                            pass

        poller = select.poll()
        watched = {}
        for s, peer in ((a, b), (b, a)):
            if not s.open:
                continue
            ev = 0
            if len(peer.pending) < MAX_PENDING:
                ev |= select.POLLIN
            if s.pending:
                ev |= select.POLLOUT
            poller.register(s.master, ev)
            watched[s.master] = (s, peer)
        timeout = None if (a.open and b.open) else RECHECK_S * 1000
        for fd, ev in poller.poll(timeout):
            s, peer = watched[fd]
            if ev & select.POLLIN:
                try:
                    data = os.read(fd, 4096)
                except BlockingIOError:
                    data = b""
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    mark_closed(s)
                    continue
                if data and peer.open:
                    peer.pending += data
            if ev & select.POLLOUT and s.pending:
                try:
                    n = os.write(fd, s.pending)
                    del s.pending[:n]
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    mark_closed(s)
                    continue
            if ev & (select.POLLHUP | select.POLLERR) and not ev & select.POLLIN:
                mark_closed(s)


if __name__ == "__main__":
    main()
