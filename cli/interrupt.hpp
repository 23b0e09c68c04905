// Ctrl-C during a long sweep or check: finish the current run, then report
// what was done instead of losing it.
#pragma once

namespace swarmsim::cli {

void install_interrupt_handler();
bool interrupted();

inline constexpr int kExitInterrupted = 130;

}  // namespace swarmsim::cli
