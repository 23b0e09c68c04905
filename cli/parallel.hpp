// Independent runs on several threads. Each simulation stays on one thread
// (the determinism rules); only whole runs are spread over cores, and the
// results come back in input order, so output does not depend on `jobs`.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace swarmsim::cli {

// Default worker count: the machine's cores.
inline int default_jobs() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// fn(i) for every i in [0, n) on up to `jobs` threads. Stops handing out
// work once stop() is true; the runs not done are absent (nullopt). The first
// exception thrown by fn is rethrown here after every thread has finished.
template <typename R>
std::vector<std::optional<R>> parallel_map(std::size_t n, int jobs,
                                           const std::function<R(std::size_t)>& fn,
                                           const std::function<bool()>& stop = {}) {
  std::vector<std::optional<R>> out(n);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto worker = [&] {
    while (!failed && !(stop && stop())) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        out[i] = fn(i);
      } catch (...) {
        if (!failed.exchange(true)) failure = std::current_exception();
      }
    }
  };
  const int threads = std::clamp<int>(jobs, 1, static_cast<int>(std::max<std::size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

}  // namespace swarmsim::cli
