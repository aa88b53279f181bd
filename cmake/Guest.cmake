# eryx guest: links the WASI reactor module (CPython + guest/glue) and packs the stdlib zip.
#
# Inputs come from the cache entries built by scripts/build-guest-deps.sh, which prints the directory
# to pass as -DERYX_GUEST_DEPS_DIR=<dir> (it holds guest-deps.cmake). See docs/guest.md.
#
# Target:    eryx_guest  -> ${CMAKE_BINARY_DIR}/guest/eryx-guest.wasm
#                           ${CMAKE_BINARY_DIR}/guest/python3XY.zip
#                           ${CMAKE_BINARY_DIR}/guest/wasi-imports.txt (sorted WASI imports)
# Variables: ERYX_GUEST_WASM, ERYX_GUEST_STDLIB_ZIP, ERYX_PYTHON_VERSION, ERYX_NATIVE_PYTHON
#            (and ERYX_GUEST_STDLIB_GUEST_PATH = the zip's path inside the guest)
#
# This file also runs in script mode (cmake -P) for the post-link check:
#   cmake -DERYX_GUEST_CHECK_WASM=<wasm> -DERYX_WASM_OBJDUMP=<exe> -DERYX_GUEST_IMPORTS_OUT=<txt> -P Guest.cmake

if(CMAKE_SCRIPT_MODE_FILE)
  # ---- post-link check: imports only from wasi_snapshot_preview1 and eryx; ABI exports present ----
  execute_process(COMMAND "${ERYX_WASM_OBJDUMP}" -x -j Import "${ERYX_GUEST_CHECK_WASM}"
                  OUTPUT_VARIABLE _imports RESULT_VARIABLE _rc)
  execute_process(COMMAND "${ERYX_WASM_OBJDUMP}" -x -j Export "${ERYX_GUEST_CHECK_WASM}"
                  OUTPUT_VARIABLE _exports RESULT_VARIABLE _rc2)
  if(NOT _rc EQUAL 0 OR NOT _rc2 EQUAL 0)
    file(REMOVE "${ERYX_GUEST_CHECK_WASM}")
    message(FATAL_ERROR "wasm-objdump failed on ${ERYX_GUEST_CHECK_WASM}")
  endif()
  string(REGEX MATCHALL "<- [A-Za-z0-9_]+\\.[A-Za-z0-9_]+" _refs "${_imports}")
  set(_wasi "")
  set(_bad "")
  foreach(_r IN LISTS _refs)
    string(REGEX REPLACE "^<- ([A-Za-z0-9_]+)\\.([A-Za-z0-9_]+)$" "\\1;\\2" _mf "${_r}")
    list(GET _mf 0 _m)
    list(GET _mf 1 _f)
    if(_m STREQUAL "wasi_snapshot_preview1")
      list(APPEND _wasi "${_f}")
    elseif(NOT _m STREQUAL "eryx")
      list(APPEND _bad "${_m}.${_f}")
    endif()
  endforeach()
  set(_missing "")
  foreach(_e memory _initialize eryx_init eryx_alloc eryx_free eryx_execute eryx_install_callbacks
                 eryx_host_info)
    if(NOT _exports MATCHES "-> \"${_e}\"")
      list(APPEND _missing "${_e}")
    endif()
  endforeach()
  if(_bad OR _missing OR NOT _imports MATCHES "<- eryx\\.report_exception")
    file(REMOVE "${ERYX_GUEST_CHECK_WASM}")
    message(FATAL_ERROR "guest module violates docs/guest-abi.md:\n"
      "  imports outside wasi_snapshot_preview1/eryx: ${_bad}\n"
      "  missing exports: ${_missing}\n"
      "(eryx.report_exception must be imported)")
  endif()
  list(SORT _wasi)
  list(REMOVE_DUPLICATES _wasi)
  list(JOIN _wasi "\n" _txt)
  file(WRITE "${ERYX_GUEST_IMPORTS_OUT}" "${_txt}\n")
  return()
endif()

# ---- configure mode ---------------------------------------------------------------------------------
set(ERYX_GUEST_DEPS_DIR "${ERYX_GUEST_DEPS_DIR}" CACHE PATH
    "Directory printed by scripts/build-guest-deps.sh (holds guest-deps.cmake)")
if(NOT ERYX_GUEST_DEPS_DIR OR NOT EXISTS "${ERYX_GUEST_DEPS_DIR}/guest-deps.cmake")
  message(FATAL_ERROR
    "The guest's dependencies are missing (ERYX_GUEST_DEPS_DIR='${ERYX_GUEST_DEPS_DIR}').\n"
    "Build them once (cached under ~/.cache/eryx; ~15 min the first time, instant afterwards):\n"
    "  cmake -DERYX_GUEST_DEPS_DIR=\"$(scripts/build-guest-deps.sh)\" ...\n"
    "or configure with -DERYX_ENGINE=OFF to build only the engine-free layers.")
endif()
include("${ERYX_GUEST_DEPS_DIR}/guest-deps.cmake")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ERYX_GUEST_DEPS_DIR}/guest-deps.cmake")
foreach(_f ${ERYX_GUEST_LIBS} "${ERYX_NATIVE_PYTHON}" "${ERYX_GUEST_STDLIB_DIR}" "${ERYX_GUEST_CC}")
  if(NOT EXISTS "${_f}")
    message(FATAL_ERROR "${_f} (from ${ERYX_GUEST_DEPS_DIR}/guest-deps.cmake) is missing: "
                        "re-run scripts/build-guest-deps.sh")
  endif()
endforeach()

find_program(ERYX_WASM_OBJDUMP wasm-objdump)
if(NOT ERYX_WASM_OBJDUMP)
  message(FATAL_ERROR "wasm-objdump not found (apt-get install wabt): needed to check the guest's imports")
endif()

set(ERYX_GUEST_INITIAL_MEMORY 20971520 CACHE STRING "Initial linear memory of the guest (bytes, 64 KiB multiple)")
set(ERYX_GUEST_STACK_SIZE 8388608 CACHE STRING "Guest C stack size (bytes), placed first in memory")
option(ERYX_GUEST_STDLIB_SOURCES "Pack the stdlib's .py sources next to the .pyc (tracebacks show stdlib lines)" ON)
option(ERYX_GUEST_STDLIB_DEFLATE "Deflate the stdlib zip's entries (zlib is built into the guest)" ON)

set(_gdir "${CMAKE_BINARY_DIR}/guest")
set(_glue_dir "${CMAKE_CURRENT_LIST_DIR}/../guest/glue")
get_filename_component(_glue_dir "${_glue_dir}" ABSOLUTE)
file(GLOB _glue_sources CONFIGURE_DEPENDS "${_glue_dir}/*.c")
file(MAKE_DIRECTORY "${_gdir}/obj")

set(ERYX_GUEST_WASM "${_gdir}/eryx-guest.wasm")
set(ERYX_GUEST_STDLIB_ZIP "${_gdir}/python${ERYX_PYTHON_VERSION_NODOT}.zip")
set(ERYX_GUEST_STDLIB_GUEST_PATH "/usr/local/lib/python${ERYX_PYTHON_VERSION_NODOT}.zip")
set(ERYX_GUEST_WASI_IMPORTS "${_gdir}/wasi-imports.txt")

# The guest's Python runtime files, embedded into the glue as C byte arrays.
set(_gen "${_gdir}/gen")
file(MAKE_DIRECTORY "${_gen}")
set(_runtime_headers "")
foreach(_runtime_name eryx_callbacks eryx_net_install eryx_socket eryx_select eryx_ssl)
  set(_runtime_py "${_glue_dir}/../runtime/${_runtime_name}.py")
  get_filename_component(_runtime_py "${_runtime_py}" ABSOLUTE)
  add_custom_command(
    OUTPUT "${_gen}/${_runtime_name}_py.h"
    COMMAND "${CMAKE_COMMAND}" -DIN=${_runtime_py} -DOUT=${_gen}/${_runtime_name}_py.h
            -DNAME=${_runtime_name}_py -P "${CMAKE_CURRENT_LIST_DIR}/EmbedText.cmake"
    DEPENDS "${_runtime_py}" "${CMAKE_CURRENT_LIST_DIR}/EmbedText.cmake"
    COMMENT "Embedding guest/runtime/${_runtime_name}.py"
    VERBATIM)
  list(APPEND _runtime_headers "${_gen}/${_runtime_name}_py.h")
endforeach()

# Compile the glue with the guest toolchain (not the project's compiler).
set(_cc ${ERYX_GUEST_CC} ${ERYX_GUEST_CC_FLAGS})
set(_objs "")
foreach(_src IN LISTS _glue_sources)
  get_filename_component(_name "${_src}" NAME_WE)
  set(_obj "${_gdir}/obj/${_name}.o")
  set(_inc "")
  foreach(_i IN LISTS ERYX_GUEST_INCLUDE_DIRS)
    list(APPEND _inc "-I${_i}")
  endforeach()
  add_custom_command(
    OUTPUT "${_obj}"
    COMMAND ${_cc} ${ERYX_GUEST_CFLAGS} -std=c11 -Wall -Wextra -Werror ${_inc} -I${_gen}
            -I${_glue_dir}/../../src/host
            -MD -MF "${_obj}.d" -c "${_src}" -o "${_obj}"
    DEPENDS "${_src}" "${ERYX_GUEST_DEPS_DIR}/guest-deps.cmake" ${_runtime_headers}
    DEPFILE "${_obj}.d"
    COMMENT "Compiling guest glue ${_name}.c (wasm32-wasip1)"
    VERBATIM)
  list(APPEND _objs "${_obj}")
endforeach()

# Link the reactor, then check its imports/exports (the check deletes the module on failure).
# CPython's libraries are LLVM bitcode (-flto=thin, PYTHON_WASM_OPT in guest/versions.env), so this
# link runs ThinLTO over the whole interpreter: ~1 min of 2 cores the first time; the ThinLTO cache
# makes a relink after a glue change take well under a second.
# (The glue objects and these options are also what cmake/GuestFlavour.cmake links its flavours with.)
set(ERYX_GUEST_GLUE_OBJECTS ${_objs})
set(ERYX_GUEST_LINK_OPTIONS
    -z stack-size=${ERYX_GUEST_STACK_SIZE} -Wl,--stack-first
    -Wl,--initial-memory=${ERYX_GUEST_INITIAL_MEMORY}
    -Wl,--export=__stack_pointer -Wl,--strip-debug
    # eryx_host_words.c counts the heap growths the host's memory limit refused.
    -Wl,--wrap=sbrk)
add_custom_command(
  OUTPUT "${ERYX_GUEST_WASM}" "${ERYX_GUEST_WASI_IMPORTS}"
  COMMAND ${_cc} -mexec-model=reactor -o "${ERYX_GUEST_WASM}" ${_objs} ${ERYX_GUEST_LIBS}
          ${ERYX_GUEST_SYSTEM_LIBS} -Wl,--thinlto-cache-dir=${_gdir}/thinlto-cache
          ${ERYX_GUEST_LINK_OPTIONS}
  COMMAND "${CMAKE_COMMAND}" -DERYX_GUEST_CHECK_WASM=${ERYX_GUEST_WASM}
          -DERYX_WASM_OBJDUMP=${ERYX_WASM_OBJDUMP} -DERYX_GUEST_IMPORTS_OUT=${ERYX_GUEST_WASI_IMPORTS}
          -P "${CMAKE_CURRENT_LIST_FILE}"
  DEPENDS ${_objs} ${ERYX_GUEST_LIBS} "${CMAKE_CURRENT_LIST_FILE}"
  COMMENT "Linking guest reactor eryx-guest.wasm"
  VERBATIM)

# The IANA time-zone database as Python packages it (PyPI's pure-Python `tzdata`), packed into the
# stdlib zip so that zoneinfo works: the guest cannot see the host's /usr/share/zoneinfo. Pinned by
# version and sha256, fetched once into the cache shared by every build of the machine.
set(ERYX_TZDATA_WHEEL_NAME "tzdata-2026.6-py2.py3-none-any.whl")
set(ERYX_TZDATA_WHEEL_SHA256 "0a10eec6e13ef16b627fabed9a5f2ba61a62b1c67f327305f4e7e412a70b4aec")
set(ERYX_TZDATA_WHEEL_URL "https://files.pythonhosted.org/packages/0a/66/9a06c2227fedfd4919f0eaaa8b94377d9730882a7e4f95823c9a331ab5e1/${ERYX_TZDATA_WHEEL_NAME}")
if(DEFINED ENV{ERYX_CACHE_ROOT})
  set(_cache_root "$ENV{ERYX_CACHE_ROOT}")
else()
  set(_cache_root "$ENV{HOME}/.cache/eryx")
endif()
string(SUBSTRING "${ERYX_TZDATA_WHEEL_SHA256}" 0 16 _tz_key)
set(ERYX_TZDATA_WHEEL "${_cache_root}/tzdata-${_tz_key}/${ERYX_TZDATA_WHEEL_NAME}")
set(_tz_ok FALSE)
if(EXISTS "${ERYX_TZDATA_WHEEL}")
  file(SHA256 "${ERYX_TZDATA_WHEEL}" _tz_sum)
  if(_tz_sum STREQUAL ERYX_TZDATA_WHEEL_SHA256)
    set(_tz_ok TRUE)
  endif()
endif()
if(NOT _tz_ok)
  message(STATUS "[eryx] fetching ${ERYX_TZDATA_WHEEL_NAME} (350 KB) from PyPI")
  file(DOWNLOAD "${ERYX_TZDATA_WHEEL_URL}" "${ERYX_TZDATA_WHEEL}.part"
       EXPECTED_HASH SHA256=${ERYX_TZDATA_WHEEL_SHA256} STATUS _tz_status TLS_VERIFY ON)
  list(GET _tz_status 0 _tz_code)
  if(NOT _tz_code EQUAL 0)
    message(FATAL_ERROR "fetching ${ERYX_TZDATA_WHEEL_URL} failed: ${_tz_status}")
  endif()
  file(RENAME "${ERYX_TZDATA_WHEEL}.part" "${ERYX_TZDATA_WHEEL}")
endif()

# Stdlib zip: pruned, byte-compiled by the native build Python of the same version, deterministic.
set(_pack_flags "")
if(NOT ERYX_GUEST_STDLIB_SOURCES)
  list(APPEND _pack_flags --no-sources)
endif()
if(NOT ERYX_GUEST_STDLIB_DEFLATE)
  list(APPEND _pack_flags --stored)
endif()
set(_pack "${CMAKE_CURRENT_LIST_DIR}/../guest/pack_stdlib.py")
get_filename_component(_pack "${_pack}" ABSOLUTE)
add_custom_command(
  OUTPUT "${ERYX_GUEST_STDLIB_ZIP}"
  COMMAND "${ERYX_NATIVE_PYTHON}" -I "${_pack}" --stdlib "${ERYX_GUEST_STDLIB_DIR}"
          --archive-path "${ERYX_GUEST_STDLIB_GUEST_PATH}" --out "${ERYX_GUEST_STDLIB_ZIP}"
          --list "${_gdir}/stdlib-modules.txt" --wheel "${ERYX_TZDATA_WHEEL}" ${_pack_flags}
  DEPENDS "${_pack}" "${ERYX_GUEST_DEPS_DIR}/guest-deps.cmake" "${ERYX_TZDATA_WHEEL}"
  COMMENT "Packing the guest stdlib python${ERYX_PYTHON_VERSION_NODOT}.zip"
  VERBATIM)

add_custom_target(eryx_guest ALL DEPENDS "${ERYX_GUEST_WASM}" "${ERYX_GUEST_STDLIB_ZIP}" "${ERYX_GUEST_WASI_IMPORTS}")

message(STATUS "eryx guest: CPython ${ERYX_PYTHON_VERSION}; module ${ERYX_GUEST_WASM}; stdlib ${ERYX_GUEST_STDLIB_ZIP}")
