# Installs the build into a temporary prefix and builds and runs a consumer project against it.
#   cmake -DMODE=install|find_package|pkg_config|relocated -DBUILD_DIR=<eryx build> -DWORK=<dir>
#         -DCONSUMER=<tests/install/consumer> -DCXX=<compiler> -DGENERATOR=<cmake generator>
#         -P install_test.cmake
set(prefix "${WORK}/prefix")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# The consumer must find the guest beside liberyx.so, not through the environment.
function(run_consumer program)
  run("running ${program}" ${CMAKE_COMMAND} -E env --unset=ERYX_GUEST_DIR ${program})
  if(NOT out STREQUAL "consumer wasi 42\nhost file hidden: 1\nmetered 42\n")
    message(FATAL_ERROR "${program} printed [${out}]")
  endif()
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${WORK}")
  run("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}" --component cpp)
  foreach(f include/eryx/eryx.hpp include/eryx/callbacks.hpp lib/cmake/eryx/eryxConfig.cmake
            lib/cmake/eryx/eryxConfigVersion.cmake lib/pkgconfig/eryx.pc
            share/eryx/guest/eryx-snapshot.cwasm
            share/eryx/guest/eryx-snapshot-metered.cwasm share/eryx/guest/eryx-snapshot.id
            share/eryx/guest/eryx-snapshot-plain.cwasm
            share/eryx/guest/eryx-snapshot-plain-metered.cwasm)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  file(GLOB stdlib "${prefix}/share/eryx/guest/python3*.zip")
  if(NOT stdlib)
    message(FATAL_ERROR "not installed: the stdlib zip")
  endif()
  file(GLOB headers RELATIVE "${prefix}/include" "${prefix}/include/*")
  if(NOT headers STREQUAL "eryx")
    message(FATAL_ERROR "include/ holds more than eryx/: ${headers}")
  endif()
  # liberyx.so exports the public API only: no Wasmtime C API, no internal namespace.
  find_program(NM nm REQUIRED)
  run("nm" ${NM} -D --defined-only -C "${prefix}/lib/liberyx.so")
  string(REPLACE "\n" ";" symbols "${out}")
  set(internal "")
  foreach(symbol IN LISTS symbols)
    # "<address> <type> <name>": the name's own namespace, not its parameters' types.
    if(symbol MATCHES "^[0-9a-f]+ [A-Za-z] ([^(]*)" AND
       CMAKE_MATCH_1 MATCHES "^(wasm|wasi|eryx::[a-z_]+::)")
      string(APPEND internal "${symbol}\n")
    endif()
  endforeach()
  if(internal)
    message(FATAL_ERROR "liberyx.so exports internal symbols:\n${internal}")
  endif()
  string(FIND "${out}" "eryx::Sandbox::execute" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "liberyx.so does not export eryx::Sandbox::execute")
  endif()
  file(GLOB archives "${prefix}/lib/*.a")
  if(archives)
    message(FATAL_ERROR "static libraries installed: ${archives}")
  endif()
elseif(MODE STREQUAL "find_package")
  set(build "${WORK}/consumer-cmake")
  file(REMOVE_RECURSE "${build}")
  run("configuring the consumer" ${CMAKE_COMMAND} -S "${CONSUMER}" -B "${build}" -G "${GENERATOR}"
      -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
  run("building the consumer" ${CMAKE_COMMAND} --build "${build}")
  run_consumer("${build}/consumer")
elseif(MODE STREQUAL "pkg_config")
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
  run("pkg-config" ${PKG_CONFIG} --cflags --libs eryx)
  string(STRIP "${out}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run("pkg-config" ${PKG_CONFIG} --variable=libdir eryx)
  string(STRIP "${out}" libdir)
  run("compiling the consumer" ${CXX} -std=c++20 -O1 "${CONSUMER}/main.cpp" -o "${WORK}/consumer-pc"
      ${flags} "-Wl,-rpath,${libdir}")
  run_consumer("${WORK}/consumer-pc")
elseif(MODE STREQUAL "relocated")
  # The installed tree moved elsewhere (hard links: no copy of the guest) still finds its own
  # guest, and an incomplete one there fails naming the missing file.
  set(moved "${WORK}/moved")
  file(REMOVE_RECURSE "${moved}")
  run("copying the prefix" cp -al "${prefix}" "${moved}")
  file(REMOVE "${moved}/share/eryx/guest/eryx-snapshot.id")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=ERYX_GUEST_DIR
                          "LD_LIBRARY_PATH=${moved}/lib" "${WORK}/consumer-pc"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(REMOVE_RECURSE "${moved}")
  set(expected "incomplete guest directory ${moved}/share/eryx/guest: eryx-snapshot.id is missing")
  string(FIND "${err}" "${expected}" at)
  if(rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "expected a failure saying [${expected}]; exit ${rc}, stderr [${err}]")
  endif()
else()
  message(FATAL_ERROR "MODE=${MODE}?")
endif()
