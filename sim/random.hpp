// The simulator's only source of randomness.
//
// Rng is xoshiro256** seeded through splitmix64. Every component draws from
// its own named substream (`Rng::substream(root_seed, "metadata/pi1")`), so
// adding a component or a host never reshuffles the draws of the others: a
// seed that reproduced a race yesterday reproduces it after today's change.
// The draws (uniform, exponential, lognormal, bernoulli) are written here
// rather than taken from <random>, whose distributions differ between
// standard libraries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/time.hpp"

namespace swarmsim::sim {

std::uint64_t splitmix64(std::uint64_t& state);
std::uint64_t hash_name(std::string_view name);  // FNV-1a 64, stable forever

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  static Rng substream(std::uint64_t root_seed, std::string_view name);

  std::uint64_t next_u64();
  // Uniform integer in [0, bound); bound > 0. Unbiased (Lemire's method).
  std::uint64_t uniform_u64(std::uint64_t bound);
  // Uniform integer in [lo, hi], inclusive.
  std::int64_t uniform_i64(std::int64_t lo, std::int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double uniform01();
  bool bernoulli(double p);
  double exponential(double mean);
  double standard_normal();
  double lognormal(double median, double sigma);

 private:
  std::uint64_t s_[4];
};

// A non-negative duration distribution as scenarios describe it: a floor
// (`min`) plus a random part. Kept as plain data so that scenarios can be
// written back out (counterexamples) exactly as they were read.
struct Distribution {
  enum class Kind { Constant, Uniform, Exponential, Lognormal };
  Kind kind = Kind::Constant;
  Duration min_ns = 0;    // floor added to every draw (constant: the value)
  Duration param_ns = 0;  // uniform: max; exponential: mean above min; lognormal: median above min
  double sigma = 0.0;     // lognormal shape; unused otherwise

  static Distribution constant(Duration value_ns);
  static Distribution uniform(Duration lo_ns, Duration hi_ns);
  static Distribution exponential(Duration min_ns, Duration mean_ns);
  static Distribution lognormal(Duration min_ns, Duration median_ns, double sigma);

  Duration sample(Rng& rng) const;
  std::string describe() const;
  bool operator==(const Distribution&) const = default;
};

}  // namespace swarmsim::sim
