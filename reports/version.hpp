// What swarmsim says of itself in `--version`, JSON documents and JUnit
// reports.
#pragma once

#include <string_view>

namespace swarmsim::reports {

inline constexpr std::string_view kVersion = SWARMSIM_VERSION;

// The version of the JSON documents' layout (reports/README.md documents
// every field). Raised when a field changes meaning or goes away; adding a
// field does not raise it.
inline constexpr int kJsonSchemaVersion = 1;

}  // namespace swarmsim::reports
