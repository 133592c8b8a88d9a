#!/usr/bin/python3
"""nmdm(4) stand-in for the bhyve-tui simulator: two pty pairs joined back to back.

Usage: nmdm-relay.py LINK_A LINK_B PIDFILE LOCKDIR

Both pty slaves are put in raw mode and published as symlinks LINK_A / LINK_B (the
/dev/nmdmXA and /dev/nmdmXB of the sim tree), so each end is a real tty that passes
isatty(). Bytes read from one master go to the other master. Bytes written while the
other side had no opener are dropped, as with nmdm. A side that nobody holds open
makes its master report POLLHUP / EIO; it is left out of poll() so there is no tight
loop. Opens are noticed through inotify (IN_OPEN on the pty slave) and writes through
IN_MODIFY; the order of those events tells whether bytes were written before the peer
opened (dropped) or after (delivered), even when the relay runs late. Without inotify,
closed sides are re-checked on a 200 ms timer. When both sides have been closed for
more than 2 s (and the relay is older than 2 s) the pair is torn down: links and pid
file removed, process exits. LOCKDIR is the mkdir lock openers hold while they open a
side, so teardown cannot race an open.
"""
import ctypes
import errno
import os
import select
import signal
import struct
import sys
import termios
import time
import tty

RECHECK_S = 0.2
IDLE_TEARDOWN_S = 2.0
MAX_PENDING = 64 * 1024
IN_MODIFY = 0x02
IN_OPEN = 0x20


def make_raw(fd):
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[2] |= termios.CLOCAL  # cflag: like bhyve's side, ignore modem control
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def publish(target, link):
    tmp = "%s.tmp.%d" % (link, os.getpid())
    remove(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def open_inotify(sides):
    """inotify fd watching opens and writes of each side's slave (sets side.wd), or None."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            return None
        for s in sides:
            s.wd = libc.inotify_add_watch(fd, s.slave_name.encode(), IN_MODIFY | IN_OPEN)
            if s.wd < 0:
                os.close(fd)
                return None
        return fd
    except (OSError, AttributeError):
        return None


def read_events(fd):
    """Drain the inotify queue: [(wd, mask)] in order."""
    out = []
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return out
        if not data:
            return out
        off = 0
        while off + 16 <= len(data):
            wd, mask, _cookie, length = struct.unpack_from("iIII", data, off)
            out.append((wd, mask))
            off += 16 + length


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
        self.wd = -1
        # was the peer open at this side's latest write (from the inotify order)?
        self.last_write_peer_open = False

    def probe_open(self):
        p = select.poll()
        p.register(self.master, select.POLLIN)
        return not any(ev & (select.POLLHUP | select.POLLERR) for _, ev in p.poll(0))

    def mark_closed(self):
        if self.open:
            self.open = False
            self.closed_since = time.monotonic()
        self.pending.clear()


def main():
    link_a, link_b, pidfile, lockdir = sys.argv[1:5]
    started = time.monotonic()
    a, b = Side(link_a), Side(link_b)
    sides = (a, b)
    peer_of = {id(a): b, id(b): a}

    def cleanup(*_):
        for s in sides:
            remove(s.link)
        remove(pidfile)
        os._exit(0)

    signal.signal(signal.SIGTERM, cleanup)
    signal.signal(signal.SIGINT, cleanup)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    inotify = open_inotify(sides)
    by_wd = {s.wd: s for s in sides}
    for s in sides:
        os.close(s.first_slave)
    if inotify is not None:
        read_events(inotify)  # our own setup opens
    for s in sides:
        publish(s.slave_name, s.link)
    with open(pidfile + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(pidfile + ".tmp", pidfile)

    def try_teardown():
        try:
            os.mkdir(lockdir)
        except FileExistsError:
            return  # an opener is busy; try again next round
        try:
            if not a.probe_open() and not b.probe_open():
                cleanup()
        finally:
            try:
                os.rmdir(lockdir)
            except OSError:
                pass

    while True:
        now = time.monotonic()
        if inotify is None:
            for s in sides:
                if not s.open and s.probe_open():
                    s.open = True
        timeout = None
        if not a.open and not b.open:
            idle = now - max(a.closed_since, b.closed_since)
            wait = max(IDLE_TEARDOWN_S - idle, IDLE_TEARDOWN_S - (now - started))
            if wait < 0:
                try_teardown()
                wait = RECHECK_S
            timeout = (wait + 0.05) * 1000
        if inotify is None and not (a.open and b.open):
            timeout = RECHECK_S * 1000

        poller = select.poll()
        for s in sides:
            if not s.open:
                continue
            ev = 0
            if len(peer_of[id(s)].pending) < MAX_PENDING:
                ev |= select.POLLIN
            if s.pending:
                ev |= select.POLLOUT
            poller.register(s.master, ev)
        if inotify is not None:
            poller.register(inotify, select.POLLIN)
        by_fd = {s.master: s for s in sides}

        # 1. move bytes; remember what arrived without deciding where it goes yet
        arrived = []
        for fd, ev in poller.poll(timeout):
            s = by_fd.get(fd)
            if s is None:
                continue
            if ev & select.POLLIN:
                try:
                    data = os.read(fd, 4096)
                    if data:
                        arrived.append((s, data))
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    s.mark_closed()
                    continue
            if ev & select.POLLOUT and s.pending:
                try:
                    del s.pending[: os.write(fd, s.pending)]
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    s.mark_closed()
                    continue
            if ev & (select.POLLHUP | select.POLLERR) and not ev & select.POLLIN:
                s.mark_closed()

        # 2. replay opens and writes in kernel order
        if inotify is not None:
            for wd, mask in read_events(inotify):
                s = by_wd.get(wd)
                if s is None:
                    continue
                if mask & IN_OPEN:
                    s.open = True  # a later POLLHUP corrects this if it closed again
                if mask & IN_MODIFY:
                    s.last_write_peer_open = peer_of[id(s)].open

        # 3. deliver bytes written while the peer was open; drop the rest
        for s, data in arrived:
            peer = peer_of[id(s)]
            written_while_open = s.last_write_peer_open if inotify is not None else True
            if peer.open and written_while_open:
                peer.pending += data


if __name__ == "__main__":
    main()
