#include "cli/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace swarmsim::cli {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  // A second Ctrl-C stops at once.
  if (g_interrupted.exchange(true)) std::_Exit(kExitInterrupted);
}
}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_sigint); }
bool interrupted() { return g_interrupted.load(); }

}  // namespace swarmsim::cli
