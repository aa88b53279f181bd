/*
 * eryx_freeze_heap: makes the interpreter's current heap immortal and moves it out of the
 * garbage collector's reach, just before the host captures a snapshot.
 *
 * Why: every sandbox maps the snapshot copy-on-write, so each page the guest writes costs a page
 * fault and a 4 KiB copy. Without this, merely using an object from the snapshot writes to its page
 * (Py_INCREF/Py_DECREF), and a collection writes every tracked object's GC header. Immortal
 * objects (PEP 683) are never reference-counted, and the GC's permanent generation (gc.freeze())
 * is never scanned, so a fresh execution writes only the pages its own work changes.
 *
 * Cost: objects of the snapshot are never freed, even when a session deletes the last name bound
 * to them; they were in the snapshot's memory anyway.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "eryx_glue.h"

/* Objects a code object holds that gc.get_referents() does not report (code objects are not GC
 * containers) but that running the code reference-counts, e.g. its constants. */
static const char* const kCodeMembers[] = {"co_consts",        "co_names",    "co_filename",
                                           "co_name",          "co_qualname", "co_linetable",
                                           "co_exceptiontable"};

static int push_code_members(PyObject* code, PyObject* stack) {
  for (size_t i = 0; i < sizeof kCodeMembers / sizeof kCodeMembers[0]; i++) {
    PyObject* member = PyObject_GetAttrString(code, kCodeMembers[i]);
    if (!member) {
      PyErr_Clear();
      continue;
    }
    int failed = PyList_Append(stack, member);
    Py_DECREF(member);
    if (failed) return -1;
  }
  return 0;
}

/* Depth-first over everything reachable from the GC's lists (untracked containers such as
 * tuples of atoms, and non-container objects like strings and floats, are reached as referents).
 * Being immortal marks an object as visited, so the walk needs no memory beyond its stack: a
 * "seen" set would leave megabytes of freed memory in the snapshot, which later allocations would
 * then dirty. Objects immortal before the walk (static types and objects, interned strings) are
 * CPython's own; whatever they hold is reached through the GC's lists. */
static int immortalize_reachable(PyObject* get_referents, PyObject* roots) {
  PyObject* stack = PySequence_List(roots);
  if (!stack) return -1;
  int status = 0;
  while (status == 0 && PyList_GET_SIZE(stack) > 0) {
    Py_ssize_t last = PyList_GET_SIZE(stack) - 1;
    PyObject* obj = Py_NewRef(PyList_GET_ITEM(stack, last));
    if (PyList_SetSlice(stack, last, last + 1, NULL) < 0) status = -1;
    if (status == 0 && !_Py_IsImmortal(obj)) {
      PyObject* referents = PyObject_CallOneArg(get_referents, obj);
      if (!referents || PyList_SetSlice(stack, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, referents) < 0 ||
          (PyCode_Check(obj) && push_code_members(obj, stack) < 0)) {
        status = -1;
      }
      Py_XDECREF(referents);
      /* Every reference taken here is released before the count is replaced. */
      Py_DECREF(obj);
      obj->ob_refcnt = _Py_IMMORTAL_REFCNT;
    } else {
      Py_DECREF(obj);
    }
  }
  Py_DECREF(stack);
  return status;
}

/* Runs the path of every execution (and the reseed that precedes a fresh one) a few times first:
 * its names get cached, the specialising interpreter settles the bytecode it runs (whose inline
 * caches and counters would otherwise be written in every fresh sandbox), and what it allocates
 * once for good is allocated now. */
static void warm_up_execution_path(void) {
  for (int i = 0; i < 8; i++) {
    (void)eryx_reseed();
    (void)eryx_execute("pass", 4);
  }
}

ERYX_EXPORT("eryx_freeze_heap") int32_t eryx_freeze_heap(void) {
  warm_up_execution_path();
  /* What a fresh interpreter's eryx_reseed renews (after the warm-up, whose reseeds change it). */
  eryx_record_image_state();
  PyObject* gc = PyImport_ImportModule("gc");
  if (!gc) goto fail;
  PyObject* r = PyObject_CallMethod(gc, "collect", NULL);
  if (!r) goto fail;
  Py_DECREF(r);
  PyObject* roots = PyObject_CallMethod(gc, "get_objects", NULL);
  PyObject* get_referents = PyObject_GetAttrString(gc, "get_referents");
  int failed = !roots || !get_referents || immortalize_reachable(get_referents, roots) < 0;
  Py_XDECREF(roots);
  Py_XDECREF(get_referents);
  if (failed) goto fail;
  r = PyObject_CallMethod(gc, "freeze", NULL);
  if (!r) goto fail;
  Py_DECREF(r);
  Py_DECREF(gc);
  return 0;
fail:
  Py_XDECREF(gc);
  PyErr_Print();
  return 1;
}
