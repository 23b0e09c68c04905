// The logic that is tested is the logic that runs: model/ (swarmkit-mon's
// logic and the types it speaks) includes nothing from the simulator, the
// live adapter, the API codecs or any I/O library, so that the simulator and
// the live agent link the same code and neither can reach into it. api/
// (the wire formats) includes nothing from the simulator or the live
// adapter and no network library, so that both ends share one codec.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

// Every `#include` line of the sources under `dir` that matches `forbidden`.
std::vector<std::string> includes_matching(const std::string& dir, const std::regex& forbidden,
                                           int& files) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::string(SWARMSIM_SOURCE_DIR) + "/" + dir)) {
    const auto ext = entry.path().extension();
    if (ext != ".hpp" && ext != ".cpp") continue;
    ++files;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);)
      if (line.rfind("#include", 0) == 0 && std::regex_search(line, forbidden))
        found.push_back(entry.path().filename().string() + ": " + line);
  }
  return found;
}

TEST(Layering, ModelIncludesNothingFromTheSimulatorTheLiveAdapterOrAnIoLibrary) {
  int files = 0;
  const std::regex forbidden(
      R"(["<](sim/|live/|api/|cli/|check/|reports/|boost/(asio|beast)|sys/socket|netinet/|unistd|thread|chrono|random|fstream))");
  EXPECT_EQ(includes_matching("model", forbidden, files), std::vector<std::string>{});
  EXPECT_GT(files, 10);
}

TEST(Layering, ApiIncludesNothingFromTheSimulatorOrTheLiveAdapterAndNoNetworkLibrary) {
  int files = 0;
  const std::regex forbidden(
      R"(["<](sim/|live/|cli/|check/|reports/|boost/(asio|beast)|sys/socket|netinet/))");
  EXPECT_EQ(includes_matching("api", forbidden, files), std::vector<std::string>{});
  EXPECT_GT(files, 5);
}

TEST(Layering, TheCheckCatchesAForbiddenInclude) {
  // The same scan on live/, which must include Asio: it finds it.
  int files = 0;
  EXPECT_FALSE(includes_matching("live", std::regex(R"(<boost/asio)"), files).empty());
}

}  // namespace
