/*
 * eryx guest glue, callbacks: the built-in `_eryx` module over the host's callback imports, the
 * `_eryx_callbacks` runtime (guest/runtime/eryx_callbacks.py, embedded at build time) and the
 * eryx_install_callbacks export. See docs/guest-abi.md.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eryx_callbacks_py.h" /* generated: eryx_callbacks_py[], eryx_callbacks_py_len */
#include "eryx_glue.h"

/* Returns a handle > 0, or 0 when no execution is running. */
__attribute__((import_module("eryx"), import_name("callback_start"))) extern uint32_t
eryx_host_callback_start(const char* name, size_t name_len, const char* args, size_t args_len);

/* Waits up to timeout_ms (-1: no limit but the execution's deadline) for a completion.
 * 1: ready, out = {handle, status, payload_size}; 0: timed out; 2: nothing in flight. */
__attribute__((import_module("eryx"), import_name("callback_wait"))) extern uint32_t
eryx_host_callback_wait(int64_t timeout_ms, uint32_t* out);

/* Copies the payload of a ready completion and forgets it: its size, or <0 (unknown handle or
 * buffer too small). */
__attribute__((import_module("eryx"), import_name("callback_take"))) extern int32_t
eryx_host_callback_take(uint32_t handle, char* buf, size_t buf_len);

/* ---- the _eryx module ----------------------------------------------------------------------- */

static PyObject* eryx_start(PyObject* self, PyObject* args) {
  (void)self;
  const char *name, *arguments;
  Py_ssize_t name_len, arguments_len;
  if (!PyArg_ParseTuple(args, "s#s#:start", &name, &name_len, &arguments, &arguments_len))
    return NULL;
  uint32_t handle =
      eryx_host_callback_start(name, (size_t)name_len, arguments, (size_t)arguments_len);
  return PyLong_FromUnsignedLong(handle);
}

/* wait(timeout_ms) -> [(handle, status, payload)] (empty on timeout), or None when nothing is in
 * flight. After the first completion, the others already ready are collected without waiting. */
static PyObject* eryx_wait(PyObject* self, PyObject* arg) {
  (void)self;
  long long timeout = PyLong_AsLongLong(arg);
  if (timeout == -1 && PyErr_Occurred()) return NULL;
  PyObject* completions = PyList_New(0);
  if (!completions) return NULL;
  for (;;) {
    uint32_t out[ERYX_WAIT_OUT_WORDS] = {0, 0, 0};
    uint32_t state = eryx_host_callback_wait((int64_t)timeout, out);
    if (state == ERYX_WAIT_IDLE && PyList_GET_SIZE(completions) == 0) {
      Py_DECREF(completions);
      Py_RETURN_NONE;
    }
    if (state != ERYX_WAIT_READY) break;
    size_t size = out[2];
    char* buffer = malloc(size ? size : 1);
    if (!buffer) {
      Py_DECREF(completions);
      return PyErr_NoMemory();
    }
    int32_t got = eryx_host_callback_take(out[0], buffer, size);
    if (got < 0) {
      free(buffer);
      Py_DECREF(completions);
      PyErr_SetString(PyExc_RuntimeError, "eryx: a callback completion vanished");
      return NULL;
    }
    /* Results are JSON from the host (valid UTF-8); a handler's error message may not be. */
    PyObject* payload = PyUnicode_DecodeUTF8(buffer, (Py_ssize_t)got, "replace");
    free(buffer);
    PyObject* item =
        payload ? Py_BuildValue("(IIN)", (unsigned)out[0], (unsigned)out[1], payload) : NULL;
    if (!item || PyList_Append(completions, item) < 0) {
      Py_XDECREF(item);
      Py_DECREF(completions);
      return NULL;
    }
    Py_DECREF(item);
    timeout = 0;
  }
  return completions;
}

static PyMethodDef eryx_methods[] = {
    {"start", eryx_start, METH_VARARGS, "start(name, arguments_json) -> handle"},
    {"wait", eryx_wait, METH_O, "wait(timeout_ms) -> [(handle, status, payload)] or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef eryx_module = {
    PyModuleDef_HEAD_INIT,
    "_eryx",
    "eryx host calls (callbacks)",
    -1,
    eryx_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

static PyObject* init_eryx_module(void) { return PyModule_Create(&eryx_module); }

int eryx_callbacks_register_builtin(void) {
  return PyImport_AppendInittab("_eryx", init_eryx_module);
}

/* Runs the embedded runtime as module _eryx_callbacks. 0 on success (errors printed to fd 2). */
int eryx_callbacks_setup(void) {
  PyObject* module = PyImport_AddModule("_eryx_callbacks"); /* borrowed, in sys.modules */
  if (!module) goto fail;
  PyObject* globals = PyModule_GetDict(module); /* borrowed */
  if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) goto fail;
  PyObject* code =
      Py_CompileString((const char*)eryx_callbacks_py, "<eryx callbacks>", Py_file_input);
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

/* Installs the host's callback catalogue (JSON) into __main__. 0 on success; otherwise 1 after
 * reporting why through eryx.report_result (kind 1). */
ERYX_EXPORT("eryx_install_callbacks")
int32_t eryx_install_callbacks(const char* catalog, size_t catalog_len) {
  if (!Py_IsInitialized() || catalog_len > (size_t)PY_SSIZE_T_MAX) return 2;
  static PyObject* name_callbacks;
  PyObject* runtime = loaded_module(&name_callbacks, "_eryx_callbacks");
  PyObject* done = NULL;
  if (runtime) {
    done = PyObject_CallMethod(runtime, "install", "s#", catalog, (Py_ssize_t)catalog_len);
    Py_DECREF(runtime);
  }
  if (done) {
    Py_DECREF(done);
    return 0;
  }
  PyObject* exc = PyErr_GetRaisedException();
  PyObject* text = exc ? PyObject_Str(exc) : NULL;
  const char* message = text ? PyUnicode_AsUTF8(text) : NULL;
  if (!message) message = "installing the callbacks failed";
  eryx_host_report_result(ERYX_RESULT_UNSERIALIZABLE, message, strlen(message));
  Py_XDECREF(text);
  Py_XDECREF(exc);
  PyErr_Clear();
  return 1;
}
