#include "sim/utf8.hpp"

#include <fmt/format.h>

namespace swarmsim::sim {

Utf8Char decode_utf8(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return Utf8Char{lead, 1, true};
  const Utf8Char invalid{kReplacementCharacter, 1, false};
  std::size_t length = 0;
  char32_t code = 0;
  // The second byte's range is narrower after E0, ED, F0 and F4: that is
  // what rejects overlong forms, surrogates and code points above U+10FFFF.
  unsigned char low = 0x80, high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0f;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return invalid;  // a continuation byte, C0, C1 or F5..FF cannot start a character
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) return Utf8Char{kReplacementCharacter, k, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < low || b > high) return Utf8Char{kReplacementCharacter, k, false};
    code = (code << 6) | (b & 0x3f);
    low = 0x80, high = 0xbf;
  }
  return Utf8Char{code, length, true};
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

std::optional<TextProblem> find_unprintable(std::string_view s, bool allow_line_breaks) {
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Char ch = decode_utf8(s, i);
    if (!ch.valid) {
      return TextProblem{
          i, fmt::format("invalid UTF-8 (byte 0x{:02x})", static_cast<unsigned char>(s[i]))};
    }
    const bool allowed_break = allow_line_breaks && (ch.code == '\n' || ch.code == '\r');
    if (is_control(ch.code) && ch.code != '\t' && !allowed_break) {
      return TextProblem{
          i, fmt::format("control character U+{:04X}", static_cast<std::uint32_t>(ch.code))};
    }
    i += ch.length;
  }
  return std::nullopt;
}

}  // namespace swarmsim::sim
