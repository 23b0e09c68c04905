#include "sim/utf8.hpp"

#include <fmt/format.h>

namespace swarmsim::sim {

std::optional<Utf8Char> decode_utf8(std::string_view s, std::size_t i) {
  if (i >= s.size()) return std::nullopt;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return Utf8Char{lead, 1};
  std::size_t length = 0;
  char32_t code = 0;
  char32_t smallest = 0;  // below this the sequence is an overlong form
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1f, smallest = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0f, smallest = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07, smallest = 0x10000;
  } else {
    return std::nullopt;  // a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5..0xff
  }
  if (s.size() - i < length) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return std::nullopt;
  return Utf8Char{code, length};
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7f && c <= 0x9f); }

std::optional<TextProblem> find_unprintable(std::string_view s, bool allow_line_breaks) {
  for (std::size_t i = 0; i < s.size();) {
    const auto ch = decode_utf8(s, i);
    if (!ch) {
      return TextProblem{i, fmt::format("invalid UTF-8 (byte 0x{:02x})",
                                        static_cast<unsigned char>(s[i]))};
    }
    const bool allowed_break = allow_line_breaks && (ch->code == '\n' || ch->code == '\r');
    if (is_control(ch->code) && ch->code != '\t' && !allowed_break) {
      return TextProblem{i, fmt::format("control character U+{:04X}",
                                        static_cast<std::uint32_t>(ch->code))};
    }
    i += ch->length;
  }
  return std::nullopt;
}

}  // namespace swarmsim::sim
