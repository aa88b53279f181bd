#include "eryx/factory.hpp"

#include <fstream>
#include <iterator>

#include "api/code_validation.h"
#include "api/factory_data.h"
#include "api/flavours.h"
#include "engine/factory_builder.h"
#include "engine/runtime_core.h"
#include "eryx/errors.hpp"
#include "packages/package_set.h"

namespace eryx {
namespace {

namespace fs = std::filesystem;

// The factory's packages (packages/package_set.h), on sys.path in every sandbox it creates. Not
// engine/guest_packages.h's directory: a factory's sandbox may add packages of its own there.
constexpr std::string_view kSitePackagesDir = "/usr/local/lib/eryx-site-packages";

// Dotted ASCII identifiers (a.b.c). A loop, not std::regex: its matcher recurses per character
// and overflows the stack on long input.
bool is_module_name(const std::string& name) {
  auto is_start = [](char c) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  };
  auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  bool at_start = true;
  for (char c : name) {
    if (at_start) {
      if (!is_start(c)) return false;
      at_start = false;
    } else if (c == '.') {
      at_start = true;
    } else if (!is_rest(c)) {
      return false;
    }
  }
  return !at_start;
}

engine::FactorySpec make_spec(const FactoryOptions& options) {
  engine::FactorySpec spec;
  if (!options.packages.empty() || options.site_packages) {
    auto set = packages::load_package_set(options.packages, options.site_packages);
    for (const auto& [path, bytes] : set->files) {
      spec.files.emplace_back(std::string(kSitePackagesDir) + "/" + path, bytes);
    }
    spec.sys_path.emplace_back(kSitePackagesDir);
  }
  if (options.build_timeout_ms && *options.build_timeout_ms == 0) {
    throw InvalidArgumentError("eryx: build_timeout_ms must be positive (or unset: no limit)");
  }
  spec.build_timeout_ms = options.build_timeout_ms;
  detail::validate_code(options.setup_code);
  spec.setup_code = options.setup_code;
  spec.cancel = options.cancel;
  for (const auto& name : options.imports) {
    if (!is_module_name(name)) {
      throw InvalidArgumentError("eryx: '" + name + "' is not a module name");
    }
    spec.imports.push_back(name);
  }
  return spec;
}

}  // namespace

SandboxFactory::SandboxFactory(FactoryOptions options, std::shared_ptr<Runtime> runtime)
    : runtime_(detail::runtime_for(options.guest.empty() && !runtime
                                       ? detail::flavour_providing(options.imports)
                                       : options.guest,
                                   std::move(runtime))) {
  auto spec = make_spec(options);
  const auto& variant = runtime_->core().variant_for({});
  data_ = std::make_shared<const detail::FactoryData>(
      detail::FactoryData{engine::build_factory_image(variant, std::move(spec))});
}

SandboxFactory::SandboxFactory(std::shared_ptr<const detail::FactoryData> data,
                               std::shared_ptr<Runtime> runtime)
    : data_(std::move(data)), runtime_(std::move(runtime)) {}

SandboxFactory::~SandboxFactory() = default;
SandboxFactory::SandboxFactory(const SandboxFactory&) = default;
SandboxFactory& SandboxFactory::operator=(const SandboxFactory&) = default;

Sandbox SandboxFactory::create_sandbox(SandboxOptions options) const {
  return Sandbox(std::move(options), runtime_, data_);
}

size_t SandboxFactory::size_bytes() const { return data_->image.size_bytes(); }

std::string SandboxFactory::to_bytes() const {
  return data_->image.serialize(runtime_->core().factory_fingerprint());
}

void SandboxFactory::save(const fs::path& path) const {
  std::error_code is_dir_error;
  if (fs::is_directory(path, is_dir_error)) {
    throw InvalidArgumentError("eryx: cannot save a SandboxFactory to " + path.string() +
                               ": it is a directory");
  }
  auto bytes = to_bytes();
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error("eryx: cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("eryx: cannot write " + path.string() + ": " + ec.message());
  }
}

SandboxFactory SandboxFactory::from_bytes(std::string_view data, std::shared_ptr<Runtime> runtime) {
  if (!runtime) runtime = Runtime::shared();
  auto image = snapshot::FactoryImage::deserialize(data, runtime->core().factory_fingerprint());
  return SandboxFactory(
      std::make_shared<const detail::FactoryData>(detail::FactoryData{std::move(image)}),
      std::move(runtime));
}

SandboxFactory SandboxFactory::load(const fs::path& path, std::shared_ptr<Runtime> runtime) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw InvalidArgumentError("eryx: cannot load a SandboxFactory from " + path.string() +
                               ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("eryx: cannot read " + path.string());
  std::string data(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) throw Error("eryx: cannot read " + path.string());
  return from_bytes(data, std::move(runtime));
}

}  // namespace eryx
