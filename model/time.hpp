// Virtual and real time share one representation: signed 64-bit nanoseconds.
// The logic in model/ never reads a clock; whoever drives it passes `now`.
#pragma once

#include <cstdint>

namespace swarmsim {

using Instant = std::int64_t;   // nanoseconds since the start of the run
using Duration = std::int64_t;  // nanoseconds

inline constexpr Duration kNanosecond = 1;
inline constexpr Duration kMicrosecond = 1'000;
inline constexpr Duration kMillisecond = 1'000'000;
inline constexpr Duration kSecond = 1'000'000'000;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;

}  // namespace swarmsim
