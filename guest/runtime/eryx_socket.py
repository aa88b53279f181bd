"""The sandbox's `_socket`: TCP client sockets over the host's net_* imports.

Installed as `_socket` at start-up (guest/runtime/eryx_net_install.py), so the unchanged stdlib
socket.py, http.client, urllib and asyncio run over it. The host decides everything: it resolves
names, checks every address against the sandbox's NetConfig and opens the connections; this
module only keeps the C-level socket API and turns the host's statuses into the exceptions
CPython raises.

- A sandbox can only open TCP connections: bind/listen/accept and UDP raise OSError.
- Names are resolved by the host only (getaddrinfo -> net_resolve, connect to a name ->
  net_connect): nothing here looks a name up.
- fileno() values are guest-side numbers from 1_000_000 up, far from real WASI descriptors, so
  select/selectors/asyncio can tell eryx sockets from files (eryx_select.py).
- A sandbox without a network answers every call with OSError(ENETUNREACH, "networking is
  disabled for this sandbox"): ENETUNREACH (a plain OSError, like a machine without a route)
  rather than EACCES (which Python turns into PermissionError, kept for policy refusals).
- A timeout that expires raises TimeoutError("timed out"), as CPython's socket.timeout does.
"""

import errno as _errno
import sys as _sys
import time as _time

import _eryx_net

# Linux values, so code written against a Linux CPython sees the numbers it expects.
AF_UNSPEC = 0
AF_UNIX = 1
AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOCK_RDM = 4
SOCK_SEQPACKET = 5
SOCK_NONBLOCK = 0o4000
SOCK_CLOEXEC = 0o2000000
IPPROTO_IP = 0
IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_IPV6 = 41
IPPROTO_ICMPV6 = 58
IPPROTO_RAW = 255
SOL_SOCKET = 1
SOL_TCP = 6
SOL_UDP = 17
SO_DEBUG = 1
SO_REUSEADDR = 2
SO_TYPE = 3
SO_ERROR = 4
SO_DONTROUTE = 5
SO_BROADCAST = 6
SO_SNDBUF = 7
SO_RCVBUF = 8
SO_KEEPALIVE = 9
SO_OOBINLINE = 10
SO_LINGER = 13
SO_REUSEPORT = 15
SO_RCVLOWAT = 18
SO_SNDLOWAT = 19
SO_RCVTIMEO = 20
SO_SNDTIMEO = 21
SO_ACCEPTCONN = 30
TCP_NODELAY = 1
TCP_MAXSEG = 2
TCP_CORK = 3
TCP_KEEPIDLE = 4
TCP_KEEPINTVL = 5
TCP_KEEPCNT = 6
TCP_QUICKACK = 12
TCP_USER_TIMEOUT = 18
TCP_NOTSENT_LOWAT = 25
IPV6_V6ONLY = 26
IP_TOS = 1
IP_TTL = 2
SHUT_RD = 0
SHUT_WR = 1
SHUT_RDWR = 2
MSG_OOB = 0x1
MSG_PEEK = 0x2
MSG_DONTROUTE = 0x4
MSG_CTRUNC = 0x8
MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
MSG_EOR = 0x80
MSG_WAITALL = 0x100
MSG_NOSIGNAL = 0x4000
AI_PASSIVE = 0x1
AI_CANONNAME = 0x2
AI_NUMERICHOST = 0x4
AI_V4MAPPED = 0x8
AI_ALL = 0x10
AI_ADDRCONFIG = 0x20
AI_NUMERICSERV = 0x400
NI_NUMERICHOST = 1
NI_NUMERICSERV = 2
NI_NOFQDN = 4
NI_NAMEREQD = 8
NI_DGRAM = 16
NI_MAXHOST = 1025
NI_MAXSERV = 32
EAI_BADFLAGS = -1
EAI_NONAME = -2
EAI_AGAIN = -3
EAI_FAIL = -4
EAI_NODATA = -5
EAI_FAMILY = -6
EAI_SOCKTYPE = -7
EAI_SERVICE = -8
EAI_ADDRFAMILY = -9
EAI_MEMORY = -10
EAI_SYSTEM = -11
EAI_OVERFLOW = -12
INADDR_ANY = 0
INADDR_BROADCAST = 0xFFFFFFFF
INADDR_NONE = 0xFFFFFFFF
INADDR_LOOPBACK = 0x7F000001
SOMAXCONN = 4096
has_ipv6 = True

error = OSError
timeout = TimeoutError


class herror(OSError):
    pass


class gaierror(OSError):
    pass


herror.__module__ = gaierror.__module__ = "socket"

# State shared by every copy of this module (a re-import after `del sys.modules['_socket']` or
# importlib.reload must see the sockets of the first): the loader (eryx_net_install.py) puts the
# same `_eryx_shared` into each copy. fileno()s count from 1_000_000 up, far from WASI's.
_shared = _eryx_shared  # noqa: F821
_live = _shared.live  # fileno -> host handle (0 before connect) of every open eryx socket
_detached = _shared.detached  # fileno -> (handle, family, type, proto) after detach()
_default_timeout = None

_NO_LISTEN = (
    "sandboxes cannot accept connections: {}() is not available (only outgoing TCP connections "
    "through the host are)"
)
_ONLY_TCP = "sandboxes support only TCP client sockets (SOCK_STREAM over AF_INET/AF_INET6)"
_SERVICES = {
    "echo": 7, "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53,
    "gopher": 70, "finger": 79, "http": 80, "www": 80, "pop3": 110, "nntp": 119, "ntp": 123,
    "imap": 143, "imap2": 143, "ldap": 389, "https": 443, "submissions": 465, "smtps": 465,
    "submission": 587, "ldaps": 636, "imaps": 993, "pop3s": 995, "socks": 1080, "mysql": 3306,
    "postgresql": 5432, "redis": 6379, "http-alt": 8080, "webcache": 8080,
}  # fmt: skip


def _new_fd():
    fd = _shared.next_fd
    _shared.next_fd += 1
    return fd


def _message():
    return _eryx_net.error() or "network operation failed"


def _exception(status):
    """The exception CPython raises for an ERYX_NET_* status, with the host's message."""
    n = _eryx_net
    if status == n.TIMED_OUT:
        return TimeoutError("timed out")
    if status == n.WOULD_BLOCK or status == n.WANT_WRITE:
        return BlockingIOError(_errno.EAGAIN, "Resource temporarily unavailable")
    message = _message()
    if status == n.DISABLED:
        return OSError(_errno.ENETUNREACH, message)
    if status == n.DENIED:
        return PermissionError(_errno.EACCES, message)
    if status == n.NOT_FOUND:
        return gaierror(EAI_NONAME, message)
    if status == n.LIMIT:
        return OSError(_errno.EMFILE, message)
    if status == n.REFUSED:
        return ConnectionRefusedError(_errno.ECONNREFUSED, message)
    if status == n.RESET:
        return ConnectionResetError(_errno.ECONNRESET, message)
    if status == n.BAD_HANDLE:
        return OSError(_errno.EBADF, message)
    if status == n.INVALID:
        return OSError(_errno.EINVAL, message)
    if status == n.UNREACHABLE:
        return OSError(_errno.ENETUNREACH, message)
    return OSError(_errno.EIO, message)


_shared.exception = _exception  # eryx_select.py raises the same exceptions

_ALREADY_CONNECTED = 1
# Statuses connect_ex() answers as an errno (the others raise, as refusals must be seen).
_CONNECT_EX_ERRNO = frozenset(
    {_eryx_net.REFUSED, _eryx_net.RESET, _eryx_net.UNREACHABLE, _eryx_net.IO_ERROR,
     _eryx_net.WOULD_BLOCK}
)  # fmt: skip


def _retrying(function, *args):
    # An interrupt ends a host wait with INTERRUPTED; the eval loop raises the pending
    # KeyboardInterrupt at its next check, i.e. in this loop, before the call is repeated.
    while True:
        result = function(*args)
        if result != _eryx_net.INTERRUPTED:
            return result


def _timeout_ms(seconds):
    if seconds is None:
        return -1
    if seconds <= 0:
        return 0
    return max(1, int(seconds * 1000 + 0.999))


def _check_port(port, function):
    if not isinstance(port, int):
        raise TypeError(f"'{type(port).__name__}' object cannot be interpreted as an integer")
    if not 0 <= port <= 0xFFFF:
        raise OverflowError(f"{function}(): port must be 0-65535.")
    return port


def _host_text(host):
    if isinstance(host, (bytes, bytearray)):
        return bytes(host).decode("ascii")
    if not isinstance(host, str):
        raise TypeError(f"str, bytes or bytearray expected, not {type(host).__name__}")
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    return host


def _split_address(address, family, function):
    if not isinstance(address, tuple):
        raise TypeError(
            f"{function}(): AF_INET{'6' if family == AF_INET6 else ''} address must be tuple, "
            f"not {type(address).__name__}"
        )
    if family == AF_INET6:
        if not 2 <= len(address) <= 4:
            raise TypeError(f"{function}(): AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])")
    elif len(address) != 2:
        raise TypeError(f"{function}(): AF_INET address must be a pair (host, port)")
    host = _host_text(address[0])
    if host in ("", "<broadcast>"):
        raise OSError(_errno.EINVAL, f"{function}(): cannot connect to {host or 'INADDR_ANY'!r}")
    if family == AF_INET6 and len(address) == 4 and address[3] and "%" not in host:
        host = f"{host}%{address[3]}"
    return host, _check_port(address[1], function)


def _format_record(family, packed, port, scope):
    if family == _eryx_net.IPV4:
        return AF_INET, (inet_ntop(AF_INET, packed), port)
    return AF_INET6, (inet_ntop(AF_INET6, packed), port, 0, scope)


class socket:
    """socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None): a TCP client socket whose
    connection lives in the host."""

    __slots__ = ("_family", "_type", "_proto", "_timeout", "_fd", "_handle", "_options")

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is not None:
            if not isinstance(fileno, int):
                raise TypeError("fileno must be an int")
            if fileno not in _detached:
                raise OSError(_errno.EBADF, "Bad file descriptor: not a detached sandbox socket")
            handle, d_family, d_type, d_proto = _detached.pop(fileno)
            family = d_family if family == -1 else family
            type = d_type if type == -1 else type
            proto = d_proto if proto == -1 else proto
            fd = fileno
        else:
            family = AF_INET if family == -1 else family
            type = SOCK_STREAM if type == -1 else type
            proto = 0 if proto == -1 else proto
            handle = 0
            fd = None
        if not isinstance(family, int) or not isinstance(type, int) or not isinstance(proto, int):
            raise TypeError("family, type and proto must be integers")
        if family not in (AF_INET, AF_INET6):
            raise OSError(_errno.EAFNOSUPPORT, f"address family {family} is not supported: {_ONLY_TCP}")
        if type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC) != SOCK_STREAM:
            raise OSError(_errno.EPROTONOSUPPORT, _ONLY_TCP)
        if proto not in (0, IPPROTO_TCP):
            raise OSError(_errno.EPROTONOSUPPORT, _ONLY_TCP)
        self._family = family
        self._type = SOCK_STREAM
        self._proto = proto
        self._timeout = 0.0 if type & SOCK_NONBLOCK else _default_timeout
        self._options = {}
        self._handle = handle
        self._fd = _new_fd() if fd is None else fd
        _live[self._fd] = handle

    # -- attributes ------------------------------------------------------------------------

    family = property(lambda self: self._family, doc="the socket family")
    type = property(lambda self: self._type, doc="the socket type")
    proto = property(lambda self: self._proto, doc="the socket protocol")
    timeout = property(lambda self: self._timeout, doc="the timeout in seconds (None: blocking)")

    def __repr__(self):
        return (
            f"<eryx socket object, fd={self.fileno()}, family={self._family}, "
            f"type={self._type}, proto={self._proto}>"
        )

    def fileno(self):
        return -1 if self._fd is None else self._fd

    def settimeout(self, value):
        if value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise TypeError("Timeout value must be int, float or None") from None
            if value != value:
                raise ValueError("Invalid value NaN (not a number)")
            if value < 0:
                raise ValueError("Timeout value out of range")
        self._timeout = value

    def gettimeout(self):
        return self._timeout

    def setblocking(self, flag):
        self._timeout = None if flag else 0.0

    def getblocking(self):
        return self._timeout != 0.0

    # -- connection ------------------------------------------------------------------------

    def _check_open(self):
        if self._fd is None:
            raise OSError(_errno.EBADF, "Bad file descriptor")

    def _connected(self):
        self._check_open()
        if not self._handle:
            raise OSError(_errno.ENOTCONN, "Transport endpoint is not connected")
        return self._handle

    def _error(self, status):
        """The exception for a failed call on this socket (ssl.SSLSocket maps TLS statuses)."""
        return _exception(status)

    def _connect(self, address):
        """0, _ALREADY_CONNECTED, or the host's negative status."""
        self._check_open()
        if self._handle:
            return _ALREADY_CONNECTED
        host, port = _split_address(address, self._family, "connect")
        # The host connects synchronously (bounded by its connect timeout) even for a
        # non-blocking socket, so a non-blocking connect completes here or fails.
        timeout = -1 if self._timeout == 0.0 else _timeout_ms(self._timeout)
        handle = _retrying(_eryx_net.connect, host, port, timeout)
        if handle < 0:
            return handle
        self._handle = handle
        _live[self._fd] = handle
        return 0

    def connect(self, address):
        status = self._connect(address)
        if status == _ALREADY_CONNECTED:
            raise OSError(_errno.EISCONN, "Transport endpoint is already connected")
        if status:
            raise self._error(status)

    def connect_ex(self, address):
        """As CPython: the errno of a failed connection, but a refusal by the sandbox (no
        network, the policy) or a name that does not resolve raises."""
        status = self._connect(address)
        if status == _ALREADY_CONNECTED:
            return _errno.EISCONN
        if status == _eryx_net.TIMED_OUT:
            return _errno.EWOULDBLOCK
        if status in _CONNECT_EX_ERRNO:
            return _exception(status).errno
        if status:
            raise self._error(status)
        return 0

    def bind(self, address):
        raise OSError(_errno.EOPNOTSUPP, _NO_LISTEN.format("bind"))

    def listen(self, backlog=None):
        raise OSError(_errno.EOPNOTSUPP, _NO_LISTEN.format("listen"))

    def _accept(self):
        raise OSError(_errno.EOPNOTSUPP, _NO_LISTEN.format("accept"))

    accept = _accept

    # -- data --------------------------------------------------------------------------------

    def _io_timeout(self, flags):
        if flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_WAITALL):
            raise OSError(_errno.EOPNOTSUPP, f"socket flags {flags:#x} are not supported in the sandbox")
        return 0 if flags & MSG_DONTWAIT else _timeout_ms(self._timeout)

    def recv(self, bufsize, flags=0):
        if bufsize < 0:
            raise ValueError("negative buffersize in recv")
        handle = self._connected()
        result = _retrying(_eryx_net.recv, handle, bufsize, self._io_timeout(flags))
        if isinstance(result, int):
            raise self._error(result)
        return result

    def recv_into(self, buffer, nbytes=0, flags=0):
        if nbytes < 0:
            raise ValueError("negative buffersize in recv_into")
        handle = self._connected()
        result = _retrying(_eryx_net.recv_into, handle, buffer, nbytes, self._io_timeout(flags))
        if result < 0:
            raise self._error(result)
        return result

    def recvfrom(self, bufsize, flags=0):
        data = self.recv(bufsize, flags)
        return data, self.getpeername()

    def recvfrom_into(self, buffer, nbytes=0, flags=0):
        return self.recv_into(buffer, nbytes, flags), self.getpeername()

    def send(self, data, flags=0):
        handle = self._connected()
        result = _retrying(_eryx_net.send, handle, data, self._io_timeout(flags))
        if result < 0:
            raise self._error(result)
        return result

    def sendall(self, data, flags=0):
        handle = self._connected()
        timeout = self._io_timeout(flags)
        deadline = None
        if timeout > 0:
            deadline = _time.monotonic() + self._timeout
        with memoryview(data) as view, view.cast("B") as octets:
            offset, total = 0, len(octets)
            while offset < total:
                if deadline is not None:
                    timeout = _timeout_ms(deadline - _time.monotonic())
                    if timeout == 0:
                        raise TimeoutError("timed out")
                sent = _retrying(_eryx_net.send, handle, octets[offset:], timeout)
                if sent < 0:
                    raise self._error(sent)
                offset += sent

    def sendto(self, *args):
        raise OSError(_errno.EOPNOTSUPP, f"sendto() is not available: {_ONLY_TCP}")

    def shutdown(self, how):
        if how not in (SHUT_RD, SHUT_WR, SHUT_RDWR):
            raise OSError(_errno.EINVAL, "Invalid argument")
        status = _eryx_net.shutdown(self._connected(), how)
        if status < 0:
            raise self._error(status)

    def close(self):
        fd, handle = self._fd, self._handle
        if fd is None:
            return
        self._fd, self._handle = None, 0
        _live.pop(fd, None)
        if handle:
            _eryx_net.close(handle)  # the handle is gone whatever the answer

    def detach(self):
        """Forgets the connection without closing it; socket(fileno=...) takes it over."""
        fd = self._fd
        if fd is None:
            return -1
        _detached[fd] = (self._handle, self._family, self._type, self._proto)
        _live.pop(fd, None)
        self._fd, self._handle = None, 0
        return fd

    def dup(self):
        return dup(self.fileno())

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            self.close()

    # -- addresses and options ------------------------------------------------------------------

    def _address(self, which):
        result = _eryx_net.peer(self._handle, which)
        if isinstance(result, int):
            raise self._error(result)
        family, packed, port, scope = result
        return _format_record(family, packed, port, scope)[1]

    def getpeername(self):
        self._connected()
        return self._address(0)

    def getsockname(self):
        self._check_open()
        if not self._handle:
            return ("0.0.0.0", 0) if self._family == AF_INET else ("::", 0, 0, 0)
        return self._address(1)

    def setsockopt(self, level, option, value, optlen=None):
        self._check_open()
        self._options[(level, option)] = value

    def getsockopt(self, level, option, buflen=None):
        self._check_open()
        if level == SOL_SOCKET and option == SO_ERROR:
            value = 0
        elif level == SOL_SOCKET and option == SO_TYPE:
            value = self._type
        else:
            value = self._options.get((level, option), 0)
        if buflen is None:
            return value if isinstance(value, int) else int.from_bytes(bytes(value)[:4], "little")
        if isinstance(value, int):
            value = value.to_bytes(4, "little", signed=True)
        return bytes(value)[:buflen].ljust(min(buflen, 4), b"\0")


SocketType = socket


def dup(fd):
    raise OSError(
        _errno.EOPNOTSUPP,
        "dup() is not supported in the sandbox: a connection has exactly one socket object",
    )


def close(fd):
    """Closes a detached socket's connection (socket.close(fd))."""
    entry = _detached.pop(fd, None)
    if entry is None:
        raise OSError(_errno.EBADF, "Bad file descriptor")
    if entry[0]:
        _eryx_net.close(entry[0])


def getdefaulttimeout():
    return _default_timeout


def setdefaulttimeout(value):
    global _default_timeout
    if value is not None:
        value = float(value)
        if value < 0:
            raise ValueError("Timeout value out of range")
    _default_timeout = value


# ---- names and addresses (resolved by the host) ---------------------------------------------------


def _service_port(port, flags):
    if port is None:
        return 0
    if isinstance(port, int):
        return _check_port(port, "getaddrinfo")
    if isinstance(port, (bytes, bytearray)):
        port = bytes(port).decode("ascii")
    if not isinstance(port, str):
        raise OSError("Int or String expected")
    if port.isdigit():
        return _check_port(int(port), "getaddrinfo")
    if flags & AI_NUMERICSERV:
        raise gaierror(EAI_NONAME, "Name or service not known")
    if port.lower() in _SERVICES:
        return _SERVICES[port.lower()]
    raise gaierror(EAI_SERVICE, "Servname not supported for ai_socktype")


def _numeric_host(host):
    """(AF_*, packed) for an IP literal, or None."""
    for family in (AF_INET, AF_INET6):
        try:
            return family, inet_pton(family, host.split("%", 1)[0] if family == AF_INET6 else host)
        except OSError:
            pass
    return None


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    """Resolves `host` in the host (which checks it against the sandbox's policy)."""
    port = _service_port(port, flags)
    if family not in (AF_UNSPEC, AF_INET, AF_INET6):
        raise gaierror(EAI_FAMILY, "ai_family not supported")
    if type not in (0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW):
        raise gaierror(EAI_SOCKTYPE, "ai_socktype not supported")
    socktype = type or SOCK_STREAM
    protocol = proto or (IPPROTO_UDP if socktype == SOCK_DGRAM else IPPROTO_TCP if socktype == SOCK_STREAM else 0)
    records = []
    if host is None:
        passive = flags & AI_PASSIVE
        if family in (AF_UNSPEC, AF_INET):
            records.append((AF_INET, ("0.0.0.0" if passive else "127.0.0.1", port)))
        if family in (AF_UNSPEC, AF_INET6):
            records.append((AF_INET6, ("::" if passive else "::1", port, 0, 0)))
    else:
        name = _host_text(host)
        if flags & AI_NUMERICHOST:
            numeric = _numeric_host(name)
            if numeric is None or (family and numeric[0] != family):
                raise gaierror(EAI_NONAME, "Name or service not known")
            records.append(_format_record(4 if numeric[0] == AF_INET else 6, numeric[1], port, 0))
        else:
            wanted = {AF_UNSPEC: _eryx_net.ANY, AF_INET: _eryx_net.IPV4, AF_INET6: _eryx_net.IPV6}
            result = _retrying(_eryx_net.resolve, name, wanted[family])
            if isinstance(result, int):
                raise _exception(result)
            for record_family, packed, scope in result:
                records.append(_format_record(record_family, packed, port, scope))
            if not records:
                raise gaierror(EAI_NONAME, "Name or service not known")
    canonical = _host_text(host) if host is not None and flags & AI_CANONNAME else ""
    return [
        (record_family, socktype, protocol, canonical if i == 0 else "", address)
        for i, (record_family, address) in enumerate(records)
    ]


def gethostbyname(hostname):
    return getaddrinfo(hostname, None, AF_INET)[0][4][0]


def gethostbyname_ex(hostname):
    addresses = []
    for *_, address in getaddrinfo(hostname, None, AF_INET):
        if address[0] not in addresses:
            addresses.append(address[0])
    return _host_text(hostname), [], addresses


def gethostbyaddr(ip_address):
    raise herror(1, "Unknown host (the sandbox has no reverse name lookup)")


def getnameinfo(sockaddr, flags):
    if not isinstance(sockaddr, tuple) or not 2 <= len(sockaddr) <= 4:
        raise TypeError("getnameinfo() argument 1 must be a tuple")
    host, port = sockaddr[0], _check_port(sockaddr[1], "getnameinfo")
    if flags & NI_NAMEREQD:
        raise gaierror(EAI_NONAME, "Name or service not known")
    if _numeric_host(_host_text(host)) is None:
        raise gaierror(EAI_NONAME, "Name or service not known (getnameinfo takes a numeric address in the sandbox)")
    return _host_text(host), str(port)


def gethostname():
    return "localhost"


def sethostname(name):
    raise PermissionError(_errno.EPERM, "Operation not permitted")


def getservbyname(servicename, protocolname=None):
    try:
        return _SERVICES[servicename.lower()]
    except KeyError:
        raise OSError("service/proto not found") from None


def getservbyport(port, protocolname=None):
    _check_port(port, "getservbyport")
    for name, number in _SERVICES.items():
        if number == port:
            return name
    raise OSError("port/proto not found")


def getprotobyname(protocolname):
    try:
        return {"ip": 0, "icmp": 1, "tcp": 6, "udp": 17, "ipv6": 41}[protocolname.lower()]
    except KeyError:
        raise OSError("protocol not found") from None


# ---- byte order and address text -------------------------------------------------------------


def _swap(value, size, name):
    if not isinstance(value, int):
        raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
    if value < 0:
        raise OverflowError(f"{name}: can't convert negative Python int to C {size * 8}-bit unsigned integer")
    if value >= 1 << (size * 8):
        raise OverflowError(f"{name}: Python int too large to convert to C {size * 8}-bit unsigned integer")
    return int.from_bytes(value.to_bytes(size, _sys.byteorder), "big")


def htons(x):
    return _swap(x, 2, "htons")


def ntohs(x):
    return _swap(x, 2, "ntohs")


def htonl(x):
    return _swap(x, 4, "htonl")


def ntohl(x):
    return _swap(x, 4, "ntohl")


def inet_aton(ip_string):
    """The glibc forms: a.b.c.d, a.b.c, a.b, a; each part decimal, 0x hex or 0 octal."""
    if not isinstance(ip_string, str):
        raise TypeError(f"inet_aton() argument 1 must be str, not {type(ip_string).__name__}")
    parts = ip_string.split(".")
    try:
        if not 1 <= len(parts) <= 4 or not ip_string.isascii():
            raise ValueError
        numbers = []
        for part in parts:
            if part[:2].lower() == "0x":
                numbers.append(int(part[2:], 16) if part[2:] else 0)
            elif len(part) > 1 and part[0] == "0":
                numbers.append(int(part[1:], 8))
            else:
                if not part.isdigit():
                    raise ValueError
                numbers.append(int(part))
        last_bits = 8 * (5 - len(numbers))
        if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 1 << last_bits:
            raise ValueError
        value = 0
        for n in numbers[:-1]:
            value = value << 8 | n
        value = value << last_bits | numbers[-1]
        return value.to_bytes(4, "big")
    except (ValueError, IndexError):
        raise OSError("illegal IP address string passed to inet_aton") from None


def inet_ntoa(packed_ip):
    packed_ip = bytes(packed_ip)
    if len(packed_ip) != 4:
        raise OSError("packed IP wrong length for inet_ntoa")
    return ".".join(str(b) for b in packed_ip)


def _pton4(text):
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError
    out = bytearray()
    for part in parts:
        if not part.isascii() or not part.isdigit() or (len(part) > 1 and part[0] == "0") or int(part) > 255:
            raise ValueError
        out.append(int(part))
    return bytes(out)


def _pton6(text):
    if not text.isascii() or "%" in text:
        raise ValueError
    tail = b""
    if "." in text:  # a trailing dotted IPv4
        head, _, v4 = text.rpartition(":")
        tail, text = _pton4(v4), head + ":0:0"
    if text.count("::") > 1:
        raise ValueError
    if "::" in text:
        left, right = text.split("::")
        left_groups = left.split(":") if left else []
        right_groups = right.split(":") if right else []
        missing = 8 - len(left_groups) - len(right_groups)
        if missing < 1:
            raise ValueError
        groups = left_groups + ["0"] * missing + right_groups
    else:
        groups = text.split(":")
    if len(groups) != 8:
        raise ValueError
    out = bytearray()
    for group in groups:
        if not 1 <= len(group) <= 4 or any(c not in "0123456789abcdefABCDEF" for c in group):
            raise ValueError
        out += int(group, 16).to_bytes(2, "big")
    if tail:
        out[12:] = tail
    return bytes(out)


def inet_pton(address_family, ip_string):
    if not isinstance(ip_string, str):
        raise TypeError(f"inet_pton() argument 2 must be str, not {type(ip_string).__name__}")
    try:
        if address_family == AF_INET:
            return _pton4(ip_string)
        if address_family == AF_INET6:
            return _pton6(ip_string)
    except ValueError:
        raise OSError("illegal IP address string passed to inet_pton") from None
    raise OSError(_errno.EAFNOSUPPORT, "Address family not supported by protocol")


def inet_ntop(address_family, packed_ip):
    packed_ip = bytes(packed_ip)
    if address_family == AF_INET:
        if len(packed_ip) != 4:
            raise ValueError("invalid length of packed IP address string")
        return inet_ntoa(packed_ip)
    if address_family != AF_INET6:
        raise ValueError(f"unknown address family {address_family}")
    if len(packed_ip) != 16:
        raise ValueError("invalid length of packed IP address string")
    if packed_ip[:10] == bytes(10) and packed_ip[10:12] in (b"\xff\xff", b"\0\0") and packed_ip[12:] != bytes(4):
        if packed_ip[10:12] == b"\xff\xff":
            return "::ffff:" + inet_ntoa(packed_ip[12:])
        if packed_ip[12:14] != b"\0\0":  # ::a.b.c.d (IPv4-compatible), as glibc writes it
            return "::" + inet_ntoa(packed_ip[12:])
    groups = [int.from_bytes(packed_ip[i : i + 2], "big") for i in range(0, 16, 2)]
    # The longest run (at least two) of zero groups becomes "::" (RFC 5952).
    best_start, best_length, start = -1, 1, None
    for i, group in enumerate(groups + [1]):
        if group == 0 and start is None:
            start = i
        elif group != 0 and start is not None:
            if i - start > best_length:
                best_start, best_length = start, i - start
            start = None
    text = [f"{g:x}" for g in groups]
    if best_start >= 0:
        left = ":".join(text[:best_start])
        right = ":".join(text[best_start + best_length :])
        return f"{left}::{right}"
    return ":".join(text)


__all__ = [name for name in globals() if not name.startswith("_")]
