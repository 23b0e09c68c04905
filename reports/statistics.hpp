// The statistics of studies: how sure a finite number of seeds lets us be
// of a rate or a quantile. Used by the study runner (a point stops once its
// interval is narrow enough) and by the study reports; depends on nothing
// else of the project.
#pragma once

#include <cstddef>
#include <vector>

namespace swarmsim::reports {

// z of a two-sided 95% normal interval.
inline constexpr double kZ95 = 1.959964;

struct Interval {
  double lo = 0;
  double hi = 0;
};

// Wilson score interval of a proportion: `successes` out of `n` (n > 0).
Interval wilson_interval(std::size_t successes, std::size_t n, double z = kZ95);

// The Wilson 95% interval of k of n is at most +-half_width wide (n > 0):
// the rule a study with a target precision stops a point by.
bool wilson_within(std::size_t successes, std::size_t n, double half_width);

// Nearest-rank quantile of sorted values: the ceil(q*n)-th smallest (1-based,
// at least the first). NaN when `sorted` is empty. q in (0, 1].
double nearest_rank_quantile(const std::vector<double>& sorted, double q);

// P(X <= x) for X ~ Binomial(n, p).
double binomial_cdf(std::size_t x, std::size_t n, double p);

// Distribution-free interval for the q-quantile of the population the sorted
// sample came from: the order statistics [x_(j), x_(k)] with
// j = the smallest x with P(X <= x) >= (1-conf)/2 and k = 1 + the smallest x
// with P(X <= x) >= 1-(1-conf)/2, X ~ Binomial(n, q): it covers the quantile
// with probability P(j <= X < k) >= conf. A side whose rank falls outside
// 1..n is unbounded (too few samples): its value is NaN.
struct QuantileInterval {
  double lo = 0;
  double hi = 0;
  std::size_t lo_rank = 0;  // 1-based; 0 when unbounded below
  std::size_t hi_rank = 0;  // 1-based; n+1 when unbounded above
};
QuantileInterval quantile_interval(const std::vector<double>& sorted, double q, double conf = 0.95);
// Fewest samples for which the interval above has an upper bound.
std::size_t samples_for_upper_bound(double q, double conf = 0.95);

}  // namespace swarmsim::reports
