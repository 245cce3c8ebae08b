#include "host/cuda_backend.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"

namespace movierec::cuda {
namespace {

struct Plugin {
  const mr_cuda_backend* table = nullptr;
  std::string reason;  // why table is null
  int devices = 0;
  std::string no_device;  // why devices is 0
};

#if defined(MOVIEREC_WITH_CUDA)
std::filesystem::path ExecutableDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

std::vector<std::string> Candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("MOVIEREC_CUDA_PLUGIN"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;  // an explicit choice is the only one tried
  }
  const auto dir = ExecutableDir();
  if (!dir.empty()) out.push_back((dir / "libmovierec_cuda.so").string());
#if defined(MOVIEREC_CUDA_PLUGIN_BUILD_PATH)
  out.emplace_back(MOVIEREC_CUDA_PLUGIN_BUILD_PATH);
#endif
  return out;
}
#endif

Plugin Open() {
  Plugin p;
#if !defined(MOVIEREC_WITH_CUDA)
  p.reason = "this binary was built without CUDA (MOVIEREC_CUDA=OFF)";
#else
  std::string tried;
  for (const std::string& path : Candidates()) {
    if (!std::filesystem::exists(path)) {
      tried += (tried.empty() ? "" : "; ") + path + ": no such file";
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* err = dlerror();
      tried += (tried.empty() ? "" : "; ") + std::string(err ? err : path + ": dlopen failed");
      continue;
    }
    auto entry = reinterpret_cast<mr_cuda_entry_fn>(dlsym(handle, MR_CUDA_ENTRY_SYMBOL));
    const mr_cuda_backend* table = entry ? entry() : nullptr;
    if (table == nullptr || table->abi_version != MR_CUDA_ABI_VERSION) {
      tried += (tried.empty() ? "" : "; ") + path + ": not a movierec CUDA backend of ABI " +
               std::to_string(MR_CUDA_ABI_VERSION);
      dlclose(handle);
      continue;
    }
    p.table = table;  // never closed: the CUDA runtime does not like being unloaded
    break;
  }
  if (p.table == nullptr) {
    p.reason = "the CUDA backend plugin libmovierec_cuda.so could not be opened (" + tried + ")";
  }
#endif
  if (p.table == nullptr) {
    p.no_device = p.reason;
    return p;
  }
  char reason[512] = {0};
  p.devices = p.table->device_count(reason, sizeof reason);
  if (p.devices <= 0) {
    p.devices = 0;
    p.no_device = reason[0] ? reason : "the CUDA driver reports no devices";
  }
  return p;
}

const Plugin& Get() {
  static const Plugin* plugin = new Plugin(Open());  // opened once, kept for the process
  return *plugin;
}

}  // namespace

bool BuiltWithCuda() {
#if defined(MOVIEREC_WITH_CUDA)
  return true;
#else
  return false;
#endif
}

int DeviceCount() { return Get().devices; }

std::string NoDeviceReason() { return Get().no_device; }

std::string DeviceDescription(int ordinal) {
  const Plugin& p = Get();
  if (p.table == nullptr || ordinal < 0 || ordinal >= p.devices) return "none";
  char out[256] = {0};
  p.table->describe_device(ordinal, out, sizeof out);
  return out;
}

const mr_cuda_backend& Backend() {
  const Plugin& p = Get();
  if (p.table == nullptr) throw Error(p.reason);
  return *p.table;
}

void ThrowIfFailed(const mr_status& status, const std::string& what) {
  if (status.ok) return;
  throw Error(what + " on the GPU failed: " +
              (status.message[0] ? std::string(status.message) : std::string("no reason given")) +
              (status.out_of_memory ? "; use fewer factors, or --device cpu" : ""));
}

}  // namespace movierec::cuda
