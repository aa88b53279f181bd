/* Declarations shared by the guest glue's files (docs/guest-abi.md). Include after <Python.h>. */
#ifndef ERYX_GLUE_H
#define ERYX_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "eryx_abi.h" /* src/host/: the numbers shared with the host */

#define ERYX_EXPORT(name) __attribute__((export_name(name), visibility("default")))

/* (type_ptr, type_len, msg_ptr, msg_len, tb_ptr, tb_len) */
__attribute__((import_module("eryx"), import_name("report_exception"))) extern void
eryx_host_report_exception(const char* type, size_t type_len, const char* msg, size_t msg_len,
                           const char* tb, size_t tb_len);

/* (kind, ptr, len): kind 0 = JSON text (or a state blob), 1 = why the value could not be
 * serialised / the operation failed, 2 = no such variable. */
__attribute__((import_module("eryx"), import_name("report_result"))) extern void
eryx_host_report_result(int32_t kind, const char* text, size_t text_len);

/* eryx_callbacks.c: registers the built-in _eryx module (before Py_Initialize) and runs the
 * callbacks runtime (after). Both return 0 on success. */
int eryx_callbacks_register_builtin(void);
int eryx_callbacks_setup(void);

/* eryx_net.c: registers the built-in _eryx_net module (before Py_Initialize) and installs the
 * socket, ssl and select shims (after, before anything imports socket). 0 on success. */
int eryx_net_register_builtin(void);
int eryx_net_setup(void);

/* eryx_glue.c: the eryx_execute and eryx_reseed exports, also run by eryx_heap.c to warm the paths
 * every fresh sandbox takes. */
int32_t eryx_execute(const char* code, size_t code_len);
int32_t eryx_reseed(void);
/* eryx_glue.c: remembers what of the image's state eryx_reseed renews (logging's start time). */
void eryx_record_image_state(void);

/* eryx_glue.c: a module start-up imported (name `text`, interned once into `*slot`), read from
 * sys.modules without the import machinery, which allocates on every call; imported afresh when
 * user code removed it. New reference, or NULL with a Python error set. For the paths of every
 * execution: in a fresh sandbox each allocation writes a copy-on-write page. */
PyObject* loaded_module(PyObject** slot, const char* text);

#endif
