#include "model/duration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <optional>

namespace swarmsim {

namespace {

// Each unit is coefficient * 10^exponent nanoseconds. Splitting it this way
// converts decimals such as 1.5m exactly in integer arithmetic, so a file
// means the same instant on every machine.
struct TimeUnit {
  std::string_view name;
  std::uint64_t coefficient;
  int exponent;
};
constexpr TimeUnit kTimeUnits[] = {{"h", 36, 11}, {"m", 6, 10}, {"s", 1, 9},
                                   {"ms", 1, 6},  {"us", 1, 3}, {"ns", 1, 0}};

std::uint64_t pow10(int n) {
  std::uint64_t r = 1;
  while (n-- > 0) r *= 10;
  return r;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// One "<number><unit>" component, such as "1.5m", as nanoseconds (at most
// `limit`). Decimals are converted exactly in integer arithmetic.
std::optional<std::uint64_t> parse_component(std::string_view number, const TimeUnit& unit,
                                             std::uint64_t limit, DurationProblem& problem) {
  const auto dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty()) ||
      !std::all_of(fraction.begin(), fraction.end(), is_digit)) {
    return std::nullopt;
  }
  const std::uint64_t unit_ns = unit.coefficient * pow10(unit.exponent);
  std::uint64_t w = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), w).ec != std::errc{} ||
      w > limit / unit_ns) {
    problem = DurationProblem::TooLong;
    return std::nullopt;
  }
  std::uint64_t total = w * unit_ns;
  // Digits beyond exponent + 4 are worth far less than a nanosecond; keeping
  // only those before them keeps the product below 2^63.
  const int kept = static_cast<int>(std::min<std::size_t>(fraction.size(), unit.exponent + 4));
  std::uint64_t f = 0;
  for (int k = 0; k < kept; ++k) f = f * 10 + static_cast<std::uint64_t>(fraction[k] - '0');
  std::uint64_t frac_ns = f * unit.coefficient;
  if (kept <= unit.exponent) {
    frac_ns *= pow10(unit.exponent - kept);
  } else {
    const std::uint64_t div = pow10(kept - unit.exponent);
    frac_ns = frac_ns / div + ((frac_ns % div) * 2 >= div ? 1 : 0);  // round half up
  }
  if (frac_ns > limit - total) {
    problem = DurationProblem::TooLong;
    return std::nullopt;
  }
  return total + frac_ns;
}

}  // namespace

std::variant<Duration, DurationProblem> parse_duration(std::string_view text, bool allow_negative,
                                                       Duration max) {
  if (text == "0") return Duration{0};
  const bool negative = allow_negative && !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return DurationProblem::Malformed;
  const auto limit = static_cast<std::uint64_t>(max);
  std::uint64_t total = 0;
  std::size_t next_unit = 0;  // index into kTimeUnits: units must come in this order
  DurationProblem problem = DurationProblem::Malformed;
  while (!text.empty()) {
    std::size_t i = 0;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    std::size_t j = i;
    while (j < text.size() && !is_digit(text[j]) && text[j] != '.') ++j;
    const std::string_view number = text.substr(0, i), name = text.substr(i, j - i);
    std::size_t u = next_unit;
    while (u < std::size(kTimeUnits) && kTimeUnits[u].name != name) ++u;
    if (number.empty() || u == std::size(kTimeUnits)) return DurationProblem::Malformed;
    const auto part = parse_component(number, kTimeUnits[u], limit - total, problem);
    if (!part) return problem;
    total += *part;
    next_unit = u + 1;
    text.remove_prefix(j);
  }
  return negative ? -static_cast<Duration>(total) : static_cast<Duration>(total);
}

std::string format_duration(Duration d) {
  if (d == 0) return "0s";
  for (const auto& u : kTimeUnits) {
    const auto unit_ns = static_cast<Duration>(u.coefficient * pow10(u.exponent));
    if (d % unit_ns == 0) return fmt::format("{}{}", d / unit_ns, u.name);
  }
  return fmt::format("{}ns", d);  // unreachable: every value divides by 1ns
}

}  // namespace swarmsim
