// "Did you mean ...?" for mistyped subcommands and options.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace swarmsim::cli {

// The candidate closest to `word` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours), when it is close enough to be what
// was meant: at most a third of the word's length away, and at least one
// edit allowed. Ties go to the earlier candidate.
std::optional<std::string> closest(const std::string& word,
                                   const std::vector<std::string>& candidates);

}  // namespace swarmsim::cli
