"""The sandbox's `select`: readiness of eryx sockets through the host's net_poll.

Installed as `select` at start-up (guest/runtime/eryx_net_install.py), so the unchanged stdlib
selectors (DefaultSelector is PollSelector here: there is no epoll) and asyncio's selector loop
wait on sockets in the host. Descriptors that are not eryx sockets (files, stdio) count as always
ready, as regular files do for poll(2). The POLL* values are Linux's.
"""

import sys as _sys
import time as _time

import _eryx_net

error = OSError

POLLIN = 0x1
POLLPRI = 0x2
POLLOUT = 0x4
POLLERR = 0x8
POLLHUP = 0x10
POLLNVAL = 0x20
POLLRDNORM = 0x40
POLLRDBAND = 0x80
POLLWRNORM = 0x100
POLLWRBAND = 0x200
POLLMSG = 0x400
POLLRDHUP = 0x2000

_READ = POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND
_WRITE = POLLOUT | POLLWRNORM | POLLWRBAND
# One host wait never outlasts this; a longer or unbounded wait polls again (the host caps -1 at
# its own I/O timeout, which must not end select(timeout=None)).
_MAX_WAIT_MS = 3_600_000


def _fd_of(obj):
    if isinstance(obj, int):
        fd = obj
    else:
        try:
            fileno = obj.fileno
        except AttributeError:
            raise TypeError(
                "argument must be an int, or have a fileno() method."
            ) from None
        fd = fileno()
        if not isinstance(fd, int):
            raise TypeError("fileno() returned a non-integer")
    if fd < 0:
        raise ValueError(f"file descriptor cannot be a negative integer ({fd})")
    return fd


def _sockets():
    # fileno -> host handle (0: not connected) of every open eryx socket (eryx_socket.py).
    return _eryx_shared.live  # noqa: F821 (set by the loader, shared by every copy of the shims)


def _wait(fd_events, timeout_ms, flags=0):
    """{fd: ERYX_POLL_* wanted} -> {fd: revents} of the ready ones; waits at most timeout_ms
    (-1: until one is ready)."""
    live = _sockets()
    ready, polled = {}, []
    for fd, events in fd_events.items():
        handle = live.get(fd)
        if handle is None:  # not an eryx socket: always ready, like a regular file
            ready[fd] = events & (_eryx_net.POLL_IN | _eryx_net.POLL_OUT)
        elif handle == 0:  # not connected: Linux answers POLLOUT | POLLHUP
            ready[fd] = _eryx_net.POLL_OUT | _eryx_net.POLL_HUP
        else:
            polled.append((fd, handle, events))
    if len(polled) > _eryx_net.POLL_MAX:
        raise ValueError(f"too many sockets to wait on at once (at most {_eryx_net.POLL_MAX})")
    if ready:
        timeout_ms = 0
    deadline = None if timeout_ms < 0 else _time.monotonic() + timeout_ms / 1000
    while True:
        wait_ms = _MAX_WAIT_MS
        if deadline is not None:
            wait_ms = min(wait_ms, max(0, int((deadline - _time.monotonic()) * 1000 + 0.999)))
        if not polled:
            if wait_ms > 0:
                _time.sleep(wait_ms / 1000)
        else:
            answer = _eryx_net.poll([(h, e) for _, h, e in polled], wait_ms, flags)
            if isinstance(answer, int):
                if answer != _eryx_net.INTERRUPTED:  # else the eval loop raises it now
                    raise _eryx_shared.exception(answer)  # noqa: F821
            else:
                for (fd, _, _), revents in zip(polled, answer):
                    if revents:
                        ready[fd] = revents
        if ready or flags or (deadline is not None and _time.monotonic() >= deadline):
            return ready


def _to_eryx(events):
    return (_eryx_net.POLL_IN if events & _READ else 0) | (_eryx_net.POLL_OUT if events & _WRITE else 0)


def select(rlist, wlist, xlist, timeout=None, /):
    """Waits until some of the descriptors are ready (eryx sockets in the host; others count as
    ready at once). Returns three lists of the objects passed in."""
    if timeout is None:
        timeout_ms = -1
    else:
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise TypeError("timeout must be a float or None") from None
        if timeout < 0:
            raise ValueError("timeout must be non-negative")
        timeout_ms = int(timeout * 1000 + 0.999)
    rlist, wlist, xlist = list(rlist), list(wlist), list(xlist)
    wanted = {}
    reads = [(obj, _fd_of(obj)) for obj in rlist]
    writes = [(obj, _fd_of(obj)) for obj in wlist]
    for obj in xlist:
        _fd_of(obj)
    for _, fd in reads:
        wanted[fd] = wanted.get(fd, 0) | _eryx_net.POLL_IN
    for _, fd in writes:
        wanted[fd] = wanted.get(fd, 0) | _eryx_net.POLL_OUT
    if not wanted:
        if timeout_ms != 0:
            _wait({}, timeout_ms)
        return [], [], []
    ready = _wait(wanted, timeout_ms)
    readable = _eryx_net.POLL_IN | _eryx_net.POLL_HUP | _eryx_net.POLL_ERR
    writable = _eryx_net.POLL_OUT | _eryx_net.POLL_ERR
    return (
        [obj for obj, fd in reads if ready.get(fd, 0) & readable],
        [obj for obj, fd in writes if ready.get(fd, 0) & writable],
        [],
    )


class poll:
    """select.poll() over eryx sockets (and always-ready other descriptors)."""

    def __init__(self):
        self._registered = {}

    def register(self, fd, eventmask=POLLIN | POLLPRI | POLLOUT, /):
        self._registered[_fd_of(fd)] = eventmask & 0xFFFF

    def modify(self, fd, eventmask, /):
        fd = _fd_of(fd)
        if fd not in self._registered:
            import errno

            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        self._registered[fd] = eventmask & 0xFFFF

    def unregister(self, fd, /):
        del self._registered[_fd_of(fd)]

    def poll(self, timeout=None, /):
        if timeout is None:
            timeout_ms = -1
        else:
            try:
                timeout = float(timeout)
            except (TypeError, ValueError):
                raise TypeError("timeout must be an integer or None") from None
            timeout_ms = -1 if timeout < 0 else int(timeout + 0.999)
        wanted = {fd: _to_eryx(mask) for fd, mask in self._registered.items()}
        if not wanted:
            if timeout_ms != 0:
                _wait({}, timeout_ms)
            return []
        ready = _wait(wanted, timeout_ms)
        out = []
        for fd, revents in ready.items():
            mask = self._registered[fd]
            result = 0
            if revents & _eryx_net.POLL_IN:
                result |= mask & _READ
            if revents & _eryx_net.POLL_OUT:
                result |= mask & _WRITE
            if revents & _eryx_net.POLL_ERR:
                result |= POLLERR
            if revents & _eryx_net.POLL_HUP:
                result |= POLLHUP
            if result:
                out.append((fd, result))
        return out


def wait_with_callbacks(selector_map, timeout_ms):
    """For the callback-aware selector (eryx_callbacks.py): waits once, in net_poll with
    ERYX_POLL_WAKE_ON_CALLBACKS, on the connected eryx sockets of a selector's map, so a socket or
    a callback completion ends the wait. False (nothing waited) when the map has none."""
    live = _sockets()
    wanted = {}
    for key in selector_map.values():
        if live.get(key.fd):
            events = (_eryx_net.POLL_IN if key.events & 1 else 0) | (
                _eryx_net.POLL_OUT if key.events & 2 else 0
            )
            wanted[key.fd] = events
    if not wanted:
        return False
    _wait(wanted, timeout_ms, _eryx_net.POLL_WAKE_ON_CALLBACKS)
    return True


__all__ = [name for name in globals() if not name.startswith("_") and name != "wait_with_callbacks"]
