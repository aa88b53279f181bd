# The installed package (docs/guide/installing.md): include/eryx/, liberyx.so, the guest under
# share/eryx/guest, lib/cmake/eryx (eryx::eryx) and lib/pkgconfig/eryx.pc.
#
# One shared library: it holds all of eryx's layers and Wasmtime, exports only the public API
# (src/api/liberyx.map) and needs only system libraries (OpenSSL, libarchive, RE2, libstdc++), so
# a consumer links -leryx and nothing else, and the runtime finds the guest relative to the
# library's own file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
find_package(nlohmann_json REQUIRED)

set(ERYX_INSTALL_GUEST_DIR "${CMAKE_INSTALL_DATADIR}/eryx/guest")
# The guest relative to the library's directory, both relative to the prefix (GNUInstallDirs may
# make the library directory lib/x86_64-linux-gnu).
file(RELATIVE_PATH _guest_from_lib "/prefix/${CMAKE_INSTALL_LIBDIR}" "/prefix/${ERYX_INSTALL_GUEST_DIR}")

add_library(eryx_shared SHARED ${PROJECT_SOURCE_DIR}/src/api/runtime.cpp $<TARGET_OBJECTS:eryx_api_objects>)
set_target_properties(eryx_shared PROPERTIES
  OUTPUT_NAME eryx EXPORT_NAME eryx
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/src/api/liberyx.map)
target_include_directories(eryx_shared
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(eryx_shared PRIVATE ERYX_GUEST_DIR_FROM_LIBRARY="${_guest_from_lib}")
target_compile_features(eryx_shared INTERFACE cxx_std_20)
# The layers whose objects define public classes are linked whole (nothing in the library would
# otherwise pull e.g. VfsStorage or StaticResolver in); the rest as they are needed.
set(_whole eryx_callbacks eryx_net eryx_secrets eryx_vfs_storage eryx_mcp_client eryx_mcp_protocol eryx_util)
set(_whole_files "")
foreach(_lib ${_whole})
  list(APPEND _whole_files "$<TARGET_FILE:${_lib}>")
endforeach()
target_link_options(eryx_shared PRIVATE
  "LINKER:--whole-archive" ${_whole_files} "LINKER:--no-whole-archive"
  "LINKER:--version-script=${PROJECT_SOURCE_DIR}/src/api/liberyx.map"
  "LINKER:--no-undefined" "LINKER:--gc-sections")
target_link_libraries(eryx_shared
  PUBLIC $<BUILD_INTERFACE:nlohmann_json::nlohmann_json>
  PRIVATE ${_whole} eryx_engine eryx_volumes eryx_pool eryx_warnings)
add_dependencies(eryx_shared ${_whole})
# The public headers include nlohmann/json (installed config: find_dependency).
set_property(TARGET eryx_shared APPEND PROPERTY INTERFACE_LINK_LIBRARIES
             $<INSTALL_INTERFACE:nlohmann_json::nlohmann_json>)
add_dependencies(eryx_shared eryx_guest_cwasm)

install(TARGETS eryx_shared EXPORT eryxTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cpp NAMELINK_COMPONENT cpp)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/eryx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT cpp FILES_MATCHING PATTERN "*.hpp")
# A prebuilt guest (ERYX_PREBUILT_GUEST_DIR) does not go through cmake/Guest.cmake: find its zip.
set(_stdlib_zip "${ERYX_GUEST_STDLIB_ZIP}")
if(NOT _stdlib_zip)
  file(GLOB _stdlib_zip "${ERYX_GUEST_DIR}/python3*.zip")
endif()
# Only what a runtime loads: the snapshot modules (both engine flavours), their identity and the
# stdlib. The plain guest (eryx-guest.wasm and its .cwasm files, 68 MB) serves only to build the
# snapshot and the slow path without one, which an installed runtime refuses by default
# (RuntimeOptions::require_snapshot).
install(FILES ${ERYX_GUEST_DIR}/eryx-snapshot.cwasm
              ${ERYX_GUEST_DIR}/eryx-snapshot-metered.cwasm ${ERYX_GUEST_DIR}/eryx-snapshot.id
              ${_stdlib_zip}
        DESTINATION ${ERYX_INSTALL_GUEST_DIR} COMPONENT cpp)
# The plain image (src/engine/image_modules.h): optional, as at runtime, so that a prebuilt guest
# made before it existed still installs.
install(FILES ${ERYX_GUEST_DIR}/eryx-snapshot-plain.cwasm
              ${ERYX_GUEST_DIR}/eryx-snapshot-plain-metered.cwasm
        DESTINATION ${ERYX_INSTALL_GUEST_DIR} COMPONENT cpp OPTIONAL)

set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/eryx)
install(EXPORT eryxTargets NAMESPACE eryx:: DESTINATION ${_cmake_dir} COMPONENT cpp)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/install/eryxConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/eryxConfig.cmake INSTALL_DESTINATION ${_cmake_dir}
  PATH_VARS ERYX_INSTALL_GUEST_DIR)
# 0.x: a minor version may break the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/eryxConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/eryxConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/eryxConfigVersion.cmake
        DESTINATION ${_cmake_dir} COMPONENT cpp)

# pkg-config: relative to the .pc file, so the installed tree can move.
file(RELATIVE_PATH ERYX_PC_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" ERYX_PC_PREFIX "${ERYX_PC_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/install/eryx.pc.in ${CMAKE_CURRENT_BINARY_DIR}/eryx.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/eryx.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT cpp)
