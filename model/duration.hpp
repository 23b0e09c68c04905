// Durations as people write them, the one parser of the project: scenario
// files, study grids, the CLI's flags and swarmkit-mon's --loop-interval.
//
// "30s", "250ms", "1.5m", or compound as in "1m30s" and "2h0m5.5s": units
// h, m, s, ms, us, ns from largest to smallest, each at most once, a
// decimal part on any of them, converted exactly in integer arithmetic so
// that a text means the same instant on every machine. "0" alone is zero.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "model/time.hpp"

namespace swarmsim {

enum class DurationProblem { Malformed, TooLong };

// The magnitude may not exceed `max`; a leading '-' only with allow_negative.
std::variant<Duration, DurationProblem> parse_duration(std::string_view text, bool allow_negative,
                                                       Duration max);

// A duration in the largest unit that represents it exactly ("90s",
// "250ms"), the way a scenario file spells it.
std::string format_duration(Duration d);

}  // namespace swarmsim
