// GPU suite (ctest -L gpu): runs wherever a CUDA device answers, skips loudly elsewhere.
#include <gtest/gtest.h>

#include "host/cuda_backend.h"
#include "host/context.h"

namespace movierec {
namespace {

class Gpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::BuiltWithCuda()) GTEST_SKIP() << "built without CUDA (MOVIEREC_CUDA=OFF)";
    if (cuda::DeviceCount() == 0) GTEST_SKIP() << "no CUDA device: " << cuda::NoDeviceReason();
  }
};

TEST_F(Gpu, EveryDeviceDescribesItselfAndResolves) {
  for (int i = 0; i < cuda::DeviceCount(); ++i) {
    EXPECT_NE(cuda::DeviceDescription(i), "unknown device");
    Context c = ResolveContext("gpu:" + std::to_string(i), 1);
    EXPECT_TRUE(c.IsCuda());
    EXPECT_EQ(c.ordinal, i);
  }
  EXPECT_TRUE(ResolveContext("auto", 1).IsCuda());
}

}  // namespace
}  // namespace movierec
