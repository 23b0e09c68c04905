// UTF-8 decoding and the printable-text check that scenario files and the
// names in them must pass. Every name a scenario holds ends up on a terminal,
// in JSON and in JUnit XML; checking it once, where it is read, means no
// renderer has to guess what a byte sequence was meant to be, and no host
// name can carry an escape code to the terminal of whoever reads a timeline.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace swarmsim::sim {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

struct Utf8Char {
  char32_t code = 0;       // kReplacementCharacter when not valid
  std::size_t length = 0;  // bytes consumed, 1..4
  bool valid = false;
};

// The character starting at byte `i < s.size()` of `s`. Bytes that are not
// well-formed UTF-8 (a stray continuation byte, a truncated sequence, an
// overlong form, a surrogate, a code point above U+10FFFF) decode as one
// invalid character spanning their maximal ill-formed subpart, the Unicode
// recommendation: the byte that broke a sequence is looked at again as a
// possible start, so one bad byte never swallows a good character after it.
Utf8Char decode_utf8(std::string_view s, std::size_t i);

// Appends the UTF-8 encoding of `code` (a Unicode scalar value).
void append_utf8(std::string& out, char32_t code);

// A control character: C0 (U+0000..U+001F), DEL, or C1 (U+0080..U+009F).
bool is_control(char32_t c);

struct TextProblem {
  std::size_t offset = 0;  // byte offset of the offending sequence
  std::string what;        // "invalid UTF-8 (byte 0xff)", "control character U+001B"
};

// The first reason `s` is not printable text: invalid UTF-8, or a control
// character (tab, and with `allow_line_breaks` also LF and CR, are allowed).
std::optional<TextProblem> find_unprintable(std::string_view s, bool allow_line_breaks);

}  // namespace swarmsim::sim
