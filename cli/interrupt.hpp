// Ctrl-C and SIGTERM (what a CI runner sends on a time-out) during any
// command: the first signal asks the command to stop, and it finishes the
// step in flight (a few thousand simulation events at most), then reports
// what it did instead of losing it. A second signal ends the process at once.
#pragma once

#include <atomic>

namespace swarmsim::cli {

// Installs the handlers for SIGINT and SIGTERM (idempotent).
void install_signal_handlers();
bool interrupted();
// The flag the handlers set, for the simulator and the property check to poll.
const std::atomic<bool>* interrupt_flag();
// 130 after SIGINT, 143 after SIGTERM: 128 plus the signal, as shells report.
int interrupted_exit_code();

inline constexpr int kExitInterrupted = 130;

}  // namespace swarmsim::cli
