// eryx.VfsStorage: shared in-memory storage that Sessions mount (eryx/vfs_storage.hpp).
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.h"
#include "bytes_like.h"

namespace eryx::python {
void init_vfs_storage(nb::module_& m) {
  // Held by shared_ptr: sessions share it with the Python object, and it outlives either.
  nb::class_<VfsStorage>(m, "VfsStorage",
                         "In-memory files several Sessions mount at once (at /data by default); "
                         "they outlive the sessions' resets, snapshots and the sessions.")
      .def(nb::new_([](uint64_t max_bytes) { return VfsStorage::create(max_bytes); }),
           nb::kw_only(), nb::arg("max_bytes") = VfsStorage::kDefaultMaxBytes,
           "Empty storage holding at most max_bytes of file data (ENOSPC in the guest past it).")
      .def(
          "write_file",
          [](VfsStorage& self, const std::string& path, const BytesLike& data) {
            std::string_view bytes = data.view();  // the buffer is held until the call returns
            GilRelease release;
            self.write_file(path, bytes);
          },
          nb::arg("path"), nb::arg("data"), "Creates or replaces the file (parents are created).")
      .def(
          "read_file",
          [](const VfsStorage& self, const std::string& path) {
            std::string bytes;
            {
              GilRelease release;
              bytes = self.read_file(path);
            }
            return nb::bytes(bytes.data(), bytes.size());
          },
          nb::arg("path"), "The file's bytes.")
      .def(
          "list",
          [](const VfsStorage& self, const std::string& path) {
            GilRelease release;
            return self.list(path);
          },
          nb::arg("path") = "/", "The names in a directory, sorted.")
      .def(
          "remove",
          [](VfsStorage& self, const std::string& path) {
            GilRelease release;
            self.remove(path);
          },
          nb::arg("path"), "Removes a file, or a directory with everything in it.")
      .def_prop_ro("size_bytes", &VfsStorage::size_bytes,
                   "Bytes of file data stored (what max_bytes limits).")
      .def_prop_ro("max_bytes", &VfsStorage::max_bytes)
      .def(
          "snapshot",
          [](const VfsStorage& self) {
            std::string bytes;
            {
              GilRelease release;
              bytes = self.snapshot();
            }
            return nb::bytes(bytes.data(), bytes.size());
          },
          "The whole tree as bytes (versioned, checksummed) for restore().")
      .def(
          "restore",
          [](VfsStorage& self, const BytesLike& data) {
            std::string_view bytes = data.view();
            GilRelease release;
            self.restore(bytes);
          },
          nb::arg("data"),
          "Replaces the contents with snapshot() bytes; corrupt bytes raise EryxError and "
          "change nothing.");
}

}  // namespace eryx::python
