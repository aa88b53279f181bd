/*
 * eryx guest glue: the WASI reactor's exports over CPython's embedding API.
 * Implements docs/guest-abi.md (version 4).
 *
 * Exports: eryx_init, eryx_alloc, eryx_free, eryx_set_filename, eryx_execute, eryx_capture_result,
 * eryx_clear_state,
 * eryx_reseed, eryx_snapshot_state, eryx_restore_state (eryx_install_callbacks is in
 * eryx_callbacks.c, eryx_freeze_heap in eryx_heap.c), plus memory and _initialize from the
 * toolchain. Imports: eryx.report_exception, eryx.report_result (and the callback imports,
 * eryx_callbacks.c). Everything else the module imports comes from wasi_snapshot_preview1 through
 * wasi-libc.
 *
 * Invariants: no export returns with a Python error pending; sys.stdout and sys.stderr are flushed
 * before eryx_execute returns; strings crossing the boundary are UTF-8 (ptr, len) pairs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eryx_glue.h"

#define ERYX_STR2(x) #x
#define ERYX_STR(x) ERYX_STR2(x)
/* /usr/local/lib/python313.zip for 3.13: derived from the headers' version. (Overridable only so
 * that guest/tests/ can run this file natively against a local zip; the guest build never does.) */
#ifndef ERYX_STDLIB_ZIP
#define ERYX_STDLIB_ZIP \
  L"/usr/local/lib/python" ERYX_STR(PY_MAJOR_VERSION) ERYX_STR(PY_MINOR_VERSION) ".zip"
#endif
#define ERYX_HOME L"/usr/local"
#define ERYX_EXECUTABLE L"/usr/local/bin/python3"
#define ERYX_FILENAME "<exec>"

/* ---- fd 2 messages (used when Python itself cannot report) -------------------------------- */

static void write_all(int fd, const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static void fd2(const char* a, const char* b) {
  write_all(2, "eryx guest: ", 12);
  write_all(2, a, strlen(a));
  if (b) {
    write_all(2, ": ", 2);
    write_all(2, b, strlen(b));
  }
  write_all(2, "\n", 1);
}

/* ---- memory --------------------------------------------------------------------------------- */

ERYX_EXPORT("eryx_alloc") void* eryx_alloc(size_t size) { return malloc(size ? size : 1); }

ERYX_EXPORT("eryx_free") void eryx_free(void* ptr) { free(ptr); }

/* ---- names and modules used on every execution ------------------------------------------- */

/* An interned string kept for the interpreter's lifetime (borrowed reference; NULL with an error
 * set when out of memory). Made once, before the snapshot is captured, so an execution allocates
 * nothing to look a name up: in a fresh sandbox every allocation writes a copy-on-write page. */
static PyObject* cached_name(PyObject** slot, const char* text) {
  if (!*slot) *slot = PyUnicode_InternFromString(text);
  return *slot;
}

static PyObject *name_main, *name_linecache, *name_cache, *name_exec_filename, *name_runtime;

PyObject* loaded_module(PyObject** slot, const char* text) {
  PyObject* name = cached_name(slot, text);
  if (!name) return NULL;
  PyObject* module = PyImport_GetModule(name);
  if (!module && !PyErr_Occurred()) module = PyImport_Import(name);
  return module;
}

/* __main__ (borrowed), created if missing. */
static PyObject* main_module(void) {
  PyObject* name = cached_name(&name_main, "__main__");
  return name ? PyImport_AddModuleObject(name) : NULL;
}

/* ---- init ----------------------------------------------------------------------------------- */

static int status_failed(PyStatus st, PyConfig* config) {
  if (config) PyConfig_Clear(config);
  fd2(st.func ? st.func : "Python initialisation failed",
      st.err_msg ? st.err_msg : "unknown error");
  return 1;
}

/* Python run once after start-up (so its effects are part of the pristine state). Kept small:
 * everything it imports is paid for by every fresh interpreter.
 * - asyncio's selector loop needs socket.socketpair() for its self-pipe, which WASI lacks. The
 * guest is single-threaded and has no signals, so a loop without the self-pipe loses nothing: when
 *   asyncio.selector_events is first imported, a meta-path hook turns the self-pipe into no-ops.
 *   The same hook makes the loop resolve names inline (eryx_net_install.py: no thread pool).
 * - _eryx_runtime.run_coroutine runs code that uses top-level await.
 * - linecache (every execute registers its source there) and traceback (every error) are imported
 *   now, so that a fresh interpreter does not pay for importing them on each execution; one
 *   compile() likewise initialises the AST types, which CPython creates lazily on first use (~1 ms).
 * What else the built-in images hold (asyncio, json, the common stdlib) is the host's choice: the
 * snapshot builder imports it after eryx_init (src/engine/image_modules.h, docs/guest.md).
 */
static const char kRuntimeSetup[] =
    "import sys, linecache, traceback\n"
    "compile('pass', '<eryx warm-up>', 'exec', 0x2000, True)\n"
    "def _no_self_pipe(module):\n"
    "    loop = module.BaseSelectorEventLoop\n"
    "    loop._make_self_pipe = loop._close_self_pipe = loop._write_to_self = lambda self: None\n"
    "    import _eryx_callbacks, _eryx_net_install\n"
    "    _eryx_callbacks.patch_event_loop(module)\n"
    "    _eryx_net_install.patch_event_loop(module)\n"
    "class _PatchingLoader:\n"
    "    def __init__(self, inner, patch): self.inner, self.patch = inner, patch\n"
    "    def create_module(self, spec): return self.inner.create_module(spec)\n"
    "    def exec_module(self, module):\n"
    "        self.inner.exec_module(module)\n"
    "        self.patch(module)\n"
    "class _EryxAsyncioHook:\n"
    "    @classmethod\n"
    "    def find_spec(cls, name, path=None, target=None):\n"
    "        if name != 'asyncio.selector_events': return None\n"
    "        for finder in sys.meta_path:\n"
    "            if finder is cls or not hasattr(finder, 'find_spec'): continue\n"
    "            spec = finder.find_spec(name, path, target)\n"
    "            if spec is not None:\n"
    "                spec.loader = _PatchingLoader(spec.loader, _no_self_pipe)\n"
    "                return spec\n"
    "        return None\n"
    "sys.meta_path.insert(0, _EryxAsyncioHook)\n"
    "class _Runtime:\n"
    "    @staticmethod\n"
    "    def run_coroutine(coroutine):\n"
    "        import asyncio\n"
    "        return asyncio.run(coroutine)\n"
    "    @staticmethod\n"
    "    def capture_result(name):\n"
    "        import __main__\n"
    "        if name not in __main__.__dict__: return (2, '')\n"
    "        value = __main__.__dict__.pop(name)  # consumed: a Session's next run reports its own\n"
    "        try:\n"
    "            import json\n"
    "            return (0, json.dumps(value, allow_nan=False))\n"
    "        except Exception as e:\n"
    "            return (1, f'{type(e).__name__}: {e}')\n"
    "    @staticmethod\n"
    "    def snapshot_state():\n"
    "        import __main__, pickle\n"
    "        state, failed = {}, []\n"
    "        callbacks = getattr(sys.modules.get('_eryx_callbacks'), 'installed', {})\n"
    "        for key, value in __main__.__dict__.items():\n"
    "            if key.startswith('__') and key.endswith('__'): continue\n"
    "            if callbacks.get(key) is value: continue  # the host installs these\n"
    "            if type(value).__name__ == 'module':\n"
    "                state[key] = ('module', value.__name__)\n"
    "                continue\n"
    "            try:\n"
    "                state[key] = ('value', pickle.dumps(value))\n"
    "            except Exception as e:\n"
    "                failed.append(f'{key} ({type(e).__name__}: {e})')\n"
    "        if failed: return (1, 'cannot serialise: ' + ', '.join(failed))\n"
    "        return (0, pickle.dumps(state))\n"
    "    @staticmethod\n"
    "    def restore_state(blob):\n"
    "        import __main__, pickle, importlib\n"
    "        try:\n"
    "            state = pickle.loads(blob)\n"
    "            values = {}\n"
    "            for key, (kind, data) in state.items():\n"
    "                values[key] = importlib.import_module(data) if kind == 'module' else "
    "pickle.loads(data)\n"
    "        except Exception as e:\n"
    "            return (1, f'corrupt or incompatible state: {type(e).__name__}: {e}')\n"
    "        __main__.__dict__.update(values)\n"
    "        return (0, b'')\n"
    "    @staticmethod\n"
    "    def clear_state():\n"
    "        import __main__\n"
    "        names = __main__.__dict__\n"
    "        for key in [k for k in names if not (k.startswith('__') and k.endswith('__'))]:\n"
    "            del names[key]\n"
    "sys.modules['_eryx_runtime'] = _Runtime\n";

static int run_runtime_setup(void) {
  PyObject* globals = PyDict_New();
  if (!globals) return 1;
  PyObject* builtins = PyEval_GetBuiltins(); /* borrowed */
  if (builtins) PyDict_SetItemString(globals, "__builtins__", builtins);
  PyObject* result = PyRun_String(kRuntimeSetup, Py_file_input, globals, globals);
  Py_DECREF(globals);
  if (!result) {
    PyErr_Print();
    return 1;
  }
  Py_DECREF(result);
  return 0;
}

/* A guest flavour (cmake/GuestFlavour.cmake) defines this to import its packages at start-up, so
 * they are part of the snapshot every sandbox starts from. */
__attribute__((weak)) int32_t eryx_flavour_setup(void) { return 0; }

ERYX_EXPORT("eryx_init") int32_t eryx_init(void) {
  if (Py_IsInitialized()) return 0;

  PyPreConfig pre;
  PyPreConfig_InitIsolatedConfig(&pre);
  pre.utf8_mode = 1;
  PyStatus st = Py_PreInitialize(&pre);
  if (PyStatus_Exception(st)) return status_failed(st, NULL);

  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 0;
  config.install_signal_handlers = 0;
  config.write_bytecode = 0;
  config.user_site_directory = 0;
  config.parse_argv = 0;
  config.pathconfig_warnings = 0;

  config.module_search_paths_set = 1;
  st = PyWideStringList_Append(&config.module_search_paths, ERYX_STDLIB_ZIP);
  if (PyStatus_Exception(st)) return status_failed(st, &config);
#ifdef ERYX_TEST_EXTRA_SEARCH_PATH /* native test harness only: the host's lib-dynload */
  st = PyWideStringList_Append(&config.module_search_paths, ERYX_TEST_EXTRA_SEARCH_PATH);
  if (PyStatus_Exception(st)) return status_failed(st, &config);
#endif
  st = PyConfig_SetString(&config, &config.home, ERYX_HOME);
  if (PyStatus_Exception(st)) return status_failed(st, &config);
  st = PyConfig_SetString(&config, &config.program_name, ERYX_EXECUTABLE);
  if (PyStatus_Exception(st)) return status_failed(st, &config);
  st = PyConfig_SetString(&config, &config.executable, ERYX_EXECUTABLE);
  if (PyStatus_Exception(st)) return status_failed(st, &config);
  wchar_t* argv[] = {L"python"};
  st = PyConfig_SetArgv(&config, 1, argv);
  if (PyStatus_Exception(st)) return status_failed(st, &config);

  if (eryx_callbacks_register_builtin() != 0 || eryx_net_register_builtin() != 0) {
    PyConfig_Clear(&config);
    fd2("cannot register the _eryx and _eryx_net modules", NULL);
    return 1;
  }
  st = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(st)) return status_failed(st, NULL);
  if (PyErr_Occurred()) { /* defensive: never leave an error behind */
    PyErr_Print();
    return 1;
  }
  if (eryx_callbacks_setup() != 0) return 1;
  if (eryx_net_setup() != 0) return 1; /* before run_runtime_setup imports asyncio (and socket) */
  if (run_runtime_setup() != 0) return 1;
  return eryx_flavour_setup();
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Flushes sys.stdout and sys.stderr; any error from flushing is discarded. */
static void flush_std_streams(void) {
  PyObject* exc = PyErr_GetRaisedException(); /* keep a pending error (if any) intact */
  static const char* const names[] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    PyObject* f = PySys_GetObject(names[i]); /* borrowed */
    if (f && f != Py_None) {
      PyObject* r = PyObject_CallMethod(f, "flush", NULL);
      if (r)
        Py_DECREF(r);
      else
        PyErr_Clear();
    }
  }
  PyErr_SetRaisedException(exc);
}

/* linecache.cache[filename] = (len(src), None, src.splitlines(True), filename), so tracebacks
 * show the user's lines. mtime None keeps linecache.checkcache() from evicting it. Errors are
 * cleared. */
static void register_source(PyObject* src, PyObject* filename) {
  PyObject *linecache = NULL, *cache = NULL, *lines = NULL, *entry = NULL, *key = NULL;
  linecache = loaded_module(&name_linecache, "linecache");
  if (!linecache) goto done;
  PyObject* cache_name = cached_name(&name_cache, "cache");
  cache = cache_name ? PyObject_GetAttr(linecache, cache_name) : NULL;
  if (!cache) goto done;
  lines = PyUnicode_Splitlines(src, 1);
  if (!lines) goto done;
  key = filename; /* borrowed */
  entry = Py_BuildValue("(nOOO)", PyUnicode_GET_LENGTH(src), Py_None, lines, key);
  if (entry) (void)PyObject_SetItem(cache, key, entry);
done:
  Py_XDECREF(entry);
  Py_XDECREF(lines);
  Py_XDECREF(cache);
  Py_XDECREF(linecache);
  PyErr_Clear();
}

/* Qualified name of an exception type: "ValueError", "json.decoder.JSONDecodeError". New ref. */
static PyObject* qualified_type_name(PyObject* exc) {
  PyObject* type = (PyObject*)Py_TYPE(exc);
  PyObject* qualname = PyObject_GetAttrString(type, "__qualname__");
  if (!qualname) return NULL;
  PyObject* module = PyObject_GetAttrString(type, "__module__");
  if (!module) {
    PyErr_Clear();
    return qualname;
  }
  PyObject* out;
  if (PyUnicode_Check(module) && !PyUnicode_EqualToUTF8(module, "builtins") &&
      !PyUnicode_EqualToUTF8(module, "__main__"))
    out = PyUnicode_FromFormat("%U.%U", module, qualname);
  else
    out = Py_NewRef(qualname);
  Py_DECREF(module);
  Py_DECREF(qualname);
  return out;
}

/* The file name of the frame a traceback entry is in (borrowed from the frame's code), or NULL. */
static PyObject* entry_filename(PyTracebackObject* tb) {
  PyCodeObject* code = PyFrame_GetCode(tb->tb_frame);
  PyObject* name = code->co_filename;
  Py_DECREF(code); /* the frame keeps its code, so `name` stays alive */
  return name;
}

static int is_named(PyObject* name, const char* text) {
  return name && PyUnicode_Check(name) && PyUnicode_EqualToUTF8(name, text);
}

/* Trims the traceback of `exc` to the user's view: the entries before the first one in the user's
 * code (asyncio.run and the runtime's run_coroutine, for top-level await) and those of the callback
 * proxies go. Done in C over the linked entries, without allocating: a MemoryError after deep
 * recursion has ~10^5 of them, and the guest is out of memory then. Follows __cause__ and
 * __context__ (bounded: a chain built by hand may loop). With `max_entries` > 0, keeps only that
 * many of the innermost entries, as CPython's C traceback printer always has: the traceback module
 * walks every entry's positions and summarises every kept one, which after a recursion 600,000 deep
 * (sys.setrecursionlimit raised, ended by the memory limit) took ~10 s of the execution's time. */
static void trim_traceback(PyObject* exc, int depth, Py_ssize_t max_entries) {
  if (!exc || depth > 64 || !PyExceptionInstance_Check(exc)) return;
  PyObject* tb = PyException_GetTraceback(exc);
  if (tb && PyTraceBack_Check(tb)) {
    PyTracebackObject* first = (PyTracebackObject*)tb;
    for (PyTracebackObject* t = first; t; t = t->tb_next) {
      if (is_named(entry_filename(t), ERYX_FILENAME)) {
        first = t;
        break;
      }
    }
    while (first && is_named(entry_filename(first), "<eryx callbacks>")) first = first->tb_next;
    for (PyTracebackObject* t = first; t; t = t->tb_next) {
      PyTracebackObject* next = t->tb_next;
      while (next && is_named(entry_filename(next), "<eryx callbacks>")) next = next->tb_next;
      if (next != t->tb_next) Py_XSETREF(t->tb_next, (PyTracebackObject*)Py_XNewRef(next));
    }
    if (max_entries > 0) {
      Py_ssize_t count = 0;
      for (PyTracebackObject* t = first; t; t = t->tb_next) count++;
      for (; count > max_entries; count--) first = first->tb_next;
    }
    if ((PyObject*)first != tb) PyException_SetTraceback(exc, first ? (PyObject*)first : Py_None);
  }
  Py_XDECREF(tb);
  PyObject* cause = PyException_GetCause(exc);
  trim_traceback(cause, depth + 1, max_entries);
  Py_XDECREF(cause);
  PyObject* context = PyException_GetContext(exc);
  trim_traceback(context, depth + 1, max_entries);
  Py_XDECREF(context);
}

/* Entries a reported traceback keeps when the code has not set sys.tracebacklimit (which the
 * traceback module then applies itself). */
#define ERYX_TRACEBACK_ENTRIES 1000

/* "".join(traceback.format_exception(exc)), after trim_traceback(). New ref. */
static PyObject* format_traceback(PyObject* exc) {
  trim_traceback(exc, 0, PySys_GetObject("tracebacklimit") ? 0 : ERYX_TRACEBACK_ENTRIES);
  PyObject* traceback = PyImport_ImportModule("traceback");
  if (!traceback) return NULL;
  PyObject* parts = PyObject_CallMethod(traceback, "format_exception", "O", exc);
  Py_DECREF(traceback);
  if (!parts) return NULL;
  PyObject* empty = PyUnicode_FromStringAndSize("", 0);
  PyObject* out = empty ? PyUnicode_Join(empty, parts) : NULL;
  Py_XDECREF(empty);
  Py_DECREF(parts);
  return out;
}

static void report(const char* type, Py_ssize_t type_len, const char* msg, Py_ssize_t msg_len,
                   const char* tb, Py_ssize_t tb_len) {
  eryx_host_report_exception(type, (size_t)type_len, msg, (size_t)msg_len, tb, (size_t)tb_len);
}

/* Reports exc through eryx.report_exception. Consumes nothing; leaves no error set. Falls back to
 * fixed strings when formatting fails (e.g. MemoryError while reporting). */
static void report_exception(PyObject* exc) {
  PyObject* type = qualified_type_name(exc);
  if (!type) PyErr_Clear();
  PyObject* msg = PyObject_Str(exc);
  if (!msg) PyErr_Clear();
  PyObject* tb = format_traceback(exc);
  if (!tb) PyErr_Clear();

  Py_ssize_t tl = 0, ml = 0, bl = 0;
  const char* t = type ? PyUnicode_AsUTF8AndSize(type, &tl) : NULL;
  if (!t) {
    PyErr_Clear();
    int is_mem = PyErr_GivenExceptionMatches(exc, PyExc_MemoryError);
    t = is_mem ? "MemoryError" : "BaseException";
    tl = (Py_ssize_t)strlen(t);
  }
  const char* m = msg ? PyUnicode_AsUTF8AndSize(msg, &ml) : NULL;
  if (!m) {
    PyErr_Clear();
    m = "";
    ml = 0;
  }
  const char* b = tb ? PyUnicode_AsUTF8AndSize(tb, &bl) : NULL;
  char fallback[256];
  if (!b) {
    PyErr_Clear();
    /* "Type: msg\n" with fixed storage (no allocation), truncated if needed. */
    size_t n = 0, cap = sizeof fallback - 2;
    for (Py_ssize_t i = 0; i < tl && n < cap; i++) fallback[n++] = t[i];
    if (ml > 0 && n + 2 < cap) {
      fallback[n++] = ':';
      fallback[n++] = ' ';
      for (Py_ssize_t i = 0; i < ml && n < cap; i++) fallback[n++] = m[i];
    }
    fallback[n++] = '\n';
    fallback[n] = '\0';
    b = fallback;
    bl = (Py_ssize_t)n;
  }
  report(t, tl, m, ml, b, bl);
  Py_XDECREF(type);
  Py_XDECREF(msg);
  Py_XDECREF(tb);
  PyErr_Clear();
}

/* SystemExit with code None or 0 (also False) counts as success. */
static int is_clean_exit(PyObject* exc) {
  if (!PyErr_GivenExceptionMatches(exc, PyExc_SystemExit)) return 0;
  PyObject* code = PyObject_GetAttrString(exc, "code");
  if (!code) {
    PyErr_Clear();
    return 0;
  }
  int clean = 0;
  if (code == Py_None) {
    clean = 1;
  } else if (PyLong_Check(code)) {
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(code, &overflow);
    if (v == -1 && PyErr_Occurred()) PyErr_Clear();
    clean = (overflow == 0 && v == 0);
  }
  Py_DECREF(code);
  return clean;
}

/* ---- execute -------------------------------------------------------------------------------- */

static PyObject* builtin_compile; /* builtins.compile, looked up once */

/* The name the next eryx_execute compiles its code under (a script's path for its tracebacks), set
 * by eryx_set_filename for that one execution only; NULL: ERYX_FILENAME. Owned. */
static PyObject* next_filename;

ERYX_EXPORT("eryx_set_filename") int32_t eryx_set_filename(const char* name, size_t name_len) {
  if (!Py_IsInitialized() || name_len > (size_t)PY_SSIZE_T_MAX ||
      (name == NULL && name_len != 0)) {
    fd2("eryx_set_filename: bad name buffer", NULL);
    return ERYX_EXEC_INTERNAL;
  }
  PyObject* filename = PyUnicode_DecodeUTF8(name ? name : "", (Py_ssize_t)name_len, "strict");
  if (!filename) {
    PyErr_Clear();
    fd2("eryx_set_filename: the name is not UTF-8", NULL);
    return ERYX_EXEC_INTERNAL;
  }
  Py_XSETREF(next_filename, filename);
  return ERYX_EXEC_OK;
}

ERYX_EXPORT("eryx_execute") int32_t eryx_execute(const char* code, size_t code_len) {
  if (!Py_IsInitialized()) {
    fd2("eryx_execute called before a successful eryx_init", NULL);
    return ERYX_EXEC_INTERNAL;
  }
  if (code_len > (size_t)PY_SSIZE_T_MAX || (code == NULL && code_len != 0)) {
    fd2("eryx_execute: bad code buffer", NULL);
    return ERYX_EXEC_INTERNAL;
  }
  PyErr_Clear();

  int32_t status = ERYX_EXEC_OK;
  PyObject *src = NULL, *compiled = NULL, *result = NULL, *exc = NULL;
  /* Taken now, so a name set for this execution never leaks into the next one. */
  PyObject* filename = next_filename;
  next_filename = NULL;
  if (!filename) filename = Py_XNewRef(cached_name(&name_exec_filename, ERYX_FILENAME));

  PyObject* main = main_module();                           /* borrowed */
  PyObject* globals = main ? PyModule_GetDict(main) : NULL; /* borrowed */
  if (!builtin_compile && globals) {
    PyObject* builtins = PyImport_ImportModule("builtins");
    if (builtins) {
      builtin_compile = PyObject_GetAttrString(builtins, "compile");
      Py_DECREF(builtins);
    }
  }
  if (!globals || !builtin_compile) {
    PyErr_Print(); /* message on fd 2, error cleared */
    PyErr_Clear();
    fd2("eryx_execute: cannot set up __main__", NULL);
    status = ERYX_EXEC_INTERNAL;
    goto out;
  }

  src = filename ? PyUnicode_DecodeUTF8(code ? code : "", (Py_ssize_t)code_len, "strict") : NULL;
  if (src) {
    register_source(src, filename);
    compiled = PyObject_CallFunction(builtin_compile, "OOsii", src, filename, "exec",
                                     PyCF_ALLOW_TOP_LEVEL_AWAIT, 1);
  }
  if (compiled) result = PyEval_EvalCode(compiled, globals, globals);
  /* Code with top-level await evaluates to a coroutine: run it to completion. */
  if (result && PyCoro_CheckExact(result)) {
    PyObject* coroutine = result;
    result = NULL;
    PyObject* runtime = loaded_module(&name_runtime, "_eryx_runtime");
    if (runtime) {
      result = PyObject_CallMethod(runtime, "run_coroutine", "O", coroutine);
      Py_DECREF(runtime);
    }
    Py_DECREF(coroutine);
  }

  if (!result) {
    exc = PyErr_GetRaisedException();
    if (!exc) {
      fd2("eryx_execute: failure without an exception", NULL);
      status = ERYX_EXEC_INTERNAL;
    } else if (is_clean_exit(exc)) {
      status = ERYX_EXEC_OK;
    } else {
      report_exception(exc);
      status = ERYX_EXEC_RAISED;
    }
  }

out:
  Py_XDECREF(result);
  Py_XDECREF(compiled);
  Py_XDECREF(src);
  Py_XDECREF(filename);
  Py_XDECREF(exc); /* drops the traceback and its frames */
  flush_std_streams();
  PyErr_Clear();
  return status;
}

/* ---- result capture and state ---------------------------------------------------------------- */

static int32_t report_pair(PyObject* pair);

/* Calls _eryx_runtime.<method>(*args); returns a new reference or NULL with the error cleared. */
static PyObject* call_runtime(const char* method, PyObject* arg) {
  PyObject* runtime = loaded_module(&name_runtime, "_eryx_runtime");
  PyObject* result = NULL;
  if (runtime) {
    result = arg ? PyObject_CallMethod(runtime, method, "O", arg)
                 : PyObject_CallMethod(runtime, method, NULL);
    Py_DECREF(runtime);
  }
  if (!result) {
    PyErr_Print();
    PyErr_Clear();
  }
  return result;
}

/* Reports the variable `name` of __main__ as JSON through eryx.report_result. 0 on success. */
ERYX_EXPORT("eryx_capture_result") int32_t eryx_capture_result(const char* name, size_t name_len) {
  if (!Py_IsInitialized() || name_len > (size_t)PY_SSIZE_T_MAX) return ERYX_EXEC_INTERNAL;
  PyObject* key = PyUnicode_DecodeUTF8(name, (Py_ssize_t)name_len, "strict");
  if (!key) {
    PyErr_Clear();
    return ERYX_EXEC_INTERNAL;
  }
  /* Most executions set no result variable: answer "absent" without calling into Python. */
  PyObject* main = main_module(); /* borrowed */
  PyObject* globals = main ? PyModule_GetDict(main) : NULL;
  int present = globals ? PyDict_Contains(globals, key) : -1;
  if (present == 0) {
    Py_DECREF(key);
    eryx_host_report_result(ERYX_RESULT_ABSENT, "", 0);
    return ERYX_EXEC_OK;
  }
  PyErr_Clear(); /* present, or unknown: the runtime decides */
  PyObject* pair = call_runtime("capture_result", key);
  Py_DECREF(key);
  int32_t status = report_pair(pair);
  Py_XDECREF(pair);
  flush_std_streams();
  return status;
}

/* Drops every user global of __main__ (keeps dunder names and imported modules' state). */
ERYX_EXPORT("eryx_clear_state") int32_t eryx_clear_state(void) {
  if (!Py_IsInitialized()) return ERYX_EXEC_INTERNAL;
  PyObject* done = call_runtime("clear_state", NULL);
  if (!done) return ERYX_EXEC_INTERNAL;
  Py_DECREF(done);
  return ERYX_EXEC_OK;
}

/* ---- reseeding ------------------------------------------------------------------------------ */

/* logging._startTime (ns) in the image, recorded by eryx_freeze_heap; -1: logging not loaded. */
static long long image_logging_start = -1;
static PyObject *name_random, *name_random_c, *name_logging, *name_inst, *name_gauss_next,
    *name_start_time;
static PyObject* random_seed; /* _random.Random.seed, the C method (borrowed from its type) */
static PyObject* random_type; /* _random.Random */

static int logging_start_time(long long* ns) {
  PyObject* logging = PyDict_GetItemWithError(PyImport_GetModuleDict(),
                                              cached_name(&name_logging, "logging"));
  if (!logging) return -1;
  PyObject* start = PyObject_GetAttr(logging, cached_name(&name_start_time, "_startTime"));
  if (!start) return -1;
  *ns = PyLong_AsLongLong(start);
  Py_DECREF(start);
  return *ns == -1 && PyErr_Occurred() ? -1 : 0;
}

void eryx_record_image_state(void) {
  if (logging_start_time(&image_logging_start) != 0) image_logging_start = -1;
  PyErr_Clear();
}

/* random._inst.seed(<a 257-bit number from 32 bytes of host entropy>), through the C method. The
 * leading 1 fixes the seed's length, so the work (and a metered execution's fuel) does not depend
 * on the random bytes. A user who replaced random._inst by another kind of object keeps it. */
static int reseed_random(void) {
  PyObject* random = PyDict_GetItemWithError(PyImport_GetModuleDict(),
                                             cached_name(&name_random, "random"));
  if (!random) return PyErr_Occurred() ? -1 : 0;
  if (!random_seed) {
    PyObject* module = PyImport_Import(cached_name(&name_random_c, "_random"));
    random_type = module ? PyObject_GetAttrString(module, "Random") : NULL;
    Py_XDECREF(module);
    random_seed = random_type ? PyObject_GetAttrString(random_type, "seed") : NULL;
    if (!random_seed) return -1;
  }
  PyObject* inst = PyObject_GetAttr(random, cached_name(&name_inst, "_inst"));
  if (!inst) return -1;
  int status = 0;
  if (PyObject_TypeCheck(inst, (PyTypeObject*)random_type)) {
    unsigned char bytes[33] = {1};
    PyObject* seed = getentropy(bytes + 1, 32) == 0
                         ? PyLong_FromUnsignedNativeBytes(bytes, sizeof bytes,
                                                          Py_ASNATIVEBYTES_BIG_ENDIAN)
                         : PyErr_SetFromErrno(PyExc_OSError);
    PyObject* args[2] = {inst, seed};
    PyObject* done = seed ? PyObject_Vectorcall(random_seed, args, 2, NULL) : NULL;
    /* As Random.seed does; written only when set, so a fresh interpreter's page stays shared. */
    PyObject* gauss = done ? PyObject_GetAttr(inst, cached_name(&name_gauss_next, "gauss_next"))
                           : NULL;
    if (!gauss) PyErr_Clear();
    if (!done || (gauss && gauss != Py_None &&
                  PyObject_SetAttr(inst, name_gauss_next, Py_None) < 0)) {
      status = -1;
    }
    Py_XDECREF(gauss);
    Py_XDECREF(done);
    Py_XDECREF(seed);
  }
  Py_DECREF(inst);
  return status;
}

/* numpy's global RandomState (np.random.seed()'s, in flavours with numpy): its own seed() draws from
 * the OS's entropy, as at import. */
static PyObject* name_mtrand;
static int reseed_numpy(void) {
  PyObject* mtrand = PyDict_GetItemWithError(PyImport_GetModuleDict(),
                                             cached_name(&name_mtrand, "numpy.random.mtrand"));
  if (!mtrand) return PyErr_Occurred() ? -1 : 0;
  PyObject* done = PyObject_CallMethod(mtrand, "seed", NULL);
  Py_XDECREF(done);
  return done ? 0 : -1;
}

/* Reseeds the random module and numpy's global generator (if imported) from host entropy: state restored from a factory or
 * copied by a fork must not give two interpreters the same random sequence (os.fork does the same),
 * and the built-in images hold `random` seeded at build time. 256 bits rather than seed()'s 2,496
 * bytes, in C: Python code here wrote ~20 pages of a fresh sandbox (inline caches, frames), ~0.06
 * ms. Two sandboxes repeating each other takes a 2^-128 coincidence. Also moves logging's start
 * time (the zero of a record's relativeCreated), while it is still the image's, to now: the
 * interpreter starts here (a fork keeps its parent's, as with os.fork). */
ERYX_EXPORT("eryx_reseed") int32_t eryx_reseed(void) {
  if (!Py_IsInitialized()) return ERYX_EXEC_INTERNAL;
  int failed = reseed_random() != 0 || reseed_numpy() != 0;
  long long start = 0;
  if (!failed && image_logging_start >= 0 && logging_start_time(&start) == 0 &&
      start == image_logging_start) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    PyObject* ns = PyLong_FromLongLong((long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    PyObject* logging = PyDict_GetItemWithError(PyImport_GetModuleDict(), name_logging);
    failed = !ns || !logging || PyObject_SetAttr(logging, name_start_time, ns) < 0;
    Py_XDECREF(ns);
  }
  PyErr_Clear(); /* logging's start time is best effort */
  if (failed) {
    fd2("eryx_reseed: cannot reseed random", NULL);
    return ERYX_EXEC_INTERNAL;
  }
  return ERYX_EXEC_OK;
}

/* Forgets wasi-libc's list of preopened directories, which it builds once, at the first path
 * lookup, and which then lives in memory a snapshot carries: the host added mounts (preopens 4,
 * 5, ...) the list does not have yet. The next lookup lists them again. */
void __wasilibc_reset_preopens(void); /* wasi-libc (preopens.c); not in <wasi/libc.h> yet */

ERYX_EXPORT("eryx_reset_preopens") int32_t eryx_reset_preopens(void) {
  __wasilibc_reset_preopens();
  return ERYX_EXEC_OK;
}

/* Reports the (kind, payload) pair returned by a runtime method; payload is str or bytes. */
static int32_t report_pair(PyObject* pair) {
  int32_t status = ERYX_EXEC_INTERNAL;
  long kind = -1;
  if (pair && PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2)
    kind = PyLong_AsLong(PyTuple_GET_ITEM(pair, 0));
  if (kind >= 0) {
    PyObject* payload = PyTuple_GET_ITEM(pair, 1);
    const char* data = NULL;
    Py_ssize_t len = 0;
    if (PyBytes_Check(payload)) {
      data = PyBytes_AS_STRING(payload);
      len = PyBytes_GET_SIZE(payload);
    } else {
      data = PyUnicode_AsUTF8AndSize(payload, &len);
    }
    if (data) {
      eryx_host_report_result((int32_t)kind, data, (size_t)len);
      status = ERYX_EXEC_OK;
    }
  }
  PyErr_Clear();
  return status;
}

/* Pickles the user globals of __main__ (modules by name) and reports the blob, or why not. */
ERYX_EXPORT("eryx_snapshot_state") int32_t eryx_snapshot_state(void) {
  if (!Py_IsInitialized()) return ERYX_EXEC_INTERNAL;
  PyObject* pair = call_runtime("snapshot_state", NULL);
  int32_t status = report_pair(pair);
  Py_XDECREF(pair);
  return status;
}

/* Restores globals from a blob of eryx_snapshot_state; reports success or why it failed (the
 * namespace is only changed when the whole blob loads). */
ERYX_EXPORT("eryx_restore_state") int32_t eryx_restore_state(const char* blob, size_t blob_len) {
  if (!Py_IsInitialized() || blob_len > (size_t)PY_SSIZE_T_MAX) return ERYX_EXEC_INTERNAL;
  PyObject* bytes = PyBytes_FromStringAndSize(blob, (Py_ssize_t)blob_len);
  if (!bytes) {
    PyErr_Clear();
    return ERYX_EXEC_INTERNAL;
  }
  PyObject* pair = call_runtime("restore_state", bytes);
  Py_DECREF(bytes);
  int32_t status = report_pair(pair);
  Py_XDECREF(pair);
  return status;
}
