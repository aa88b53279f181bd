/*
 * eryx guest glue, networking: the built-in `_eryx_net` module, thin wrappers over the host's
 * net_* imports (docs/guest-abi.md "Networking"), and the start-up that installs the Python shims
 * (guest/runtime/eryx_socket.py as `_socket`, eryx_ssl.py as `ssl`, eryx_select.py as `select`;
 * see eryx_net_install.py).
 *
 * The wrappers only marshal and bound: every negative answer is returned as the ERYX_NET_* int, and
 * the Python shims turn it into the matching exception (with `error()`, the host's message). The
 * host checks every call against the sandbox's NetConfig; nothing here decides anything.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eryx_glue.h"
#include "eryx_net_install_py.h" /* generated from guest/runtime/ */
#include "eryx_select_py.h"
#include "eryx_socket_py.h"
#include "eryx_ssl_py.h"

#define NET_IMPORT(name) __attribute__((import_module("eryx"), import_name(name))) extern

NET_IMPORT("net_resolve")
int32_t eryx_net_resolve(const char* name, int32_t name_len, int32_t family, void* out,
                         int32_t out_records);
NET_IMPORT("net_connect")
int32_t eryx_net_connect(const char* host, int32_t host_len, int32_t port, int64_t timeout_ms);
NET_IMPORT("net_send")
int32_t eryx_net_send(int32_t handle, const void* data, int32_t len, int64_t timeout_ms);
NET_IMPORT("net_recv")
int32_t eryx_net_recv(int32_t handle, void* buf, int32_t cap, int64_t timeout_ms);
NET_IMPORT("net_shutdown") int32_t eryx_net_shutdown(int32_t handle, int32_t how);
NET_IMPORT("net_close") int32_t eryx_net_close(int32_t handle);
NET_IMPORT("net_poll")
int32_t eryx_net_poll(void* entries, int32_t count, int64_t timeout_ms, int32_t flags);
NET_IMPORT("net_tls_start")
int32_t eryx_net_tls_start(int32_t handle, const char* host, int32_t host_len, const char* alpn,
                           int32_t alpn_len, int64_t timeout_ms);
NET_IMPORT("net_tls_handshake") int32_t eryx_net_tls_handshake(int32_t handle);
NET_IMPORT("net_tls_bio_new")
int32_t eryx_net_tls_bio_new(const char* host, int32_t host_len, const char* alpn,
                             int32_t alpn_len);
NET_IMPORT("net_tls_feed")
int32_t eryx_net_tls_feed(int32_t handle, const void* data, int32_t len, int32_t eof);
NET_IMPORT("net_tls_drain") int32_t eryx_net_tls_drain(int32_t handle, void* buf, int32_t cap);
NET_IMPORT("net_tls_info")
int32_t eryx_net_tls_info(int32_t handle, int32_t what, void* buf, int32_t cap);
NET_IMPORT("net_peer") int32_t eryx_net_peer(int32_t handle, int32_t which, void* out);
NET_IMPORT("net_error") int32_t eryx_net_error(char* buf, int32_t cap);

/* The host answers at most this many records from net_resolve, and polls at most this many
 * entries at once (docs/guest-abi.md). */
#define RESOLVE_MAX 32
#define POLL_MAX 1024
/* No single import moves more than this: the host takes at most 1 MiB per send, and a recv that
 * asks for more only allocates more. */
#define IO_MAX (1 << 20)

static uint32_t read_u32(const unsigned char* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v); /* wasm32 is little-endian, like the ABI's records */
  return v;
}

/* An address record (family, 16 bytes, port, scope) as (family, packed address, port, scope). */
static PyObject* address_record(const unsigned char* record) {
  uint32_t family = read_u32(record);
  Py_ssize_t size = family == ERYX_NET_IPV4 ? 4 : 16;
  return Py_BuildValue("(Iy#II)", (unsigned)family, (const char*)record + 4, size,
                       (unsigned)read_u32(record + 20), (unsigned)read_u32(record + 24));
}

/* resolve(name, family) -> [(family, packed_address, scope_id)] | status */
static PyObject* net_resolve(PyObject* self, PyObject* args) {
  (void)self;
  const char* name;
  Py_ssize_t name_len;
  int family;
  if (!PyArg_ParseTuple(args, "s#i:resolve", &name, &name_len, &family)) return NULL;
  if (name_len > INT32_MAX) return PyErr_Format(PyExc_ValueError, "host name too long");
  unsigned char records[RESOLVE_MAX * ERYX_NET_ADDR_BYTES];
  int32_t got = eryx_net_resolve(name, (int32_t)name_len, family, records, RESOLVE_MAX);
  if (got < 0) return PyLong_FromLong(got);
  if (got > RESOLVE_MAX) got = RESOLVE_MAX;
  PyObject* list = PyList_New(got);
  for (int32_t i = 0; list && i < got; i++) {
    PyObject* full = address_record(records + (size_t)i * ERYX_NET_ADDR_BYTES);
    PyObject* item = full ? Py_BuildValue("(OOO)", PyTuple_GET_ITEM(full, 0),
                                          PyTuple_GET_ITEM(full, 1), PyTuple_GET_ITEM(full, 3))
                          : NULL;
    Py_XDECREF(full);
    if (!item)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, i, item);
  }
  return list;
}

/* connect(host, port, timeout_ms) -> handle | status */
static PyObject* net_connect(PyObject* self, PyObject* args) {
  (void)self;
  const char* host;
  Py_ssize_t host_len;
  int port;
  long long timeout;
  if (!PyArg_ParseTuple(args, "s#iL:connect", &host, &host_len, &port, &timeout)) return NULL;
  if (host_len > INT32_MAX) return PyErr_Format(PyExc_ValueError, "host name too long");
  return PyLong_FromLong(eryx_net_connect(host, (int32_t)host_len, port, (int64_t)timeout));
}

/* send(handle, buffer, timeout_ms) -> bytes taken | status (any buffer-protocol object) */
static PyObject* net_send(PyObject* self, PyObject* args) {
  (void)self;
  int handle;
  Py_buffer data;
  long long timeout;
  if (!PyArg_ParseTuple(args, "iy*L:send", &handle, &data, &timeout)) return NULL;
  int32_t len = data.len > IO_MAX ? IO_MAX : (int32_t)data.len;
  int32_t got = eryx_net_send(handle, data.buf, len, (int64_t)timeout);
  PyBuffer_Release(&data);
  return PyLong_FromLong(got);
}

/* recv_into(handle, writable_buffer, nbytes, timeout_ms) -> bytes received | status. Writes into
 * the caller's buffer directly; nbytes 0 means the whole buffer. */
static PyObject* net_recv_into(PyObject* self, PyObject* args) {
  (void)self;
  int handle;
  Py_buffer buffer;
  Py_ssize_t nbytes;
  long long timeout;
  if (!PyArg_ParseTuple(args, "iw*nL:recv_into", &handle, &buffer, &nbytes, &timeout)) return NULL;
  if (nbytes < 0 || nbytes > buffer.len) {
    PyBuffer_Release(&buffer);
    return PyErr_Format(PyExc_ValueError, "nbytes is greater than the length of the buffer");
  }
  if (nbytes == 0) nbytes = buffer.len;
  if (nbytes > IO_MAX) nbytes = IO_MAX;
  int32_t got = eryx_net_recv(handle, buffer.buf, (int32_t)nbytes, (int64_t)timeout);
  PyBuffer_Release(&buffer);
  return PyLong_FromLong(got);
}

/* recv(handle, n, timeout_ms) -> bytes | status */
static PyObject* net_recv(PyObject* self, PyObject* args) {
  (void)self;
  int handle;
  Py_ssize_t n;
  long long timeout;
  if (!PyArg_ParseTuple(args, "inL:recv", &handle, &n, &timeout)) return NULL;
  if (n < 0) return PyErr_Format(PyExc_ValueError, "negative buffersize in recv");
  if (n > IO_MAX) n = IO_MAX;
  PyObject* bytes = PyBytes_FromStringAndSize(NULL, n);
  if (!bytes) return NULL;
  int32_t got = eryx_net_recv(handle, PyBytes_AS_STRING(bytes), (int32_t)n, (int64_t)timeout);
  if (got < 0) {
    Py_DECREF(bytes);
    return PyLong_FromLong(got);
  }
  if (got < n && _PyBytes_Resize(&bytes, got < n ? got : n) < 0) return NULL;
  return bytes;
}

/* shutdown(handle, how) -> 0 | status */
static PyObject* net_shutdown(PyObject* self, PyObject* args) {
  (void)self;
  int handle, how;
  if (!PyArg_ParseTuple(args, "ii:shutdown", &handle, &how)) return NULL;
  return PyLong_FromLong(eryx_net_shutdown(handle, how));
}

/* close(handle) -> 0 | status */
static PyObject* net_close(PyObject* self, PyObject* arg) {
  (void)self;
  int handle = PyLong_AsInt(arg);
  if (handle == -1 && PyErr_Occurred()) return NULL;
  return PyLong_FromLong(eryx_net_close(handle));
}

/* poll([(handle, events)], timeout_ms, flags) -> [revents] | status */
static PyObject* net_poll(PyObject* self, PyObject* args) {
  (void)self;
  PyObject* entries;
  long long timeout;
  int flags;
  if (!PyArg_ParseTuple(args, "OLi:poll", &entries, &timeout, &flags)) return NULL;
  PyObject* seq = PySequence_Fast(entries, "poll() needs a sequence of (handle, events)");
  if (!seq) return NULL;
  Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
  if (count > POLL_MAX) {
    Py_DECREF(seq);
    return PyErr_Format(PyExc_ValueError, "poll() takes at most %d sockets", POLL_MAX);
  }
  unsigned char* table = malloc(count ? (size_t)count * ERYX_NET_POLL_ENTRY_BYTES : 1);
  if (!table) {
    Py_DECREF(seq);
    return PyErr_NoMemory();
  }
  for (Py_ssize_t i = 0; i < count; i++) {
    unsigned int handle, events;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "II:poll entry", &handle, &events)) {
      free(table);
      Py_DECREF(seq);
      return NULL;
    }
    uint32_t h = handle;
    uint16_t ev = (uint16_t)events, rev = 0;
    unsigned char* e = table + (size_t)i * ERYX_NET_POLL_ENTRY_BYTES;
    memcpy(e, &h, 4);
    memcpy(e + 4, &ev, 2);
    memcpy(e + 6, &rev, 2);
  }
  Py_DECREF(seq);
  int32_t ready = eryx_net_poll(table, (int32_t)count, (int64_t)timeout, flags);
  PyObject* out = ready < 0 ? PyLong_FromLong(ready) : PyList_New(count);
  for (Py_ssize_t i = 0; ready >= 0 && out && i < count; i++) {
    uint16_t rev;
    memcpy(&rev, table + (size_t)i * ERYX_NET_POLL_ENTRY_BYTES + 6, 2);
    PyObject* v = PyLong_FromLong(rev);
    if (!v)
      Py_CLEAR(out);
    else
      PyList_SET_ITEM(out, i, v);
  }
  free(table);
  return out;
}

/* tls_start(handle, host, alpn_wire, timeout_ms) -> 0 | status */
static PyObject* net_tls_start(PyObject* self, PyObject* args) {
  (void)self;
  int handle;
  const char *host, *alpn;
  Py_ssize_t host_len, alpn_len;
  long long timeout;
  if (!PyArg_ParseTuple(args, "is#y#L:tls_start", &handle, &host, &host_len, &alpn, &alpn_len,
                        &timeout))
    return NULL;
  if (host_len > INT32_MAX || alpn_len > INT32_MAX)
    return PyErr_Format(PyExc_ValueError, "argument too long");
  return PyLong_FromLong(eryx_net_tls_start(handle, host, (int32_t)host_len, alpn,
                                            (int32_t)alpn_len, (int64_t)timeout));
}

/* tls_handshake(handle) -> 0 | status */
static PyObject* net_tls_handshake(PyObject* self, PyObject* arg) {
  (void)self;
  int handle = PyLong_AsInt(arg);
  if (handle == -1 && PyErr_Occurred()) return NULL;
  return PyLong_FromLong(eryx_net_tls_handshake(handle));
}

/* tls_bio_new(host, alpn_wire) -> handle | status */
static PyObject* net_tls_bio_new(PyObject* self, PyObject* args) {
  (void)self;
  const char *host, *alpn;
  Py_ssize_t host_len, alpn_len;
  if (!PyArg_ParseTuple(args, "s#y#:tls_bio_new", &host, &host_len, &alpn, &alpn_len)) return NULL;
  if (host_len > INT32_MAX || alpn_len > INT32_MAX)
    return PyErr_Format(PyExc_ValueError, "argument too long");
  return PyLong_FromLong(eryx_net_tls_bio_new(host, (int32_t)host_len, alpn, (int32_t)alpn_len));
}

/* tls_feed(handle, data, eof) -> bytes taken | status */
static PyObject* net_tls_feed(PyObject* self, PyObject* args) {
  (void)self;
  int handle, eof;
  Py_buffer data;
  if (!PyArg_ParseTuple(args, "iy*p:tls_feed", &handle, &data, &eof)) return NULL;
  int32_t len = data.len > IO_MAX ? IO_MAX : (int32_t)data.len;
  int32_t got = eryx_net_tls_feed(handle, data.buf, len, eof);
  PyBuffer_Release(&data);
  return PyLong_FromLong(got);
}

/* tls_drain(handle, cap) -> bytes (empty: nothing to send) | status */
static PyObject* net_tls_drain(PyObject* self, PyObject* args) {
  (void)self;
  int handle;
  Py_ssize_t cap;
  if (!PyArg_ParseTuple(args, "in:tls_drain", &handle, &cap)) return NULL;
  if (cap < 0) return PyErr_Format(PyExc_ValueError, "negative capacity");
  if (cap > IO_MAX) cap = IO_MAX;
  PyObject* bytes = PyBytes_FromStringAndSize(NULL, cap);
  if (!bytes) return NULL;
  int32_t got = eryx_net_tls_drain(handle, PyBytes_AS_STRING(bytes), (int32_t)cap);
  if (got < 0) {
    Py_DECREF(bytes);
    return PyLong_FromLong(got);
  }
  if (got < cap && _PyBytes_Resize(&bytes, got) < 0) return NULL;
  return bytes;
}

/* tls_info(handle, what) -> bytes | status. The host answers the full size, so a buffer that was
 * too small is grown once to fit. */
static PyObject* net_tls_info(PyObject* self, PyObject* args) {
  (void)self;
  int handle, what;
  if (!PyArg_ParseTuple(args, "ii:tls_info", &handle, &what)) return NULL;
  int32_t cap = 4096;
  for (int attempt = 0; attempt < 3; attempt++) {
    PyObject* bytes = PyBytes_FromStringAndSize(NULL, cap);
    if (!bytes) return NULL;
    int32_t size = eryx_net_tls_info(handle, what, PyBytes_AS_STRING(bytes), cap);
    if (size < 0) {
      Py_DECREF(bytes);
      return PyLong_FromLong(size);
    }
    if (size <= cap) {
      if (size < cap && _PyBytes_Resize(&bytes, size) < 0) return NULL;
      return bytes;
    }
    Py_DECREF(bytes);
    cap = size; /* the answer may change between calls only if the handle did: retry bounded */
  }
  return PyErr_Format(PyExc_RuntimeError, "eryx: the TLS information kept growing");
}

/* peer(handle, which) -> (family, packed_address, port, scope_id) | status; which 0 = the peer,
 * 1 = the local end. */
static PyObject* net_peer(PyObject* self, PyObject* args) {
  (void)self;
  int handle, which;
  if (!PyArg_ParseTuple(args, "ii:peer", &handle, &which)) return NULL;
  unsigned char record[ERYX_NET_ADDR_BYTES] = {0};
  int32_t status = eryx_net_peer(handle, which, record);
  if (status < 0) return PyLong_FromLong(status);
  return address_record(record);
}

/* error() -> the host's message for the last failed net_* call ('' when none). */
static PyObject* net_error(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  char small[512];
  int32_t size = eryx_net_error(small, (int32_t)sizeof small);
  if (size <= 0) return PyUnicode_FromStringAndSize("", 0);
  if ((size_t)size <= sizeof small) return PyUnicode_DecodeUTF8(small, size, "replace");
  char* big = malloc((size_t)size);
  if (!big) return PyErr_NoMemory();
  int32_t again = eryx_net_error(big, size);
  if (again > size || again < 0) again = again < 0 ? 0 : size;
  PyObject* text = PyUnicode_DecodeUTF8(big, again, "replace");
  free(big);
  return text;
}

static PyMethodDef net_methods[] = {
    {"resolve", net_resolve, METH_VARARGS, "resolve(name, family) -> [(family, addr, scope)] | st"},
    {"connect", net_connect, METH_VARARGS, "connect(host, port, timeout_ms) -> handle | status"},
    {"send", net_send, METH_VARARGS, "send(handle, buffer, timeout_ms) -> taken | status"},
    {"recv_into", net_recv_into, METH_VARARGS,
     "recv_into(handle, buffer, nbytes, timeout_ms) -> received | status"},
    {"recv", net_recv, METH_VARARGS, "recv(handle, n, timeout_ms) -> bytes | status"},
    {"shutdown", net_shutdown, METH_VARARGS, "shutdown(handle, how) -> 0 | status"},
    {"close", net_close, METH_O, "close(handle) -> 0 | status"},
    {"poll", net_poll, METH_VARARGS, "poll([(handle, events)], timeout_ms, flags) -> [revents]"},
    {"tls_start", net_tls_start, METH_VARARGS, "tls_start(handle, host, alpn, timeout_ms)"},
    {"tls_handshake", net_tls_handshake, METH_O, "tls_handshake(handle) -> 0 | status"},
    {"tls_bio_new", net_tls_bio_new, METH_VARARGS, "tls_bio_new(host, alpn) -> handle | status"},
    {"tls_feed", net_tls_feed, METH_VARARGS, "tls_feed(handle, data, eof) -> taken | status"},
    {"tls_drain", net_tls_drain, METH_VARARGS, "tls_drain(handle, cap) -> bytes | status"},
    {"tls_info", net_tls_info, METH_VARARGS, "tls_info(handle, what) -> bytes | status"},
    {"peer", net_peer, METH_VARARGS, "peer(handle, which) -> (family, addr, port, scope)"},
    {"error", net_error, METH_NOARGS, "error() -> the host's message for the last failure"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef net_module = {
    PyModuleDef_HEAD_INIT,
    "_eryx_net",
    "eryx host calls (networking)",
    -1,
    net_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* The ABI's numbers, as module constants, so the Python shims never restate them. */
static int add_constants(PyObject* m) {
  static const struct {
    const char* name;
    long value;
  } constants[] = {
      {"DISABLED", ERYX_NET_DISABLED},
      {"DENIED", ERYX_NET_DENIED},
      {"NOT_FOUND", ERYX_NET_NOT_FOUND},
      {"TIMED_OUT", ERYX_NET_TIMED_OUT},
      {"WOULD_BLOCK", ERYX_NET_WOULD_BLOCK},
      {"WANT_WRITE", ERYX_NET_WANT_WRITE},
      {"LIMIT", ERYX_NET_LIMIT},
      {"REFUSED", ERYX_NET_REFUSED},
      {"RESET", ERYX_NET_RESET},
      {"BAD_HANDLE", ERYX_NET_BAD_HANDLE},
      {"TLS_ERROR", ERYX_NET_TLS_ERROR},
      {"CERT_ERROR", ERYX_NET_CERT_ERROR},
      {"INVALID", ERYX_NET_INVALID},
      {"IO_ERROR", ERYX_NET_IO_ERROR},
      {"UNREACHABLE", ERYX_NET_UNREACHABLE},
      {"TLS_EOF", ERYX_NET_TLS_EOF},
      {"INTERRUPTED", ERYX_NET_INTERRUPTED},
      {"ANY", ERYX_NET_ANY},
      {"IPV4", ERYX_NET_IPV4},
      {"IPV6", ERYX_NET_IPV6},
      {"POLL_IN", ERYX_POLL_IN},
      {"POLL_OUT", ERYX_POLL_OUT},
      {"POLL_ERR", ERYX_POLL_ERR},
      {"POLL_HUP", ERYX_POLL_HUP},
      {"POLL_WAKE_ON_CALLBACKS", ERYX_POLL_WAKE_ON_CALLBACKS},
      {"POLL_MAX", POLL_MAX},
      {"IO_MAX", IO_MAX},
      {"SHUT_RD", ERYX_SHUT_RD},
      {"SHUT_WR", ERYX_SHUT_WR},
      {"SHUT_RDWR", ERYX_SHUT_RDWR},
      {"TLS_PEER_CERT_DER", ERYX_TLS_PEER_CERT_DER},
      {"TLS_VERSION", ERYX_TLS_VERSION},
      {"TLS_ALPN", ERYX_TLS_ALPN},
      {"TLS_CIPHER", ERYX_TLS_CIPHER},
      {"TLS_PEER_CHAIN_DER", ERYX_TLS_PEER_CHAIN_DER},
      {"TLS_PEER_CERT_JSON", ERYX_TLS_PEER_CERT_JSON},
  };
  for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
    if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) < 0) return -1;
  return 0;
}

static PyObject* init_net_module(void) {
  PyObject* m = PyModule_Create(&net_module);
  if (m && add_constants(m) < 0) Py_CLEAR(m);
  return m;
}

int eryx_net_register_builtin(void) { return PyImport_AppendInittab("_eryx_net", init_net_module); }

/* Runs eryx_net_install.py as module _eryx_net_install with SOURCES = {module name: source} of the
 * shims it installs. 0 on success (errors printed to fd 2). */
int eryx_net_setup(void) {
  static const struct {
    const char* name;
    const unsigned char* text;
    unsigned long len;
  } shims[] = {
      {"_socket", eryx_socket_py, sizeof eryx_socket_py - 1},
      {"select", eryx_select_py, sizeof eryx_select_py - 1},
      {"ssl", eryx_ssl_py, sizeof eryx_ssl_py - 1},
  };
  PyObject* module = PyImport_AddModule("_eryx_net_install"); /* borrowed, in sys.modules */
  if (!module) goto fail;
  PyObject* globals = PyModule_GetDict(module); /* borrowed */
  if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) goto fail;
  PyObject* sources = PyDict_New();
  if (!sources) goto fail;
  if (PyDict_SetItemString(globals, "SOURCES", sources) < 0) {
    Py_DECREF(sources);
    goto fail;
  }
  Py_DECREF(sources); /* the module's globals keep it */
  for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++) {
    PyObject* text =
        PyUnicode_DecodeUTF8((const char*)shims[i].text, (Py_ssize_t)shims[i].len, "strict");
    if (!text || PyDict_SetItemString(sources, shims[i].name, text) < 0) {
      Py_XDECREF(text);
      goto fail;
    }
    Py_DECREF(text);
  }
  PyObject* code =
      Py_CompileString((const char*)eryx_net_install_py, "<eryx net install>", Py_file_input);
  if (!code) goto fail;
  PyObject* result = PyEval_EvalCode(code, globals, globals);
  Py_DECREF(code);
  if (!result) goto fail;
  Py_DECREF(result);
  return 0;
fail:
  PyErr_Print();
  return 1;
}
