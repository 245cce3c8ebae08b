#include <gtest/gtest.h>

#include "common/error.h"
#include "host/cuda_backend.h"
#include "host/context.h"

namespace movierec {
namespace {

TEST(Context, CpuAndBadSpecs) {
  Context c = ResolveContext("cpu", 3);
  EXPECT_EQ(c.device, DeviceKind::kCpu);
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(ResolveContext("cpu", 0).threads, 1);
  EXPECT_THROW(ResolveContext("tpu", 1), UsageError);
  EXPECT_THROW(ResolveContext("gpu:x", 1), UsageError);
  EXPECT_THROW(ResolveContext("gpu:-1", 1), UsageError);
  EXPECT_THROW(ResolveContext("gpux", 1), UsageError);
}

TEST(Context, DeviceCountNeverThrowsAndAutoMatchesIt) {
  const int n = cuda::DeviceCount();
  EXPECT_GE(n, 0);
  Context c = ResolveContext("auto", 2);
  EXPECT_EQ(c.IsCuda(), n > 0);
  if (n == 0) {
    EXPECT_FALSE(cuda::NoDeviceReason().empty());
    try {
      ResolveContext("gpu", 2);
      FAIL() << "gpu without a device must be a usage error";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("no CUDA device available"), std::string::npos);
      EXPECT_EQ(e.exit_code(), kExitUsage);
    }
  }
  // An ordinal past the last device is always an error.
  EXPECT_THROW(ResolveContext("gpu:" + std::to_string(n), 2), UsageError);
}

}  // namespace
}  // namespace movierec
