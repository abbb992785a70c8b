// load_renderer() without its module: "Unavailable" naming the path, the same answer on every
// call and from every thread (it is tried once per process).
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "preview/renderer.hpp"

namespace imgmeta::preview {
namespace {

TEST(PreviewLoader, AMissingModuleIsUnavailableAndNamesWhereItLooked) {
  setenv("IMGMETA_PREVIEW_MODULE", "/nonexistent/libimgmeta_preview.so", 1);
  std::vector<std::thread> threads;
  std::vector<int> unavailable(8, 0);
  for (size_t i = 0; i < unavailable.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = load_renderer();
      unavailable[i] = !r.ok() && r.error().code == meta::Errc::Unavailable;
    });
  }
  for (auto& t : threads) t.join();
  for (int u : unavailable) EXPECT_EQ(u, 1);
  auto r = load_renderer();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/libimgmeta_preview.so"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace imgmeta::preview
