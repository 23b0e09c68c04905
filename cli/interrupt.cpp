#include "cli/interrupt.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace swarmsim::cli {

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler may only touch lock-free atomics");

extern "C" void on_signal(int sig) {
  // Only async-signal-safe calls here: an atomic exchange, write(2), _Exit.
  if (g_interrupted.exchange(true)) std::_Exit(128 + sig);
  g_signal.store(sig);
  const char message[] =
      "\nswarmsim: stopping after the step in flight; signal again to quit at once\n";
  [[maybe_unused]] const auto n = write(STDERR_FILENO, message, sizeof message - 1);
}

}  // namespace

void install_signal_handlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() {
  return g_interrupted.load();
}

const std::atomic<bool>* interrupt_flag() {
  return &g_interrupted;
}

int interrupted_exit_code() {
  const int sig = g_signal.load();
  return sig == 0 ? kExitInterrupted : 128 + sig;
}

}  // namespace swarmsim::cli
