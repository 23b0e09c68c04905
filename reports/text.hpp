// Text sanitising for report output: whatever bytes a scenario, a host or a
// log line carries, what we print or write must stay valid UTF-8, stay a
// well-formed XML document, and never drive a terminal with escape codes.
#pragma once

#include <string>
#include <string_view>

namespace swarmsim::reports {

// The text with every invalid UTF-8 sequence replaced by U+FFFD. Each maximal
// ill-formed subpart becomes one U+FFFD (the Unicode "best practice"), so
// overlong forms, encoded surrogates, truncated sequences, stray continuation
// bytes, 0xC0/0xC1/0xF5..0xFF and code points above U+10FFFF are all caught.
std::string valid_utf8(std::string_view s);

// For XML 1.0 content: valid_utf8, and characters XML 1.0 forbids (C0 controls
// other than tab, LF, CR; U+FFFE/U+FFFF) replaced by U+FFFD.
std::string xml_safe(std::string_view s);

// For a terminal: valid_utf8, and C0 controls (except '\n' and '\t'), DEL and
// C1 controls (U+0080..U+009F) shown as "\xNN" escapes (two lowercase hex
// digits of the code point), so input can never send escape codes to a
// terminal.
std::string terminal_safe(std::string_view s);

}  // namespace swarmsim::reports
