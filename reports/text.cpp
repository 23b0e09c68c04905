// UTF-8 validation and the XML and terminal views of arbitrary text.
#include "reports/text.hpp"

#include <cstddef>

#include "sim/utf8.hpp"

namespace swarmsim::reports {

namespace {

using sim::append_utf8;
constexpr char32_t kReplacement = sim::kReplacementCharacter;

// Decodes s and appends, for every code point (U+FFFD for ill-formed input),
// whatever `emit` makes of it.
template <typename Emit>
std::string transform(std::string_view s, Emit emit) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const sim::Utf8Char ch = sim::decode_utf8(s, i);
    emit(out, ch.code);
    i += ch.length;
  }
  return out;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  return transform(s, [](std::string& out, char32_t cp) { append_utf8(out, cp); });
}

std::string xml_safe(std::string_view s) {
  return transform(s, [](std::string& out, char32_t cp) {
    const bool forbidden =
        (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF;
    append_utf8(out, forbidden ? kReplacement : cp);
  });
}

std::string terminal_safe(std::string_view s) {
  return transform(s, [](std::string& out, char32_t cp) {
    const bool control =
        (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
    if (!control) {
      append_utf8(out, cp);
      return;
    }
    constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[cp >> 4];
    out += kHex[cp & 0xF];
  });
}

}  // namespace swarmsim::reports
