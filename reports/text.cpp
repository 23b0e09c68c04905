// UTF-8 validation and the XML and terminal views of arbitrary text.
#include "reports/text.hpp"

#include <cstddef>

namespace swarmsim::reports {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point that starts at s[i] and moves i past it. An
// ill-formed sequence yields U+FFFD and moves i past its maximal subpart only:
// the byte that broke the sequence is looked at again as a possible start, so
// one bad byte never swallows a good character after it. The ranges are those
// of the Unicode table of well-formed UTF-8 byte sequences; narrowing the
// second byte after E0, ED, F0 and F4 is what rejects overlong forms,
// surrogates and code points above U+10FFFF.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i++]);
  if (lead < 0x80) return lead;
  int length = 0;
  char32_t cp = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return kReplacement;  // a continuation byte, C0, C1 or F5..FF cannot start a character
  }
  for (int k = 1; k < length; ++k) {
    if (i >= s.size()) return kReplacement;
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < low || b > high) return kReplacement;
    cp = (cp << 6) | (b & 0x3F);
    ++i;
    low = 0x80;
    high = 0xBF;
  }
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes s and appends, for every code point (U+FFFD for ill-formed input),
// whatever `emit` makes of it.
template <typename Emit>
std::string transform(std::string_view s, Emit emit) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) emit(out, next_code_point(s, i));
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
