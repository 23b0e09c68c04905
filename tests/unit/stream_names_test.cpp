// The simulator's random streams come from one list (sim/streams.hpp):
// kinds are distinct, every name starts with its kind, and every draw in
// sim/ names its stream through that file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sim/streams.hpp"

namespace swarmsim::sim {
namespace {

TEST(StreamNames, EveryKindIsUsedOnceAndEveryNameStartsWithItsKind) {
  std::set<std::string_view> kinds;
  for (auto k : streams::kKinds) {
    EXPECT_TRUE(kinds.insert(k).second) << "the stream kind '" << k << "' is listed twice";
    EXPECT_EQ(k.find('/'), std::string_view::npos) << k;
  }
  auto kind_of = [](const std::string& name) { return name.substr(0, name.find('/')); };
  for (const std::string& name :
       {streams::network("a", "b"), streams::metadata_lag("r"), streams::metadata_empty("r"),
        streams::agent_startup("m", 1), streams::registration("m", "n"), streams::busy("m", "n"),
        streams::cattle_write("m"), streams::host_group("pi{i}"), streams::swarm(0),
        streams::swarm(2), streams::node_id(0, "m", 1), streams::node_id(1, "m", 1)}) {
    EXPECT_TRUE(kinds.contains(kind_of(name))) << name << ": its kind is not in the list";
  }
  // Names the seeds of yesterday replay with.
  EXPECT_EQ(streams::network("rancher-server", "pi1"), "net/rancher-server->pi1");
  EXPECT_EQ(streams::node_id(0, "pi1", 3), "node-id/pi1/3");
  EXPECT_EQ(streams::swarm(0), "swarm");
}

// A draw from a stream named anywhere else than sim/streams.hpp.
TEST(StreamNames, EveryDrawInTheSimulatorNamesItsStreamFromTheList) {
  const std::regex draw(R"((rng_for|Rng::substream)\(([^;]*))");
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SWARMSIM_SOURCE_DIR) + "/sim")) {
    if (entry.path().extension() != ".cpp") continue;
    if (entry.path().filename() == "random.cpp") continue;  // defines substream
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), draw); it != std::sregex_iterator();
         ++it) {
      const std::string args = (*it)[2];
      EXPECT_NE(args.find("streams::"), std::string::npos)
          << entry.path().filename() << ": " << (*it)[0]
          << " names its stream outside sim/streams.hpp";
    }
  }
}

}  // namespace
}  // namespace swarmsim::sim
