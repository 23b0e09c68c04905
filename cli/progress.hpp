// Progress of a long batch of runs on stderr: a bar redrawn in place on a
// terminal (runs done, rate, ETA); a plain line every ten seconds otherwise
// (CI logs, pods). Thread-safe: workers report as they finish.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <iostream>
#include <mutex>
#include <string>
#include <utility>

namespace swarmsim::cli {

inline std::string clock_text(double seconds) {
  if (!(seconds >= 0) || seconds > 360000) return "?";
  const long s = std::lround(seconds);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s / 60 % 60)
                   : fmt::format("{}m{:02}s", s / 60, s % 60);
}

class Progress {
 public:
  // `what` starts each plain line ("study", "sweep").
  explicit Progress(bool quiet, std::string what = "study")
      : what_(std::move(what)), quiet_(quiet), tty_(::isatty(2) != 0), start_(Clock::now()) {}
  void update(std::size_t done, std::size_t total) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(lock_);
    const auto now = Clock::now();
    if (first_done_ < 0) first_done_ = static_cast<long>(done) - 1;
    const bool last = done == total;
    if (!last &&
        now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000)))
      return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double ran = static_cast<double>(done) - static_cast<double>(first_done_);
    const double rate = elapsed > 0 ? ran / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : -1;
    const int width = 30;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
    const std::string line =
        fmt::format("{}/{} runs  {:.1f} runs/s  ETA {}", done, total, rate, clock_text(eta));
    if (tty_) {
      std::cerr << fmt::format("\r[{}{}] {}\033[K",
                               std::string(static_cast<std::size_t>(filled), '='),
                               std::string(static_cast<std::size_t>(width - filled), ' '), line);
      drawn_ = !last;
      if (last) std::cerr << "\n";
    } else {
      std::cerr << what_ << ": " << line << "\n";
    }
  }
  // Ends a bar left half-drawn (before other output, or when interrupted).
  void finish() {
    std::lock_guard<std::mutex> lock(lock_);
    if (drawn_) std::cerr << "\n";
    drawn_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_;
  bool quiet_, tty_;
  bool drawn_ = false;  // a bar is on the terminal's last line
  Clock::time_point start_, last_{};
  long first_done_ = -1;
  std::mutex lock_;
};

}  // namespace swarmsim::cli
