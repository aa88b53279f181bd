/* The `eryx` import module's ABI (docs/guest-abi.md), version 4: the numbers that cross between the
 * guest glue (C, wasm32) and the host (C++, src/host/). Both include this one header, so a status
 * cannot mean one thing on one side and another on the other. */
#ifndef ERYX_ABI_H
#define ERYX_ABI_H

#define ERYX_ABI_VERSION 4 /* 4: eryx_set_filename */

/* eryx_execute (and the other status exports) */
enum { ERYX_EXEC_OK = 0, ERYX_EXEC_RAISED = 1, ERYX_EXEC_INTERNAL = 2 };

/* report_result(kind, ...) */
enum { ERYX_RESULT_JSON = 0, ERYX_RESULT_UNSERIALIZABLE = 1, ERYX_RESULT_ABSENT = 2 };

/* callback_wait answers */
enum { ERYX_WAIT_TIMED_OUT = 0, ERYX_WAIT_READY = 1, ERYX_WAIT_IDLE = 2 };
/* callback_wait writes this many u32 at out_ptr: handle, status, payload size */
#define ERYX_WAIT_OUT_WORDS 3

/* callback_take errors (a size >= 0 otherwise) */
enum { ERYX_TAKE_UNKNOWN_HANDLE = -1, ERYX_TAKE_BUFFER_TOO_SMALL = -2 };

/* callback_start answers 0 outside an execution, else a handle > 0 */
#define ERYX_NO_CALL 0

/* The status of a callback completion */
enum {
  ERYX_CALLBACK_OK = 0,
  ERYX_CALLBACK_HANDLER_FAILED = 1,
  ERYX_CALLBACK_INVALID_ARGUMENTS = 2,
  ERYX_CALLBACK_UNKNOWN_NAME = 3,
  ERYX_CALLBACK_LIMIT = 4,
  ERYX_CALLBACK_TIMEOUT = 5,
  ERYX_CALLBACK_TOO_LARGE = 6
};

/* ---- networking (imports net_*; docs/guest-abi.md) ------------------------------------------------
 * Every net_* import returns an i32: a value >= 0 (a handle, a count, a size) or one of the statuses
 * below (< 0). After a failure, net_error(buf, cap) gives the host's message for it (the policy's
 * reason, the certificate error, ...), so the guest raises a clear exception. */
enum {
  ERYX_NET_DISABLED = -1,      /* the sandbox has no network: OSError */
  ERYX_NET_DENIED = -2,        /* refused by the policy, before any packet: PermissionError */
  ERYX_NET_NOT_FOUND = -3,     /* the name does not resolve: socket.gaierror */
  ERYX_NET_TIMED_OUT = -4,     /* the socket's timeout or the host's: TimeoutError */
  ERYX_NET_WOULD_BLOCK = -5,   /* non-blocking and not ready; TLS: wants to read */
  ERYX_NET_WANT_WRITE = -6,    /* TLS: wants to write (memory BIO full, or socket not writable) */
  ERYX_NET_LIMIT = -7,         /* max_connections live connections already */
  ERYX_NET_REFUSED = -8,       /* ConnectionRefusedError */
  ERYX_NET_RESET = -9,         /* ConnectionResetError / BrokenPipeError */
  ERYX_NET_BAD_HANDLE = -10,   /* unknown or closed handle: OSError(EBADF) */
  ERYX_NET_TLS_ERROR = -11,    /* ssl.SSLError */
  ERYX_NET_CERT_ERROR = -12,   /* ssl.SSLCertVerificationError */
  ERYX_NET_INVALID = -13,      /* a malformed argument (address, port, ALPN list): OSError(EINVAL) */
  ERYX_NET_IO_ERROR = -14,     /* another OS error: OSError */
  ERYX_NET_UNREACHABLE = -15,  /* OSError(ENETUNREACH) */
  ERYX_NET_TLS_EOF = -16,      /* TLS: EOF in violation of the protocol: ssl.SSLEOFError */
  ERYX_NET_INTERRUPTED = -17   /* the wait ended for an interrupt: return to Python, which raises it */
};

/* Address families in net_resolve / net_peer records and the family filter of net_resolve. */
enum { ERYX_NET_ANY = 0, ERYX_NET_IPV4 = 4, ERYX_NET_IPV6 = 6 };
/* One address record: u32 family, 16 address bytes (IPv4 in the first 4), u32 port (net_peer; 0 in
 * net_resolve), u32 IPv6 scope id. */
#define ERYX_NET_ADDR_BYTES 28

/* net_poll entries: u32 handle, u16 events, u16 revents (written by the host). */
#define ERYX_NET_POLL_ENTRY_BYTES 8
enum { ERYX_POLL_IN = 1, ERYX_POLL_OUT = 4, ERYX_POLL_ERR = 8, ERYX_POLL_HUP = 16 };
/* net_poll flags: also return (with 0 ready) when a callback completion is ready, so one wait
 * serves an event loop that has both sockets and callbacks in flight. */
enum { ERYX_POLL_WAKE_ON_CALLBACKS = 1 };

/* net_shutdown how (as SHUT_RD, SHUT_WR, SHUT_RDWR); TLS sockets send close_notify on WR/RDWR. */
enum { ERYX_SHUT_RD = 0, ERYX_SHUT_WR = 1, ERYX_SHUT_RDWR = 2 };

/* net_tls_info what */
enum {
  ERYX_TLS_PEER_CERT_DER = 0, /* the peer's leaf certificate, DER */
  ERYX_TLS_VERSION = 1,       /* "TLSv1.3" */
  ERYX_TLS_ALPN = 2,          /* the selected protocol, empty when none */
  ERYX_TLS_CIPHER = 3,        /* "name protocol bits", e.g. "TLS_AES_256_GCM_SHA384 TLSv1.3 256" */
  ERYX_TLS_PEER_CHAIN_DER = 4, /* the verified chain, each certificate as u32 length + DER */
  ERYX_TLS_PEER_CERT_JSON = 5  /* the leaf as JSON in the shape of CPython's getpeercert() */
};

/* Timeouts (i64 milliseconds) of net_connect/send/recv/tls_start: -1 = the host's own limit
 * (connect_timeout_ms or io_timeout_ms), 0 = do not wait (non-blocking), n > 0 = at most n, never
 * above the host's limit. Every wait also ends at the execution deadline or on a stop (trap) or an
 * interrupt (ERYX_NET_INTERRUPTED). */

/* eryx_host_info: the version of its block of words, and how many u32 it has */
#define ERYX_HOST_INFO_VERSION 1
#define ERYX_HOST_INFO_WORDS 8

#endif
