"""The sandbox's `ssl`: TLS client connections that run in the host.

Installed as `ssl` at start-up (guest/runtime/eryx_net_install.py); the stdlib's ssl.py cannot load
(the guest has no `_ssl`). It keeps the public API that urllib, http.client, urllib3/requests,
httpx/httpcore/anyio, aiohttp and asyncio use, over the host's net_tls_* imports:

- SSLContext.wrap_socket() turns the socket's host connection into a TLS client (net_tls_start);
  the socket then sends and receives plaintext through the same handle.
- SSLContext.wrap_bio() makes a host TLS client over memory buffers (asyncio's sslproto, anyio):
  SSLObject feeds the incoming MemoryBIO's bytes to the host and drains what the host wants sent
  into the outgoing one, never waiting.
- Verification is always on: the host checks every certificate and host name against its trust
  (the system roots plus NetConfig.with_root_cert). A context with verification turned off
  (check_hostname=False, verify_mode=CERT_NONE) can be built, so libraries that prepare one at
  import time still load, but wrapping a socket with it raises ValueError, as does
  _create_unverified_context(). load_verify_locations(), load_default_certs() and
  set_default_verify_paths() are accepted and add no trust: a CA is trusted by giving it to the
  host (NetConfig.with_root_cert).
- Client certificates and server-side TLS are not available.
"""

import base64 as _base64
import errno as _errno
import os as _os
import sys as _sys
from collections import namedtuple as _namedtuple
from enum import Enum as _Enum
from enum import IntEnum as _IntEnum
from enum import IntFlag as _IntFlag

import _eryx_net
import socket as _socket_module
from socket import AF_INET, SOCK_STREAM, SOL_SOCKET, SO_TYPE, create_connection, socket  # noqa: F401

OPENSSL_VERSION = "OpenSSL 3.0.0 (TLS runs in the eryx host)"
OPENSSL_VERSION_INFO = (3, 0, 0, 0, 0)
OPENSSL_VERSION_NUMBER = 0x30000000
_OPENSSL_API_VERSION = OPENSSL_VERSION_INFO
_DEFAULT_CIPHERS = "DEFAULT:!aNULL:!eNULL"

HAS_SNI = True
HAS_ALPN = True
HAS_NPN = False
HAS_ECDH = True
HAS_NEVER_CHECK_COMMON_NAME = True
HAS_SSLv2 = False
HAS_SSLv3 = False
HAS_TLSv1 = False
HAS_TLSv1_1 = False
HAS_TLSv1_2 = True
HAS_TLSv1_3 = True
HAS_PSK = False
HAS_PHA = False
# tls-unique needs the Finished messages, which stay in the host.
CHANNEL_BINDING_TYPES = []

_UNVERIFIED = (
    "the sandbox's host verifies every TLS connection (certificate and host name); it cannot be "
    "turned off. To trust a private CA or a self-signed server, give its certificate to the "
    "host: eryx.NetConfig(...).with_root_cert(pem_or_der)"
)


class _SSLMethod(_IntEnum):
    PROTOCOL_SSLv23 = 2
    PROTOCOL_TLS_CLIENT = 16
    PROTOCOL_TLS_SERVER = 17


_SSLMethod.PROTOCOL_TLS = _SSLMethod.PROTOCOL_SSLv23
PROTOCOL_SSLv23 = PROTOCOL_TLS = _SSLMethod.PROTOCOL_SSLv23
PROTOCOL_TLS_CLIENT = _SSLMethod.PROTOCOL_TLS_CLIENT
PROTOCOL_TLS_SERVER = _SSLMethod.PROTOCOL_TLS_SERVER


class Options(_IntFlag):
    OP_ALL = 0x80000050
    OP_NO_SSLv2 = 0
    OP_NO_SSLv3 = 0x02000000
    OP_NO_TLSv1 = 0x04000000
    OP_NO_TLSv1_1 = 0x10000000
    OP_NO_TLSv1_2 = 0x08000000
    OP_NO_TLSv1_3 = 0x20000000
    OP_CIPHER_SERVER_PREFERENCE = 0x00400000
    OP_SINGLE_DH_USE = 0
    OP_SINGLE_ECDH_USE = 0
    OP_NO_COMPRESSION = 0x00020000
    OP_NO_TICKET = 0x00004000
    OP_NO_RENEGOTIATION = 0x40000000
    OP_ENABLE_MIDDLEBOX_COMPAT = 0x00100000
    OP_IGNORE_UNEXPECTED_EOF = 0x80
    OP_LEGACY_SERVER_CONNECT = 0x4
    OP_ENABLE_KTLS = 0x8


class VerifyMode(_IntEnum):
    CERT_NONE = 0
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2


class VerifyFlags(_IntFlag):
    VERIFY_DEFAULT = 0
    VERIFY_CRL_CHECK_LEAF = 0x4
    VERIFY_CRL_CHECK_CHAIN = 0xC
    VERIFY_X509_STRICT = 0x20
    VERIFY_ALLOW_PROXY_CERTS = 0x40
    VERIFY_X509_TRUSTED_FIRST = 0x8000
    VERIFY_X509_PARTIAL_CHAIN = 0x80000


class TLSVersion(_IntEnum):
    MINIMUM_SUPPORTED = -2
    SSLv3 = 0x300
    TLSv1 = 0x301
    TLSv1_1 = 0x302
    TLSv1_2 = 0x303
    TLSv1_3 = 0x304
    MAXIMUM_SUPPORTED = -1


class AlertDescription(_IntEnum):
    ALERT_DESCRIPTION_CLOSE_NOTIFY = 0
    ALERT_DESCRIPTION_UNEXPECTED_MESSAGE = 10
    ALERT_DESCRIPTION_BAD_RECORD_MAC = 20
    ALERT_DESCRIPTION_RECORD_OVERFLOW = 22
    ALERT_DESCRIPTION_DECOMPRESSION_FAILURE = 30
    ALERT_DESCRIPTION_HANDSHAKE_FAILURE = 40
    ALERT_DESCRIPTION_BAD_CERTIFICATE = 42
    ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE = 43
    ALERT_DESCRIPTION_CERTIFICATE_REVOKED = 44
    ALERT_DESCRIPTION_CERTIFICATE_EXPIRED = 45
    ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN = 46
    ALERT_DESCRIPTION_ILLEGAL_PARAMETER = 47
    ALERT_DESCRIPTION_UNKNOWN_CA = 48
    ALERT_DESCRIPTION_ACCESS_DENIED = 49
    ALERT_DESCRIPTION_DECODE_ERROR = 50
    ALERT_DESCRIPTION_DECRYPT_ERROR = 51
    ALERT_DESCRIPTION_PROTOCOL_VERSION = 70
    ALERT_DESCRIPTION_INSUFFICIENT_SECURITY = 71
    ALERT_DESCRIPTION_INTERNAL_ERROR = 80
    ALERT_DESCRIPTION_USER_CANCELLED = 90
    ALERT_DESCRIPTION_NO_RENEGOTIATION = 100
    ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION = 110
    ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE = 111
    ALERT_DESCRIPTION_UNRECOGNIZED_NAME = 112
    ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE = 113
    ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE = 114
    ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY = 115


class SSLErrorNumber(_IntEnum):
    SSL_ERROR_SSL = 1
    SSL_ERROR_WANT_READ = 2
    SSL_ERROR_WANT_WRITE = 3
    SSL_ERROR_WANT_X509_LOOKUP = 4
    SSL_ERROR_SYSCALL = 5
    SSL_ERROR_ZERO_RETURN = 6
    SSL_ERROR_WANT_CONNECT = 7
    SSL_ERROR_EOF = 8
    SSL_ERROR_INVALID_ERROR_CODE = 10


for _enum in (_SSLMethod, Options, VerifyMode, VerifyFlags, AlertDescription, SSLErrorNumber):
    globals().update(_enum.__members__)
    _enum.__module__ = "ssl"
TLSVersion.__module__ = "ssl"
del _enum

_ASN1Object = _namedtuple("_ASN1Object", "nid shortname longname oid")


class Purpose(_ASN1Object, _Enum):
    """SSLContext purpose flags with X509v3 Extended Key Usage objects"""

    SERVER_AUTH = (129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1")
    CLIENT_AUTH = (130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2")


Purpose.__module__ = "ssl"

# ---- exceptions --------------------------------------------------------------------------------


class SSLError(OSError):
    """An error from the TLS layer (in the host)."""

    library = None
    reason = None

    def __str__(self):
        if len(self.args) >= 2 and isinstance(self.args[1], str):
            return self.args[1]
        return super().__str__()


class SSLZeroReturnError(SSLError):
    """SSL/TLS session closed cleanly."""


class SSLWantReadError(SSLError):
    """Non-blocking SSL socket needs to read more data before the requested operation can be
    completed."""


class SSLWantWriteError(SSLError):
    """Non-blocking SSL socket needs to write more data before the requested operation can be
    completed."""


class SSLSyscallError(SSLError):
    """System error when attempting SSL operation."""


class SSLEOFError(SSLError):
    """SSL/TLS connection terminated abruptly."""


class SSLCertVerificationError(SSLError, ValueError):
    """A certificate could not be verified."""

    verify_code = None
    verify_message = None


CertificateError = SSLCertVerificationError
socket_error = OSError

for _cls in (SSLError, SSLZeroReturnError, SSLWantReadError, SSLWantWriteError, SSLSyscallError,
             SSLEOFError, SSLCertVerificationError):  # fmt: skip
    _cls.__module__ = "ssl"
del _cls

# OpenSSL's X509_V_ERR_* for the messages the host passes on, so verify_code means what it does
# in CPython.
_VERIFY_CODES = (
    ("self-signed certificate in certificate chain", 19),
    ("self signed certificate in certificate chain", 19),
    ("self-signed certificate", 18),
    ("self signed certificate", 18),
    ("unable to get local issuer certificate", 20),
    ("unable to get issuer certificate", 2),
    ("certificate has expired", 10),
    ("certificate is not yet valid", 9),
    ("hostname mismatch", 62),
    ("ip address mismatch", 64),
)


def _ssl_error(cls, number, message, reason):
    error = cls(number, message)
    error.library, error.reason = "SSL", reason
    return error


def _tls_exception(status, operation="read"):
    """The exception CPython's ssl raises for an ERYX_NET_* status of a TLS connection."""
    n = _eryx_net
    if status == n.WOULD_BLOCK:
        return _ssl_error(SSLWantReadError, 2, "The operation did not complete (read)", None)
    if status == n.WANT_WRITE:
        return _ssl_error(SSLWantWriteError, 3, "The operation did not complete (write)", None)
    if status == n.TIMED_OUT:
        return TimeoutError(f"The {operation} operation timed out")
    if status == n.CERT_ERROR:
        detail = _eryx_net.error() or "certificate verify failed"
        # The host's message may already start with the words the format below adds.
        if detail.startswith("certificate verify failed: "):
            detail = detail[len("certificate verify failed: "):]
        error = _ssl_error(
            SSLCertVerificationError, 1,
            f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {detail}",
            "CERTIFICATE_VERIFY_FAILED",
        )  # fmt: skip
        lowered = detail.lower()
        error.verify_message = detail
        error.verify_code = next((code for text, code in _VERIFY_CODES if text in lowered), 1)
        return error
    if status == n.TLS_EOF:
        detail = _eryx_net.error() or "EOF occurred in violation of protocol"
        return _ssl_error(SSLEOFError, 8, f"[SSL: UNEXPECTED_EOF_WHILE_READING] {detail}",
                          "UNEXPECTED_EOF_WHILE_READING")  # fmt: skip
    if status == n.TLS_ERROR:
        detail = _eryx_net.error() or "TLS error"
        return _ssl_error(SSLError, 1, f"[SSL] {detail}", None)
    return _eryx_shared.exception(status)  # noqa: F821 (the socket errors, eryx_socket.py)


def _retrying(function, *args):
    while True:  # on INTERRUPTED the eval loop raises KeyboardInterrupt before the next call
        result = function(*args)
        if result != _eryx_net.INTERRUPTED:
            return result


# ---- certificates and helpers --------------------------------------------------------------------

PEM_HEADER = "-----BEGIN CERTIFICATE-----"
PEM_FOOTER = "-----END CERTIFICATE-----"


def DER_cert_to_PEM_cert(der_cert_bytes):
    """Takes a certificate in binary DER format and returns the PEM version of it as a string."""
    f = str(_base64.standard_b64encode(der_cert_bytes), "ASCII", "strict")
    ss = [PEM_HEADER]
    ss += [f[i : i + 64] for i in range(0, len(f), 64)]
    ss.append(PEM_FOOTER + "\n")
    return "\n".join(ss)


def PEM_cert_to_DER_cert(pem_cert_string):
    """Takes a certificate in ASCII PEM format and returns the DER-encoded version of it as a
    byte sequence"""
    if not pem_cert_string.startswith(PEM_HEADER):
        raise ValueError(f"Invalid PEM encoding; must start with {PEM_HEADER}")
    if not pem_cert_string.strip().endswith(PEM_FOOTER):
        raise ValueError(f"Invalid PEM encoding; must end with {PEM_FOOTER}")
    d = pem_cert_string.strip()[len(PEM_HEADER) : -len(PEM_FOOTER)]
    return _base64.decodebytes(d.encode("ASCII", "strict"))


def cert_time_to_seconds(cert_time):
    """Return the time in seconds since the Epoch, given the timestring representing the
    "notBefore" or "notAfter" date from a certificate in ``"%b %d %H:%M:%S %Y %Z"`` strptime
    format (C locale)."""
    from calendar import timegm
    from time import strptime

    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    time_format = " %d %H:%M:%S %Y GMT"
    try:
        month_number = months.index(cert_time[:3].title()) + 1
    except ValueError:
        raise ValueError(f'time data {cert_time!r} does not match format "%b{time_format}"') from None
    tt = strptime(cert_time[3:], time_format)
    return timegm((tt[0], month_number) + tt[2:6])


DefaultVerifyPaths = _namedtuple(
    "DefaultVerifyPaths",
    "cafile capath openssl_cafile_env openssl_cafile openssl_capath_env openssl_capath",
)


def get_default_verify_paths():
    """The sandbox has no CA files: the host holds the trust (system roots + with_root_cert)."""
    return DefaultVerifyPaths(None, None, "SSL_CERT_FILE", "", "SSL_CERT_DIR", "")


def RAND_bytes(n):
    if n < 0:
        raise ValueError("num must be positive")
    return _os.urandom(n)


def RAND_status():
    return True


def RAND_add(string, entropy):
    pass


def _tuples(value):
    # getpeercert() answers tuples where JSON has arrays.
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _alpn_wire(protocols):
    wire = bytearray()
    for protocol in protocols:
        encoded = protocol.encode("ascii") if isinstance(protocol, str) else bytes(protocol)
        if not 1 <= len(encoded) <= 255:
            raise SSLError("ALPN protocols must be 1 to 255 in length")
        wire.append(len(encoded))
        wire += encoded
    return bytes(wire)


class SSLSession:
    """TLS sessions stay in the host; there is no session object to reuse."""

    def __init__(self, *args, **kwargs):
        raise TypeError("cannot create 'ssl.SSLSession' instances")


class MemoryBIO:
    """A buffer of bytes (the guest side of SSLContext.wrap_bio)."""

    def __init__(self):
        self._buffer = bytearray()
        self._eof = False

    @property
    def pending(self):
        return len(self._buffer)

    @property
    def eof(self):
        return self._eof and not self._buffer

    def read(self, size=-1, /):
        if size < 0 or size > len(self._buffer):
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def write(self, b, /):
        if self._eof:
            raise SSLError("cannot write() after write_eof()")
        with memoryview(b) as view:
            self._buffer += view.cast("B")
            return view.nbytes

    def write_eof(self):
        self._eof = True


# ---- the TLS information both kinds of connection give ---------------------------------------------


class _TLSInfo:
    """Methods common to SSLSocket and SSLObject over a host TLS handle (`_tls_handle()`)."""

    __slots__ = ()

    def _info(self, what):
        result = _eryx_net.tls_info(self._tls_handle(), what)
        if isinstance(result, int):
            raise _tls_exception(result)
        return result

    def _require_handshake(self):
        if not self._handshake_done:
            raise ValueError("handshake not done yet")

    def getpeercert(self, binary_form=False):
        self._require_handshake()
        if binary_form:
            return self._info(_eryx_net.TLS_PEER_CERT_DER) or None
        import json

        text = self._info(_eryx_net.TLS_PEER_CERT_JSON)
        return _tuples(json.loads(text)) if text else {}

    def get_verified_chain(self):
        self._require_handshake()
        blob, chain, offset = self._info(_eryx_net.TLS_PEER_CHAIN_DER), [], 0
        while offset + 4 <= len(blob):
            size = int.from_bytes(blob[offset : offset + 4], "little")
            chain.append(bytes(blob[offset + 4 : offset + 4 + size]))
            offset += 4 + size
        return chain

    get_unverified_chain = get_verified_chain

    def cipher(self):
        if not self._handshake_done:
            return None
        parts = self._info(_eryx_net.TLS_CIPHER).decode("ascii", "replace").split()
        if len(parts) < 3:
            return None
        return parts[0], parts[1], int(parts[2])

    def shared_ciphers(self):
        cipher = self.cipher()
        return None if cipher is None else [cipher]

    def version(self):
        if not self._handshake_done:
            return None
        return self._info(_eryx_net.TLS_VERSION).decode("ascii", "replace") or None

    def selected_alpn_protocol(self):
        if not self._handshake_done:
            return None
        return self._info(_eryx_net.TLS_ALPN).decode("ascii", "replace") or None

    def selected_npn_protocol(self):
        return None

    def compression(self):
        return None

    def get_channel_binding(self, cb_type="tls-unique"):
        raise ValueError(f"{cb_type} channel binding type not implemented")

    def verify_client_post_handshake(self):
        raise SSLError("post-handshake authentication is a server feature, not available here")

    @property
    def session(self):
        return None

    @property
    def session_reused(self):
        return False


# ---- SSLSocket ---------------------------------------------------------------------------------------


class SSLSocket(_TLSInfo, _socket_module.socket):
    """A socket whose host connection speaks TLS: send and receive plaintext; the host encrypts,
    verifies and decrypts. Made by SSLContext.wrap_socket()."""

    def __init__(self, *args, **kwargs):
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. Instances are "
            "returned by SSLContext.wrap_socket()."
        )

    @classmethod
    def _create(cls, sock, server_side=False, do_handshake_on_connect=True,
                suppress_ragged_eofs=True, server_hostname=None, context=None, session=None):  # fmt: skip
        if sock.getsockopt(SOL_SOCKET, SO_TYPE) != SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        if server_side:
            raise ValueError("server-side TLS is not available in the sandbox (it cannot accept connections)")
        if context.check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        context._refuse_unverified()
        kwargs = dict(family=sock.family, type=sock.type, proto=sock.proto)
        timeout = sock.gettimeout()
        fileno = sock.detach()
        self = cls.__new__(cls)
        _socket_module.socket.__init__(self, fileno=fileno, **kwargs)
        self.settimeout(timeout)
        self._context = context
        self.server_side = False
        self.server_hostname = context._encode_hostname(server_hostname)
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        self._tls_started = False
        self._handshake_done = False
        if self._handle and do_handshake_on_connect:
            try:
                self.do_handshake()
            except BaseException:
                self.close()
                raise
        return self

    @property
    def context(self):
        return self._context

    @context.setter
    def context(self, ctx):
        self._context = ctx

    @property
    def _sslobj(self):
        # CPython's private TLS object, which some libraries read (httpcore's sync backend answers
        # get_extra_info("ssl_object") with it): this socket has the same read/write/version/
        # cipher/selected_alpn_protocol/getpeercert methods. None until TLS starts or once closed.
        return self if self._tls_started and self._handle else None

    def _tls_handle(self):
        return self._connected()

    def _error(self, status):
        return _tls_exception(status)

    def do_handshake(self, block=False):
        handle = self._connected()
        if self._handshake_done:
            return
        if not self._tls_started:
            host = self.server_hostname or ""
            if self.timeout is None or block:
                timeout = -1
            elif self.timeout == 0:
                timeout = 0
            else:
                timeout = max(1, int(self.timeout * 1000 + 0.999))
            status = _retrying(_eryx_net.tls_start, handle, host, self._context._alpn, timeout)
            self._tls_started = status in (0, _eryx_net.WOULD_BLOCK, _eryx_net.WANT_WRITE)
        else:
            status = _eryx_net.tls_handshake(handle)
        if status < 0:
            raise _tls_exception(status, "handshake")
        self._handshake_done = True

    def _real_connect(self, addr, connect_ex):
        if self._handshake_done or self._tls_started:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        if connect_ex:
            rc = _socket_module.socket.connect_ex(self, addr)
            if rc:
                return rc
        else:
            _socket_module.socket.connect(self, addr)
        if self.do_handshake_on_connect:
            self.do_handshake()
        return 0

    def connect(self, addr):
        self._real_connect(addr, False)

    def connect_ex(self, addr):
        return self._real_connect(addr, True)

    def _ready(self):
        self._connected()
        if not self._handshake_done:
            self.do_handshake()

    def read(self, len=1024, buffer=None):
        """Reads up to len bytes (into buffer, if given: then the count)."""
        self._ready()
        try:
            if buffer is not None:
                return _socket_module.socket.recv_into(self, buffer, len)
            return _socket_module.socket.recv(self, len)
        except SSLEOFError:
            if self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            raise

    def write(self, data):
        self._ready()
        return _socket_module.socket.send(self, data)

    def recv(self, buflen=1024, flags=0):
        if flags:
            raise ValueError(f"non-zero flags not allowed in calls to recv() on {self.__class__}")
        return self.read(buflen)

    def recv_into(self, buffer, nbytes=None, flags=0):
        if flags:
            raise ValueError(f"non-zero flags not allowed in calls to recv_into() on {self.__class__}")
        if nbytes is None or nbytes == 0:
            nbytes = memoryview(buffer).nbytes
        return self.read(nbytes, buffer)

    def recvfrom(self, buflen=1024, flags=0):
        raise ValueError(f"recvfrom not allowed on instances of {self.__class__}")

    def recvfrom_into(self, buffer, nbytes=None, flags=0):
        raise ValueError(f"recvfrom_into not allowed on instances of {self.__class__}")

    def send(self, data, flags=0):
        if flags:
            raise ValueError(f"non-zero flags not allowed in calls to send() on {self.__class__}")
        return self.write(data)

    def sendall(self, data, flags=0):
        if flags:
            raise ValueError(f"non-zero flags not allowed in calls to sendall() on {self.__class__}")
        self._ready()
        _socket_module.socket.sendall(self, data)

    def sendto(self, data, flags_or_addr, addr=None):
        raise ValueError(f"sendto not allowed on instances of {self.__class__}")

    def sendfile(self, file, offset=0, count=None):
        return self._sendfile_use_send(file, offset, count)

    def pending(self):
        return 0

    def unwrap(self):
        raise OSError(
            _errno.EOPNOTSUPP,
            "unwrap() is not available in the sandbox: the TLS session lives in the host",
        )

    def dup(self):
        raise NotImplementedError(f"Can't dup() {self.__class__.__name__} instances")

    def verify_client_post_handshake(self):
        raise SSLError("post-handshake authentication is a server feature, not available here")

    def __getstate__(self):
        raise TypeError(f"cannot pickle {self.__class__.__name__!r} object")


# ---- SSLObject over memory buffers -------------------------------------------------------------------


class SSLObject(_TLSInfo):
    """A TLS client over two MemoryBIOs (SSLContext.wrap_bio): the host keeps the TLS state and
    never waits; each operation hands it the incoming bytes first and collects the outgoing ones
    after."""

    def __init__(self, *args, **kwargs):
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. Instances are "
            "returned by SSLContext.wrap_bio()."
        )

    @classmethod
    def _create(cls, incoming, outgoing, server_side=False, server_hostname=None, session=None,
                context=None):  # fmt: skip
        if server_side:
            raise ValueError("server-side TLS is not available in the sandbox (it cannot accept connections)")
        if context.check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        context._refuse_unverified()
        if not isinstance(incoming, MemoryBIO) or not isinstance(outgoing, MemoryBIO):
            raise TypeError("wrap_bio() needs two ssl.MemoryBIO objects")
        self = cls.__new__(cls)
        self._handle = 0
        hostname = context._encode_hostname(server_hostname)
        handle = _eryx_net.tls_bio_new(hostname or "", context._alpn)
        if handle < 0:
            raise _tls_exception(handle)
        self._handle = handle
        self._incoming, self._outgoing = incoming, outgoing
        self._context = context
        self.server_side = False
        self.server_hostname = hostname
        self._handshake_done = False
        self._eof_fed = False
        return self

    @property
    def context(self):
        return self._context

    @context.setter
    def context(self, ctx):
        self._context = ctx

    @property
    def _sslobj(self):
        # CPython's private TLS object (as on SSLSocket): this object answers the same calls.
        return self if self._handle else None

    def _tls_handle(self):
        if not self._handle:
            raise ValueError("the SSL object is closed")
        return self._handle

    def _feed(self):
        handle = self._tls_handle()
        incoming = self._incoming
        while incoming.pending:
            data = bytes(incoming._buffer[: _eryx_net.IO_MAX])
            taken = _eryx_net.tls_feed(handle, data, False)
            if taken < 0:
                raise _tls_exception(taken)
            if taken == 0:
                break  # the host's buffer is full: it takes the rest on a later call
            del incoming._buffer[:taken]
        if incoming.eof and not self._eof_fed:
            status = _eryx_net.tls_feed(handle, b"", True)
            if status < 0:
                raise _tls_exception(status)
            self._eof_fed = True

    def _drain(self):
        handle = self._tls_handle()
        while True:
            chunk = _eryx_net.tls_drain(handle, 65536)
            if isinstance(chunk, int):
                raise _tls_exception(chunk)
            if not chunk:
                return
            self._outgoing.write(chunk)

    def _run(self, function, *args):
        self._feed()
        try:
            result = function(*args)
        finally:
            self._drain()
        if isinstance(result, int) and result < 0:
            raise _tls_exception(result)
        return result

    def do_handshake(self):
        if self._handshake_done:
            return
        self._run(_eryx_net.tls_handshake, self._tls_handle())
        self._handshake_done = True

    def read(self, len=1024, buffer=None):
        handle = self._tls_handle()
        if buffer is not None:
            return self._run(_eryx_net.recv_into, handle, buffer, len, 0)
        return self._run(_eryx_net.recv, handle, len, 0)

    def write(self, data):
        return self._run(_eryx_net.send, self._tls_handle(), data, 0)

    def pending(self):
        return 0

    def unwrap(self):
        """Sends close_notify (into the outgoing buffer) and ends the TLS session."""
        self._run(_eryx_net.shutdown, self._tls_handle(), _eryx_net.SHUT_WR)

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", 0), 0
        if handle:
            _eryx_net.close(handle)  # a memory TLS client counts against max_connections


# ---- SSLContext ------------------------------------------------------------------------------------


class SSLContext:
    """TLS settings for client connections made by the host. Verification is always on: see the
    module's docstring. load_verify_locations(), load_default_certs() and
    set_default_verify_paths() are accepted and add no trust (trust a CA with
    eryx.NetConfig(...).with_root_cert(...) on the host side)."""

    sslsocket_class = SSLSocket
    sslobject_class = SSLObject

    def __init__(self, protocol=None, *args, **kwargs):
        if protocol is None:
            import warnings

            warnings.warn("ssl.SSLContext() without protocol argument is deprecated.",
                          category=DeprecationWarning, stacklevel=2)  # fmt: skip
            protocol = PROTOCOL_TLS
        self._protocol = _SSLMethod(protocol)
        # Every context verifies; PROTOCOL_TLS_SERVER contexts are refused when used.
        self._check_hostname = True
        self._verify_mode = CERT_REQUIRED
        self._verify_flags = VERIFY_X509_TRUSTED_FIRST
        self._options = Options(OP_ALL | OP_NO_SSLv2 | OP_NO_SSLv3 | OP_NO_COMPRESSION)
        self._minimum_version = TLSVersion.MINIMUM_SUPPORTED
        self._maximum_version = TLSVersion.MAXIMUM_SUPPORTED
        self._alpn = b""
        self.hostname_checks_common_name = False
        self.post_handshake_auth = False
        self.keylog_filename = None
        self.sni_callback = None
        self.num_tickets = 2
        self.security_level = 2

    def __reduce__(self):
        raise TypeError("cannot pickle 'SSLContext' object")

    @property
    def protocol(self):
        return self._protocol

    @property
    def check_hostname(self):
        return self._check_hostname

    @check_hostname.setter
    def check_hostname(self, value):
        # Recorded, so libraries that build an unverified context at import time still load;
        # wrapping a connection with it is refused (_refuse_unverified).
        self._check_hostname = bool(value)
        if value and self._verify_mode == CERT_NONE:
            self._verify_mode = CERT_REQUIRED

    @property
    def verify_mode(self):
        return self._verify_mode

    @verify_mode.setter
    def verify_mode(self, value):
        value = VerifyMode(value)
        if value == CERT_NONE and self._check_hostname:
            raise ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
        self._verify_mode = value

    def _refuse_unverified(self):
        if not self._check_hostname or self._verify_mode == CERT_NONE:
            raise ValueError(
                "this SSLContext turns certificate or host-name verification off "
                f"(check_hostname={self._check_hostname}, verify_mode={self._verify_mode.name}): "
                + _UNVERIFIED
            )
        if self._protocol == PROTOCOL_TLS_SERVER:
            raise ValueError("server-side TLS is not available in the sandbox (it cannot accept connections)")

    @property
    def verify_flags(self):
        return self._verify_flags

    @verify_flags.setter
    def verify_flags(self, value):
        self._verify_flags = VerifyFlags(value)

    @property
    def options(self):
        return self._options

    @options.setter
    def options(self, value):
        self._options = Options(value)

    @property
    def minimum_version(self):
        return self._minimum_version

    @minimum_version.setter
    def minimum_version(self, value):
        self._minimum_version = TLSVersion(value)

    @property
    def maximum_version(self):
        return self._maximum_version

    @maximum_version.setter
    def maximum_version(self, value):
        self._maximum_version = TLSVersion(value)

    def _encode_hostname(self, hostname):
        if hostname is None:
            return None
        if isinstance(hostname, (bytes, bytearray)):
            hostname = bytes(hostname).decode("ascii")
        if not isinstance(hostname, str):
            raise TypeError(f"server_hostname must be str, not {type(hostname).__name__}")
        if hostname.startswith("."):
            raise ValueError("server_hostname cannot start with a dot")
        return hostname.encode("idna").decode("ascii") if not hostname.isascii() else hostname

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True,
                    suppress_ragged_eofs=True, server_hostname=None, session=None):  # fmt: skip
        return self.sslsocket_class._create(
            sock=sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs,
            server_hostname=server_hostname,
            context=self,
            session=session,
        )

    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):
        return self.sslobject_class._create(
            incoming, outgoing, server_side=server_side, server_hostname=server_hostname,
            session=session, context=self,
        )  # fmt: skip

    def set_alpn_protocols(self, alpn_protocols):
        self._alpn = _alpn_wire(alpn_protocols)

    def set_npn_protocols(self, npn_protocols):
        raise NotImplementedError("NPN is not available (use ALPN: set_alpn_protocols)")

    def set_ciphers(self, ciphers, /):
        """Accepted; the host chooses the cipher suites."""
        if not isinstance(ciphers, str):
            raise TypeError("set_ciphers() argument must be str")

    def get_ciphers(self):
        return []

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        """Accepted and adds no trust: the host verifies with its own trust (the system roots
        plus eryx.NetConfig(...).with_root_cert(...))."""
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        # Not even read (so not checked to exist): a SandboxFactory's sandboxes keep module state
        # naming files its build wrote to /tmp (certifi.where() cached by requests) but not the
        # files, and adding no trust the file could not make a connection fail.
        for path in (cafile, capath):
            if path is not None and not isinstance(path, (str, bytes, _os.PathLike)):
                raise TypeError("cafile and capath must be str, bytes or os.PathLike")

    def load_default_certs(self, purpose=Purpose.SERVER_AUTH):
        """Accepted; the host's trust applies."""
        if not isinstance(purpose, _ASN1Object):
            raise TypeError(purpose)

    def set_default_verify_paths(self):
        """Accepted; the host's trust applies."""

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        raise NotImplementedError(
            "client certificates are not available in the sandbox: TLS runs in the host, which "
            "presents none"
        )

    def load_dh_params(self, path, /):
        pass

    def set_ecdh_curve(self, name, /):
        pass

    def set_servername_callback(self, server_name_callback):
        self.sni_callback = server_name_callback

    def cert_store_stats(self):
        return {"x509": 0, "crl": 0, "x509_ca": 0}

    def get_ca_certs(self, binary_form=False):
        return []

    def session_stats(self):
        return {k: 0 for k in ("number", "connect", "connect_good", "connect_renegotiate",
                               "accept", "accept_good", "accept_renegotiate", "hits", "misses",
                               "timeouts", "cache_full")}  # fmt: skip


def create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None):
    """A client context that verifies (it always does here); cafile/capath/cadata are accepted
    and add no trust (see SSLContext.load_verify_locations)."""
    if not isinstance(purpose, _ASN1Object):
        raise TypeError(purpose)
    context = SSLContext(PROTOCOL_TLS_CLIENT if purpose == Purpose.SERVER_AUTH else PROTOCOL_TLS_SERVER)
    if cafile or capath or cadata:
        context.load_verify_locations(cafile, capath, cadata)
    context.verify_flags |= VERIFY_X509_PARTIAL_CHAIN | VERIFY_X509_STRICT
    return context


def _create_unverified_context(*args, **kwargs):
    raise ValueError("an unverified TLS context is not available: " + _UNVERIFIED)


def _create_stdlib_context(*args, **kwargs):
    return create_default_context()


_create_default_https_context = create_default_context


def get_server_certificate(addr, ssl_version=PROTOCOL_TLS_CLIENT, ca_certs=None, timeout=_socket_module._GLOBAL_DEFAULT_TIMEOUT):  # noqa: E501
    """The server's certificate as PEM. Unlike CPython's, the connection is verified (the host
    always does), so a server the host does not trust raises SSLCertVerificationError."""
    host, port = addr
    context = create_default_context()
    with create_connection(addr, timeout=timeout) as sock:
        with context.wrap_socket(sock, server_hostname=host) as sslsock:
            der = sslsock.getpeercert(True)
    return DER_cert_to_PEM_cert(der)


def get_protocol_name(protocol_code):
    try:
        return _SSLMethod(protocol_code).name
    except ValueError:
        return "<unknown>"

