// A metadata replica works its reloads out when it is read, instead of
// scheduling one event per Cattle change. This checks that it sees exactly
// what a replica driven by events would: the reference below is the
// event-per-reload replica (a reload scheduled one lag after the first
// change that finds none pending, changes meanwhile riding along, a stall
// postponing the reload to its end plus a lag), run in the same kernel on
// the same Cattle with a copy of the same lag stream. Random change times,
// reads and stalls; at every read both must hold the same Cattle version,
// loaded at the same instant, and both must have drawn the same lags.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/cattle_sim.hpp"
#include "sim/kernel.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/random.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {
namespace {

class EventDrivenReplica {
 public:
  EventDrivenReplica(Kernel& k, const CattleSim& cattle, Distribution lag, Rng rng)
      : k_(k), cattle_(cattle), lag_(lag), rng_(rng) {}
  void start() { schedule(draw()); }
  void handle_change() {
    if (!pending_) schedule(draw());
  }
  void stall_for(Duration d) { stall_until_ = std::max(stall_until_, k_.now() + d); }
  std::uint64_t version() const { return version_; }
  Instant loaded_at() const { return loaded_at_; }
  int draws() const { return draws_; }

 private:
  Duration draw() {
    ++draws_;
    return lag_.sample(rng_);
  }
  void schedule(Duration d) {
    pending_ = true;
    k_.schedule_after(d, [this] { reload(); });
  }
  void reload() {
    pending_ = false;
    if (k_.now() < stall_until_) {
      schedule(stall_until_ - k_.now() + draw());
      return;
    }
    const auto latest = cattle_.latest();
    if (loaded_ && latest->version == version_) return;
    loaded_ = true;
    version_ = latest->version;
    loaded_at_ = k_.now();
  }
  Kernel& k_;
  const CattleSim& cattle_;
  Distribution lag_;
  Rng rng_;
  bool pending_ = false, loaded_ = false;
  std::uint64_t version_ = 0;
  Instant loaded_at_ = 0;
  Instant stall_until_ = 0;
  int draws_ = 0;
};

struct Outcome {
  int reads = 0, reads_after_reload = 0, stalls = 0;
};

Outcome compare_on_seed(std::uint64_t seed) {
  Kernel k;
  CattleSim cattle;
  Trace trace(false);
  Rng script(seed);
  const Distribution lag = Distribution::lognormal(50 * kMillisecond, 2 * kSecond, 1.0);
  const Rng lag_rng = Rng::substream(seed, "lag");
  int lazy_draws = 0;
  MetadataReplicaSim lazy(k, cattle, trace, MetadataReplicaOptions{"h", "uuid-h", lag, 0.0},
                          lag_rng, Rng::substream(seed, "empty"));
  lazy.on_lag_drawn([&](Duration) { ++lazy_draws; });
  EventDrivenReplica eager(k, cattle, lag, lag_rng);
  Outcome out;

  // Bursts of Cattle changes, reads and stalls over ten minutes, at
  // microsecond times that differ from one another.
  for (int i = 0; i < 200; ++i) {
    const Instant at = static_cast<Instant>(script.uniform_u64(600'000'000)) * kMicrosecond + 1;
    const auto what = script.uniform_u64(10);
    if (what < 5) {
      k.schedule_at(at, [&, i] {
        cattle.add_host(k.now(), "host" + std::to_string(i), "host", "10.0.0.1");
        eager.handle_change();
      });
    } else if (what < 9) {
      k.schedule_at(at + 3, [&] {
        const auto& s = lazy.snapshot();
        ++out.reads;
        if (!s) {
          EXPECT_EQ(eager.version(), 0u) << "at " << k.now();
          return;
        }
        ++out.reads_after_reload;
        EXPECT_EQ(s->version, eager.version()) << "at " << k.now();
        EXPECT_EQ(lazy.loaded_at(), eager.loaded_at()) << "at " << k.now();
      });
    } else {
      const Duration d = static_cast<Duration>(script.uniform_u64(30)) * kSecond + 7;
      k.schedule_at(at + 5, [&, d] {
        ++out.stalls;
        lazy.stall_for(d);
        eager.stall_for(d);
      });
    }
  }
  k.schedule_at(0, [&] {
    lazy.start();
    eager.start();
  });
  k.run_until(20 * kMinute);
  lazy.catch_up();
  EXPECT_EQ(lazy_draws, eager.draws());
  return out;
}

TEST(MetadataReplica, ReadsSeeWhatAReplicaDrivenByEventsWouldSee) {
  Outcome total;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const Outcome o = compare_on_seed(seed);
    total.reads += o.reads;
    total.reads_after_reload += o.reads_after_reload;
    total.stalls += o.stalls;
    if (HasFailure()) {
      ADD_FAILURE() << "first differing seed: " << seed;
      return;
    }
  }
  // The comparison means something only if reads met loaded replicas and
  // stalls happened.
  EXPECT_GT(total.reads_after_reload, 1000);
  EXPECT_GT(total.stalls, 100);
}

TEST(MetadataReplica, AFleetOfReplicasCostsNoEventPerChange) {
  Kernel k;
  CattleSim cattle;
  Trace trace(false);
  std::vector<std::unique_ptr<MetadataReplicaSim>> replicas;
  for (int i = 0; i < 100; ++i) {
    replicas.push_back(std::make_unique<MetadataReplicaSim>(
        k, cattle, trace, MetadataReplicaOptions{"h", "u", Distribution::constant(kSecond), 0.0},
        Rng(1), Rng(2)));
    replicas.back()->start();
  }
  for (int i = 0; i < 1000; ++i)
    k.schedule_at(i * kMillisecond,
                  [&, i] { cattle.add_host(k.now(), "n" + std::to_string(i), "n", "ip"); });
  k.run_until(kMinute);
  EXPECT_EQ(k.events_run(), 1000u) << "only the changes themselves are events";
  for (auto& r : replicas) EXPECT_EQ(r->snapshot()->version, 1000u);
}

}  // namespace
}  // namespace swarmsim::sim
