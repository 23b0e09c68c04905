#include "sim/random.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <limits>

namespace swarmsim::sim {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Rng::Rng(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

Rng Rng::substream(std::uint64_t root_seed, std::string_view name) {
  // One splitmix64 round spreads neighbouring seeds apart before the name's
  // hash is mixed in; the Rng constructor then runs splitmix64 again over
  // the combination.
  std::uint64_t mixed = root_seed;
  const std::uint64_t a = splitmix64(mixed);
  return Rng(a ^ hash_name(name));
}

// 64x64->128 multiply for Lemire's bounded draw (a GCC/Clang extension).
__extension__ using U128 = unsigned __int128;

static inline std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::uniform_u64(std::uint64_t bound) {
  assert(bound > 0);
  U128 m = static_cast<U128>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<U128>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Rng::uniform_i64(std::int64_t lo, std::int64_t hi) {
  assert(lo <= hi);
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == std::numeric_limits<std::uint64_t>::max())
    return static_cast<std::int64_t>(next_u64());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + uniform_u64(span + 1));
}

double Rng::uniform01() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

bool Rng::bernoulli(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return uniform01() < p;
}

double Rng::exponential(double mean) {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  return -mean * std::log(1.0 - uniform01());
}

double Rng::standard_normal() {
  // Box-Muller, one value per call; the second value is discarded so that the
  // number of raw draws per call is fixed (two), which keeps replays simple.
  const double u1 = 1.0 - uniform01();
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

double Rng::lognormal(double median, double sigma) {
  return median * std::exp(sigma * standard_normal());
}

Distribution Distribution::constant(Duration value_ns) {
  return Distribution{Kind::Constant, value_ns, 0, 0.0};
}
Distribution Distribution::uniform(Duration lo_ns, Duration hi_ns) {
  return Distribution{Kind::Uniform, lo_ns, hi_ns, 0.0};
}
Distribution Distribution::exponential(Duration min_ns, Duration mean_ns) {
  return Distribution{Kind::Exponential, min_ns, mean_ns, 0.0};
}
Distribution Distribution::lognormal(Duration min_ns, Duration median_ns, double sigma) {
  return Distribution{Kind::Lognormal, min_ns, median_ns, sigma};
}

namespace {
Duration clamp_to_duration(double x) {
  // Heavy tails are capped at a day: beyond that a draw means "never" in any
  // scenario, and the cap keeps arithmetic on instants far from overflow.
  constexpr double kCap = static_cast<double>(24 * kHour);
  if (!(x > 0.0)) return 0;
  if (x > kCap) return 24 * kHour;
  return static_cast<Duration>(x);
}
}  // namespace

Duration Distribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::Constant:
      return min_ns;
    case Kind::Uniform:
      return param_ns <= min_ns ? min_ns : rng.uniform_i64(min_ns, param_ns);
    case Kind::Exponential:
      return min_ns + clamp_to_duration(rng.exponential(static_cast<double>(param_ns)));
    case Kind::Lognormal:
      return min_ns + clamp_to_duration(rng.lognormal(static_cast<double>(param_ns), sigma));
  }
  return min_ns;
}

std::string Distribution::describe() const {
  auto ms = [](Duration d) { return fmt::format("{:.3g}ms", static_cast<double>(d) / 1e6); };
  switch (kind) {
    case Kind::Constant:
      return ms(min_ns);
    case Kind::Uniform:
      return fmt::format("uniform[{}, {}]", ms(min_ns), ms(param_ns));
    case Kind::Exponential:
      return fmt::format("{} + exp(mean {})", ms(min_ns), ms(param_ns));
    case Kind::Lognormal:
      return fmt::format("{} + lognormal(median {}, sigma {})", ms(min_ns), ms(param_ns), sigma);
  }
  return "?";
}

}  // namespace swarmsim::sim
