#include "reports/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace swarmsim::reports {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

Interval wilson_interval(std::size_t successes, std::size_t n, double z) {
  if (n == 0) return {kNaN, kNaN};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double centre = (p + z2 / (2 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  // At k = 0 and k = n the ends are exactly 0 and 1 (rounding would leave 1e-19).
  return {successes == 0 ? 0.0 : std::max(0.0, centre - half),
          successes == n ? 1.0 : std::min(1.0, centre + half)};
}

bool wilson_within(std::size_t successes, std::size_t n, double half_width) {
  if (n == 0) return false;
  const Interval ci = wilson_interval(successes, n);
  // The relative slack keeps a half-width that equals the target on paper
  // from missing it by a rounding error.
  return (ci.hi - ci.lo) / 2 <= half_width * (1 + 1e-9);
}

double nearest_rank_quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double n = static_cast<double>(sorted.size());
  // A small tolerance so that 0.95 * 20 is rank 19, not 20 through rounding.
  auto rank = static_cast<std::size_t>(std::ceil(q * n - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

namespace {

double log_binomial_pmf(std::size_t x, std::size_t n, double p) {
  const double xn = static_cast<double>(x), nn = static_cast<double>(n);
  return std::lgamma(nn + 1) - std::lgamma(xn + 1) - std::lgamma(nn - xn + 1) + xn * std::log(p) +
         (nn - xn) * std::log1p(-p);
}

// The first x whose mass is not negligible (below it the CDF is < 1e-300).
std::size_t binomial_window_start(std::size_t n, double p) {
  const double mean = static_cast<double>(n) * p;
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  const double from = std::floor(mean - 40 * sd - 10);
  return from <= 0 ? 0 : static_cast<std::size_t>(from);
}

// The smallest x with P(X <= x) >= target, X ~ Binomial(n, p); n when none
// smaller reaches it.
std::size_t binomial_quantile(std::size_t n, double p, double target) {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  double cdf = 0;
  for (std::size_t x = binomial_window_start(n, p); x < n; ++x) {
    cdf += std::exp(log_binomial_pmf(x, n, p));
    if (cdf >= target) return x;
  }
  return n;
}

}  // namespace

double binomial_cdf(std::size_t x, std::size_t n, double p) {
  if (x >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  double cdf = 0;
  for (std::size_t i = binomial_window_start(n, p); i <= x; ++i)
    cdf += std::exp(log_binomial_pmf(i, n, p));
  return std::min(1.0, cdf);
}

QuantileInterval quantile_interval(const std::vector<double>& sorted, double q, double conf) {
  QuantileInterval out;
  const std::size_t n = sorted.size();
  const double alpha = (1 - conf) / 2;
  if (n == 0) return {kNaN, kNaN, 0, 1};
  const std::size_t j = binomial_quantile(n, q, alpha);
  const std::size_t k = binomial_quantile(n, q, 1 - alpha) + 1;
  out.lo_rank = j;
  out.lo = j >= 1 ? sorted[j - 1] : kNaN;
  out.hi_rank = std::min(k, n + 1);
  out.hi = k <= n ? sorted[k - 1] : kNaN;
  return out;
}

std::size_t samples_for_upper_bound(double q, double conf) {
  // The upper rank is at most n exactly when P(X <= n-1) = 1 - q^n >= 1 - alpha.
  const double alpha = (1 - conf) / 2;
  return static_cast<std::size_t>(std::ceil(std::log(alpha) / std::log(q) - 1e-9));
}

}  // namespace swarmsim::reports
