#!/usr/bin/python3
"""Runs a command on a fresh pseudo-terminal for the console tests.

Usage: pty-run.py COMMAND [ARG...]

The command gets a real terminal (80x24, the usual cooked settings of a new pty) as its
stdin, stdout and stderr. Bytes on this script's stdin are written to the terminal (as if
typed), everything the command writes to the terminal comes out on this script's stdout
unchanged. Once nothing holds the terminal any more, this script exits with the
command's status (128 + N after signal N). The command's pid goes to stderr as "pid N".
"""
import errno
import fcntl
import os
import pty
import select
import struct
import sys
import termios


def main():
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[1], sys.argv[1:])
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    sys.stderr.write("pid %d\n" % pid)
    sys.stderr.flush()
    out = sys.stdout.buffer
    stdin_open = True
    while True:
        fds = [master, 0] if stdin_open else [master]
        ready, _, _ = select.select(fds, [], [])
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                stdin_open = False
            view = memoryview(data)
            while view:
                try:
                    view = view[os.write(master, view):]
                except BlockingIOError:
                    select.select([], [master], [])
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""  # EIO: the last holder of the terminal closed it
            if not data:
                break
            out.write(data)
            out.flush()
    _, status = os.waitpid(pid, 0)
    sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
