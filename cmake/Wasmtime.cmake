# Imports the Wasmtime C API built by scripts/build-wasmtime.sh (a cache entry holding
# lib/libwasmtime.a and include/wasmtime.hh). Pass -DERYX_WASMTIME_DIR=<entry>.
if(NOT ERYX_WASMTIME_DIR OR NOT EXISTS "${ERYX_WASMTIME_DIR}/include/wasmtime.hh")
  message(FATAL_ERROR "ERYX_WASMTIME_DIR is not set or holds no Wasmtime build; "
                      "run `make build` (or pass -DERYX_WASMTIME_DIR=$(scripts/build-wasmtime.sh))")
endif()
add_library(wasmtime STATIC IMPORTED GLOBAL)
set_target_properties(wasmtime PROPERTIES IMPORTED_LOCATION "${ERYX_WASMTIME_DIR}/lib/libwasmtime.a")
target_include_directories(wasmtime SYSTEM INTERFACE "${ERYX_WASMTIME_DIR}/include")
find_package(Threads REQUIRED)
target_link_libraries(wasmtime INTERFACE Threads::Threads ${CMAKE_DL_LIBS} m)
