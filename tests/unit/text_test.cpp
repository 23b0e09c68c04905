// Text sanitising: invalid UTF-8 never survives, XML never sees a character it
// forbids, and a terminal never sees a control character.
#include "reports/text.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace swarmsim::reports;
using namespace std::string_literals;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string fffd(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += kFffd;
  return out;
}

// Encodes without any checks, so that the tests can build both well-formed
// and ill-formed (surrogate, too large) sequences independently of the code
// under test.
std::string encode(char32_t cp) {
  std::string out;
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
  return out;
}

TEST(ValidUtf8, KeepsWellFormedText) {
  const std::string text = "plain \t\n\r é 中 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \0 end"s;
  EXPECT_EQ(valid_utf8(text), text);
  EXPECT_EQ(valid_utf8(""), "");
}

TEST(ValidUtf8, KeepsEveryScalarValueAndReplacesEverySurrogate) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const std::string bytes = encode(cp);
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      ASSERT_EQ(valid_utf8(bytes), fffd(3)) << std::hex << static_cast<unsigned>(cp);
    } else {
      ASSERT_EQ(valid_utf8(bytes), bytes) << std::hex << static_cast<unsigned>(cp);
    }
  }
}

TEST(ValidUtf8, ReplacesOverlongEncodings) {
  EXPECT_EQ(valid_utf8("\xC0\x80"), fffd(2));          // NUL in two bytes
  EXPECT_EQ(valid_utf8("\xC1\xBF"), fffd(2));          // '\x7f' in two bytes
  EXPECT_EQ(valid_utf8("\xE0\x80\xAF"), fffd(3));      // '/' in three bytes
  EXPECT_EQ(valid_utf8("\xE0\x9F\xBF"), fffd(3));      // U+07FF in three bytes
  EXPECT_EQ(valid_utf8("\xF0\x80\x80\xAF"), fffd(4));  // '/' in four bytes
  EXPECT_EQ(valid_utf8("\xF0\x8F\xBF\xBF"), fffd(4));  // U+FFFF in four bytes
}

TEST(ValidUtf8, ReplacesSurrogates) {
  EXPECT_EQ(valid_utf8("a\xED\xA0\x80z"), "a" + fffd(3) + "z");
  EXPECT_EQ(valid_utf8("\xED\xB0\x80"), fffd(3));
  // A surrogate pair written as two three-byte sequences (CESU-8).
  EXPECT_EQ(valid_utf8("\xED\xA0\xBD\xED\xB8\x80"), fffd(6));
  // The last code point before the surrogates is fine.
  EXPECT_EQ(valid_utf8("\xED\x9F\xBF"), "\xED\x9F\xBF");
}

TEST(ValidUtf8, ReplacesTruncatedSequencesOnce) {
  EXPECT_EQ(valid_utf8("\xE2\x82"), kFffd);
  EXPECT_EQ(valid_utf8("\xF0\x9F\x98"), kFffd);
  EXPECT_EQ(valid_utf8("\xC3"), kFffd);
  // The byte that broke the sequence is read again, so good text after it
  // survives.
  EXPECT_EQ(valid_utf8("\xE2\x82"
                       "a"),
            kFffd + "a");
  EXPECT_EQ(valid_utf8("\xE2\x28\xA1"), kFffd + "(" + kFffd);
  EXPECT_EQ(valid_utf8("\xF0\x9F\x98\xC3\xA9"), kFffd + "é");
}

TEST(ValidUtf8, ReplacesBytesThatNeverStartACharacter) {
  EXPECT_EQ(valid_utf8("\xFF"), kFffd);
  EXPECT_EQ(valid_utf8("\xFE\xFF"), fffd(2));
  EXPECT_EQ(valid_utf8("\x80"), kFffd);
  EXPECT_EQ(valid_utf8("\xBF\xBF"), fffd(2));
  EXPECT_EQ(valid_utf8("a\xFFz"), "a" + kFffd + "z");
}

TEST(ValidUtf8, ReplacesCodePointsAboveTheUnicodeRange) {
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), fffd(4));  // U+110000
  EXPECT_EQ(valid_utf8("\xF5\x80\x80\x80"), fffd(4));
  EXPECT_EQ(valid_utf8("\xF7\xBF\xBF\xBF"), fffd(4));      // U+1FFFFF
  EXPECT_EQ(valid_utf8("\xF8\x88\x80\x80\x80"), fffd(5));  // old five-byte form
}

TEST(ValidUtf8, OutputIsAlwaysValid) {
  // Every one- and two-byte input: replacing once must leave nothing to replace.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string in{static_cast<char>(a), static_cast<char>(b)};
      const std::string out = valid_utf8(in);
      ASSERT_EQ(valid_utf8(out), out) << a << " " << b;
    }
  }
}

TEST(XmlSafe, ReplacesWhatXml10Forbids) {
  EXPECT_EQ(xml_safe(std::string("a\0b", 3)), "a" + kFffd + "b");
  EXPECT_EQ(xml_safe("\x01\x08\x0B\x0C\x1B\x1F"), fffd(6));
  EXPECT_EQ(xml_safe("\xEF\xBF\xBE\xEF\xBF\xBF"), fffd(2));  // U+FFFE, U+FFFF
  EXPECT_EQ(xml_safe("\x1b[31mred"), kFffd + "[31mred");
  EXPECT_EQ(xml_safe("\xED\xA0\x80"), fffd(3));
  EXPECT_EQ(xml_safe("\xFF"), kFffd);
}

TEST(XmlSafe, KeepsWhatXml10Allows) {
  // Markup characters are the XML writer's business, not ours.
  const std::string allowed =
      "tab\t lf\n cr\r <&>\"' ]]> \x7F \xC2\x9B \xC2\xA0 \xEF\xBF\xBD \xEF\xBF\xBC é "
      "\xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
  EXPECT_EQ(xml_safe(allowed), allowed);
}

TEST(TerminalSafe, EscapesControlSequences) {
  EXPECT_EQ(terminal_safe("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(terminal_safe("\xC2\x9B"
                          "2J"),
            "\\x9b2J");  // C1 CSI
  EXPECT_EQ(terminal_safe("\xC2\x80\xC2\x9F"), "\\x80\\x9f");
  EXPECT_EQ(terminal_safe("\x7F"), "\\x7f");
  EXPECT_EQ(terminal_safe(std::string("\0\x07\r\x0b", 4)), "\\x00\\x07\\x0d\\x0b");
  EXPECT_EQ(terminal_safe("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
}

TEST(TerminalSafe, KeepsNewlinesTabsAndPrintableText) {
  const std::string text = "line\n\tindented é 中 \xC2\xA0 \xF0\x9F\x98\x80 \\x1b";
  EXPECT_EQ(terminal_safe(text), text);
}

TEST(TerminalSafe, ReplacesInvalidUtf8InsteadOfEscapingIt) {
  // A raw 0x9B byte is CSI to an 8-bit terminal; it is not UTF-8, so it must
  // not reach the terminal at all.
  EXPECT_EQ(terminal_safe("\x9B"
                          "2J"),
            kFffd + "2J");
  EXPECT_EQ(terminal_safe("\xC0\x9B"), fffd(2));
  EXPECT_EQ(terminal_safe("\xED\xA0\x80"), fffd(3));
}

}  // namespace
