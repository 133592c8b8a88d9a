#!/usr/bin/python3
"""nmdm(4) stand-in for the bhyve-tui simulator: two pty pairs joined back to back.

Usage: nmdm-relay.py LINK_A LINK_B PIDFILE LOCKDIR VIOLATIONS_LOG

Each side is a Linux pty whose slave is published as the symlink LINK_A / LINK_B (the
/dev/nmdmXA and /dev/nmdmXB of the sim tree), so each end is a real tty that passes
isatty(). Bytes read from one master go to the other master. Bytes written while the
other side had no opener are dropped, as with nmdm.

What FreeBSD's tty layer does with the pair, and how it is modelled here (see the
"nmdm pairs" section of driver/sim/README.md):

* Modes. Each side starts with FreeBSD's defaults (sys/sys/ttydefaults.h: cooked, echo,
  CREAD|CS8|HUPCL, no CLOCAL) and gets them back when it goes from no openers to opened
  (sys/kern/tty.c ttydev_open). The relay resets a side once it sees it fully closed.
  On Linux tcgetattr/tcsetattr on a pty master act on its slave, so the relay reads and
  sets each side's modes through its master.
* Carrier. A side has carrier (DCD) while the other side is open (sys/dev/nmdm/nmdm.c:
  opening raises DTR, nmdm_modem gives the peer DCD; nmdm_task_tty drops the peer's DCD
  once a side is no longer opened). When the last opener of one side closes, the other
  side, if it is open without CLOCAL, becomes a zombie (sys/kern/tty_ttydisc.c
  ttydisc_modem): its openers read end of file and get EIO on write until they all closed
  it (ttydisc_close clears TF_ZOMBIE). Modelled with Linux's own hangup: the relay closes
  that side's master (the slave is hung up: reads return 0, writes EIO), makes a fresh pty
  for the side and republishes its link, so later opens get a working side.
* Blocking opens. An open without O_NONBLOCK of a side without CLOCAL waits for carrier
  (tty.c ttydev_open). inotify's IN_OPEN carries no flags, so the relay applies this rule:
  an open of a side that is already held open (an earlier open file is still there),
  while the side lacks CLOCAL and the other side is closed, could be such an open (libuv
  reopens a tty by name without O_NONBLOCK) and is written to VIOLATIONS_LOG. So is an open
  of a side while earlier openers still hold it as a zombie. Identical unread inotify
  events merge, so events are not counted: at an IN_OPEN the open files still held are
  (holders in /proc/*/fd; dup()ed descriptors such as a child's stdin are told apart from
  separate opens with kcmp(2)), and a close after which the side is still held shows two
  open files overlapped (libuv dup2()s its reopened file over the old descriptor).
* Fault: SIGUSR1 makes side B a zombie as if it had lost carrier without CLOCAL, whatever
  its modes (tests use it to exercise a client's recovery).

Opens are noticed through inotify (IN_OPEN on the pty slave) and writes through IN_MODIFY;
the order of those events tells whether bytes were written before the peer opened
(dropped) or after (delivered), even when the relay runs late. A side that nobody holds
open makes its master report POLLHUP; it is left out of poll() so there is no tight loop.
Without inotify, closed sides are re-checked on a 200 ms timer (and blocking opens are not
detected). When both sides have been closed for more than 2 s (and the relay is older than
2 s, and no zombie opener remains) the pair is torn down: links and pid file removed,
process exits. LOCKDIR is the mkdir lock openers hold while they open a side, so teardown
and mode resets cannot race an open.
"""
import ctypes
import shutil
import errno
import os
import platform
import select
import signal
import struct
import sys
import termios
import time

RECHECK_S = 0.2
# The "slow relay" fault for the open check: a loaded host where the relay runs late, both
# before it scans who holds a side and between that scan and the comparison of the files.
SCAN_DELAY_S = int(os.environ.get("NMDM_RELAY_SCAN_DELAY_MS", "0") or 0) / 1000
IDLE_TEARDOWN_S = 2.0
MAX_PENDING = 64 * 1024
IN_MODIFY = 0x02
IN_CLOSE = 0x08 | 0x10  # IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_OPEN = 0x20
KCMP_FILE = 0
SYS_KCMP = {"x86_64": 312, "aarch64": 272, "riscv64": 272, "i386": 349, "i686": 349,
            "armv7l": 378, "ppc64le": 354, "s390x": 343}.get(platform.machine())

libc = ctypes.CDLL(None, use_errno=True)

BLOCKING_TEXT = "would block on FreeBSD: no CLOCAL and no carrier (tty.c ttydev_open)"
ZOMBIE_TEXT = ("joins a zombie on FreeBSD: earlier openers still hold it after it lost carrier, "
               "and it stays a zombie until all of them closed it (tty_ttydisc.c ttydisc_close)")


def cc_byte(v):
    return bytes([v])


def set_freebsd_defaults(fd):
    """FreeBSD's initial termios (ttydefaults.h TTYDEF_*), on the slave behind master fd."""
    attrs = termios.tcgetattr(fd)
    attrs[0] = termios.BRKINT | termios.ICRNL | termios.IMAXBEL | termios.IXON | termios.IXANY
    attrs[1] = termios.OPOST | termios.ONLCR
    attrs[2] = termios.CREAD | termios.CS8 | termios.HUPCL
    attrs[3] = (termios.ICANON | termios.ISIG | termios.IEXTEN | termios.ECHO | termios.ECHOE
                | termios.ECHOKE | termios.ECHOCTL)
    attrs[4] = attrs[5] = termios.B9600
    cc = list(attrs[6])
    for i in range(len(cc)):
        cc[i] = cc_byte(0)  # Linux's _POSIX_VDISABLE
    for key, val in (("VEOF", 4), ("VERASE", 0x7F), ("VWERASE", 23), ("VKILL", 21),
                     ("VREPRINT", 18), ("VINTR", 3), ("VQUIT", 28), ("VSUSP", 26),
                     ("VSTART", 17), ("VSTOP", 19), ("VLNEXT", 22), ("VDISCARD", 15),
                     ("VMIN", 1), ("VTIME", 0)):
        cc[getattr(termios, key)] = cc_byte(val)
    attrs[6] = cc
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def has_clocal(master):
    try:
        return bool(termios.tcgetattr(master)[2] & termios.CLOCAL)
    except termios.error:
        return False


def is_relay_link(link):
    """A link a relay published (to a pty slave); nothing else at the name is replaced."""
    try:
        return os.readlink(link).startswith("/dev/pts/")
    except OSError:
        return False


def publish(target, link):
    if os.path.lexists(link) and not is_relay_link(link):
        sys.stderr.write("%s is not a console the simulator made; not replacing it\n" % link)
        return False
    tmp = "%s.tmp.%d" % (link, os.getpid())
    remove(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, link)
    return True


def remove_own_link(link, target):
    """Remove link only while it is this relay's (a newer relay may have published its own)."""
    try:
        if os.readlink(link) == target:
            os.unlink(link)
    except OSError:
        pass


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def inotify_init():
    try:
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        return fd if fd >= 0 else None
    except AttributeError:
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


def describe_holders(hs):
    """' (held by PID CMDLINE fds N,M; ...)': which process holds which descriptors, for the
    violations log, since the pids are gone by the time anyone reads it."""
    parts = []
    for pid in sorted({pid for pid, _ in hs}):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                # one line per violation: arguments may hold newlines too
                cmd = " ".join(f.read().decode("utf-8", "replace").split())
        except OSError:
            cmd = "?"
        if len(cmd) > 80:
            cmd = cmd[:77] + "..."
        fds = ",".join(str(fd) for p, fd in sorted(hs) if p == pid)
        parts.append("%d %s fds %s" % (pid, cmd, fds))
    return " (held by %s)" % "; ".join(parts) if parts else ""


def holders(names):
    """(pid, fd) of every descriptor in /proc whose target is one of names."""
    out = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        d = "/proc/%s/fd" % entry
        try:
            fds = os.listdir(d)
        except OSError:
            continue
        for f in fds:
            try:
                if os.readlink("%s/%s" % (d, f)) in names:
                    out.append((int(entry), int(f)))
            except OSError:
                pass
    return out


def kcmp_works():
    if SYS_KCMP is None:
        return False
    r, w = os.pipe()
    try:
        d = os.dup(r)
        same = libc.syscall(SYS_KCMP, os.getpid(), os.getpid(), KCMP_FILE, r, d)
        other = libc.syscall(SYS_KCMP, os.getpid(), os.getpid(), KCMP_FILE, r, w)
        os.close(d)
        return same == 0 and other > 0
    finally:
        os.close(r)
        os.close(w)


def fd_target(pid, fd):
    try:
        return os.readlink("/proc/%d/fd/%d" % (pid, fd))
    except OSError:
        return None


def open_files(hs, names):
    """How many distinct open files (open(2) calls) of a side the descriptors hs refer to.

    hs is a scan of /proc, already old when kcmp compares: a process may have closed or
    redirected a descriptor since (the stty wrapper's `0</dev/null` right after it got the
    console), and kcmp would then compare some other file. So only descriptors that still
    name the side after the comparison count, and a set that changed is compared again.
    Descriptors kcmp cannot compare (the process exited meanwhile) count as duplicates, so
    a vanished or changing process never makes a violation."""
    time.sleep(SCAN_DELAY_S)
    for _ in range(3):
        live = [(pid, fd) for pid, fd in hs if fd_target(pid, fd) in names]
        reps = []
        for pid, fd in live:
            dup = False
            for rpid, rfd in reps:
                res = libc.syscall(SYS_KCMP, pid, rpid, KCMP_FILE, fd, rfd)
                if res <= 0:  # 0: same file; -1: cannot tell
                    dup = True
                    break
            if not dup:
                reps.append((pid, fd))
        still = [(pid, fd) for pid, fd in live if fd_target(pid, fd) in names]
        if still == live:
            return len(reps)
        hs = still
    return len([r for r in reps if r in still])


class Side:
    def __init__(self, link, inotify):
        self.link = link
        self.dev = "/dev/" + os.path.basename(link)
        self.inotify = inotify
        self.master = -1
        self.slave_name = ""
        self.wd = -1
        self.open = False  # someone holds the slave open
        self.closed_since = time.monotonic()
        self.pending = bytearray()  # bytes waiting to be written to this side
        # was the peer open at this side's latest write (from the inotify order)?
        self.last_write_peer_open = False
        # earlier slaves of this side that were hung up: (name, the relay's own descriptor of it)
        self.zombies = []
        self.reset_due = False  # fully closed, modes not yet back to the defaults
        self.peer = None
        self.new_pty()

    def new_pty(self):
        """A fresh pty with FreeBSD's initial modes; its slave is not held by anyone."""
        master, slave = os.openpty()
        name = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(master, False)
        set_freebsd_defaults(master)
        wd = -1
        if self.inotify is not None:
            wd = libc.inotify_add_watch(self.inotify, name.encode(), IN_MODIFY | IN_OPEN | IN_CLOSE)
        self.master, self.slave_name, self.wd = master, name, wd
        self.reset_due = False

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
    link_a, link_b, pidfile, lockdir, violations = sys.argv[1:6]
    started = time.monotonic()
    inotify = inotify_init()
    a, b = Side(link_a, inotify), Side(link_b, inotify)
    if inotify is not None and (a.wd < 0 or b.wd < 0):
        os.close(inotify)
        inotify = None
        a.inotify = b.inotify = None
    a.peer, b.peer = b, a
    sides = (a, b)
    by_wd = {s.wd: (s, s.slave_name) for s in sides}
    use_kcmp = kcmp_works()

    def cleanup(*_):
        for s in sides:
            remove_own_link(s.link, s.slave_name)
        try:
            with open(pidfile) as f:
                mine = f.read().strip() == str(os.getpid())
        except OSError:
            mine = False
        if mine:
            remove(pidfile)
        os._exit(0)

    signal.signal(signal.SIGTERM, cleanup)
    signal.signal(signal.SIGINT, cleanup)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # SIGUSR1 (the "carrier drop on B" fault) wakes poll() through this pipe.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGUSR1, lambda *_: None)

    # The "slow relay" fault: a loaded host where python3 takes this long to start.
    time.sleep(int(os.environ.get("NMDM_RELAY_DELAY_MS", "0") or 0) / 1000)
    for s in sides:
        if not publish(s.slave_name, s.link):
            cleanup()
    with open(pidfile + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(pidfile + ".tmp", pidfile)

    def lock_is_stale():
        """The lock's opener was killed while it held it (fs-lock.ts takes such a lock over too)."""
        try:
            with open(os.path.join(lockdir, "owner")) as f:
                owner = int(f.read().strip() or "0")
        except (OSError, ValueError):
            try:
                return time.time() - os.stat(lockdir).st_mtime > IDLE_TEARDOWN_S
            except OSError:
                return False
        try:
            os.kill(owner, 0)
            return False
        except ProcessLookupError:
            return True
        except PermissionError:
            return False

    def locked(fn):
        """Run fn holding the pair's lock; False (fn not run) when a live opener holds it."""
        try:
            os.mkdir(lockdir)
        except FileExistsError:
            if not lock_is_stale():
                return False
            aside = "%s.stale.%d" % (lockdir, os.getpid())
            try:
                os.rename(lockdir, aside)
                shutil.rmtree(aside, ignore_errors=True)
                os.mkdir(lockdir)
            except OSError:
                return False
        try:
            fn()
        finally:
            remove(os.path.join(lockdir, "owner"))
            try:
                os.rmdir(lockdir)
            except OSError:
                pass
        return True

    def record(text):
        line = "%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), text)
        try:
            os.makedirs(os.path.dirname(violations), exist_ok=True)
            with open(violations, "a") as f:
                f.write(line)
        except OSError:
            pass

    def record_open(s, text, hs):
        """A violation by an open of side s, with the holders hs (pid, fd) of what it names."""
        pids = sorted({pid for pid, _ in hs})
        record("%s pids %s: open of %s %s%s" % (s.dev, ",".join(map(str, pids)), s.dev, text, describe_holders(hs)))

    def zombie_holders(s):
        """Holders (pid, fd) of a hung-up earlier slave of s; forgets slaves nobody holds."""
        found = []
        keep = []
        for name, fd in s.zombies:
            hs = holders({name, name + " (deleted)"})
            if hs:
                keep.append((name, fd))
                found += hs
            elif fd >= 0:
                os.close(fd)  # nobody else holds it: its pty number may be reused from now on
        s.zombies = keep
        return found

    def hang_up(s):
        """s lost carrier without CLOCAL: its openers become zombies, later opens work."""
        old_master, old_wd, old_name = s.master, s.wd, s.slave_name
        # The relay keeps a descriptor of the old slave while it tracks the zombie: Linux frees
        # a pty's number once its last opener closes, and a later pty of anyone (another test's
        # terminal) reusing the name must not pass for a zombie opener.
        try:
            zombie_fd = os.open(old_name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            zombie_fd = -1
        s.new_pty()
        by_wd[s.wd] = (s, s.slave_name)
        publish(s.slave_name, s.link)  # before the old slave vanishes: the link never dangles
        os.close(old_master)  # Linux hangs up the old slave: reads return 0, writes EIO
        if inotify is not None and old_wd >= 0:
            libc.inotify_rm_watch(inotify, old_wd)
        s.zombies.append((old_name, zombie_fd))
        s.mark_closed()

    def reset_modes(s):
        def fn():
            if not s.probe_open():
                set_freebsd_defaults(s.master)
            s.reset_due = False
        locked(fn)

    def try_teardown():
        def fn():
            if not a.probe_open() and not b.probe_open() and not zombie_holders(a) and not zombie_holders(b):
                cleanup()
        locked(fn)

    backlog = []  # inotify events read ahead, replayed first in the next round
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
        if (inotify is None and not (a.open and b.open)) or a.reset_due or b.reset_due:
            timeout = RECHECK_S * 1000
        if backlog:
            timeout = 0

        poller = select.poll()
        for s in sides:
            if not s.open:
                continue
            ev = 0
            if len(s.peer.pending) < MAX_PENDING:
                ev |= select.POLLIN
            if s.pending:
                ev |= select.POLLOUT
            poller.register(s.master, ev)
        if inotify is not None:
            poller.register(inotify, select.POLLIN)
        poller.register(wake_r, select.POLLIN)
        by_fd = {s.master: s for s in sides}
        was_open = {id(s): s.open for s in sides}

        # 1. move bytes; remember what arrived and which sides were closed
        arrived = []
        closed = []
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
                    closed.append(s)
                    continue
            if ev & select.POLLOUT and s.pending:
                try:
                    del s.pending[: os.write(fd, s.pending)]
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    closed.append(s)
                    continue
            if ev & (select.POLLHUP | select.POLLERR) and not ev & select.POLLIN:
                closed.append(s)
        fault = False
        try:
            while True:
                got = os.read(wake_r, 512)
                if not got:
                    break
                fault = fault or signal.SIGUSR1 in got
        except BlockingIOError:
            pass

        # 2. replay opens and writes in kernel order. Closes seen in step 1 take effect
        # afterwards: an open replayed here may have happened before them.
        if inotify is not None:
            scans = {}
            closed_last = {}  # side whose latest event is a close -> was its peer open then?
            events, backlog = backlog + read_events(inotify), []
            for wd, mask in events:
                s, name = by_wd.get(wd, (None, ""))
                if s is None:
                    continue
                if name != s.slave_name:
                    continue  # an earlier slave, hung up since: its modes are gone
                if mask & IN_OPEN:
                    if s.zombies:
                        zs = zombie_holders(s)
                        if zs:
                            record_open(s, ZOMBIE_TEXT, zs)
                    if name not in scans:
                        time.sleep(SCAN_DELAY_S)
                        scans[name] = holders({name})
                    hs = scans[name]
                    # Identical unread events merge, so one IN_OPEN may stand for several
                    # opens: count the open files held now instead of the events.
                    again = open_files(hs, {name}) >= 2 if use_kcmp else s.open
                    if again and not s.peer.open and not has_clocal(s.master):
                        record_open(s, BLOCKING_TEXT, hs)
                    s.open = True  # a later POLLHUP corrects this if it closed again
                    closed_last.pop(s, None)
                if mask & IN_CLOSE:
                    closed_last[s] = s.peer.open
                if mask & IN_MODIFY:
                    s.last_write_peer_open = s.peer.open
            # An open file closed while the side stays held: two open files overlapped, so
            # the later of them was opened while the side was open (libuv's reopen, then
            # dup2() over the first descriptor, leaves one). Judged only when no open of
            # the side came after the scan (its IN_OPEN is queued before the fd exists).
            for s, peer_open in closed_last.items():
                if peer_open or has_clocal(s.master):
                    continue
                hs = holders({s.slave_name})
                if not hs:
                    continue
                later = read_events(inotify)
                backlog += later
                if any(mask & IN_OPEN and by_wd.get(wd, (None,))[0] is s for wd, mask in later):
                    continue
                record_open(s, BLOCKING_TEXT, hs)

        # 3. last closes: the peer loses carrier; the side gets its initial modes back
        for s in dict.fromkeys(closed):
            s.mark_closed()
            if s.probe_open():
                s.open = True  # opened again meanwhile (its IN_OPEN may still be unread)
            else:
                s.reset_due = True
            y = s.peer
            if was_open[id(y)] and y.open and y.probe_open() and not has_clocal(y.master):
                hang_up(y)
        if fault and b.open:
            hang_up(b)
        for s in sides:
            if s.reset_due:
                reset_modes(s)

        # 4. deliver bytes written while the peer was open; drop the rest
        for s, data in arrived:
            peer = s.peer
            written_while_open = s.last_write_peer_open if inotify is not None else True
            if peer.open and written_while_open:
                peer.pending += data


if __name__ == "__main__":
    main()
