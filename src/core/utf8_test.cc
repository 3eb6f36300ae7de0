#include "core/utf8.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace groundline::core {
namespace {

TEST(NormalizeText, KeepsLineCountAndNumbering) {
  auto lines = normalize_text("first\r\nsecond\rthird\n\nfifth\n");
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 5u);
  EXPECT_EQ((*lines)[0], "first");
  EXPECT_EQ((*lines)[2], "third");
  EXPECT_EQ((*lines)[3], "");
  EXPECT_EQ((*lines)[4], "fifth");
}

TEST(NormalizeText, ComposesToNfc) {
  auto lines = normalize_text("cafe\xCC\x81");  // e + combining acute
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ((*lines)[0], "caf\xC3\xA9");
}

TEST(NormalizeText, CollapsesSpacesButKeepsIndentation) {
  auto lines = normalize_text(
      "  a \t b\xC2\xA0\xC2\xA0"
      "c   \n\tcode");
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ((*lines)[0], "  a b c");
  EXPECT_EQ((*lines)[1], "    code");
}

TEST(NormalizeText, DropsControlCharactersAndBom) {
  auto lines = normalize_text("\xEF\xBB\xBFhel\x01lo\x7f");
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ((*lines)[0], "hello");
}

TEST(NormalizeText, WhitespaceOnlyLineBecomesEmpty) {
  auto lines = normalize_text("a\n   \t \nb");
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ((*lines)[1], "");
}

TEST(NormalizeText, RejectsInvalidUtf8NamingLineAndColumn) {
  auto lines = normalize_text(
      "ok\nab\xFF"
      "cd\n");
  ASSERT_FALSE(lines.ok());
  EXPECT_EQ(lines.message(), "invalid UTF-8 at line 2, column 3");
}

TEST(NormalizeText, RejectsOverlongAndTruncatedSequences) {
  EXPECT_FALSE(check_utf8("\xC0\xAF").ok());
  EXPECT_FALSE(check_utf8("abc\xE2\x82").ok());
  EXPECT_FALSE(check_utf8("\xED\xA0\x80").ok());  // surrogate
  EXPECT_TRUE(check_utf8("\xE2\x82\xAC \xF0\x9F\x98\x80").ok());
}

TEST(NormalizeText, EmptyInputHasNoLines) {
  auto lines = normalize_text("");
  ASSERT_TRUE(lines.ok());
  EXPECT_TRUE(lines->empty());
}

TEST(ToLower, FoldsAsciiAndUnicode) {
  EXPECT_EQ(to_lower("ÄBC Éclair"), "äbc éclair");
}

}  // namespace
}  // namespace groundline::core

namespace groundline::core {
namespace {

TEST(SplitLines, LinesJoinBackToTheTextWithAnyLineBreaks) {
  std::mt19937 rng(6);
  const std::vector<std::string> pieces = {"a", "bc", "\n", "\r\n", "\r", " "};
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 10); n > 0; --n) text += pieces[rng() % pieces.size()];
    std::string unix_text;  // every break as one '\n'
    for (size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '\r' && k + 1 < text.size() && text[k + 1] == '\n') continue;
      unix_text += text[k] == '\r' ? '\n' : text[k];
    }
    auto lines = split_lines(text);
    std::string joined;
    for (size_t k = 0; k < lines.size(); ++k) joined += (k ? "\n" : "") + std::string(lines[k]);
    if (!unix_text.empty() && unix_text.back() == '\n') joined += "\n";
    EXPECT_EQ(joined, unix_text);
    EXPECT_EQ(lines, split_lines(unix_text));
  }
}

// A line with a control character appended (dropped by normalisation) never
// takes the fast path for already-normal lines: both paths must agree.
TEST(NormalizeLine, FastPathAgreesWithTheFullRules) {
  std::mt19937 rng(3);
  const std::vector<std::string> pieces = {"a", "Z", " ", "  ", "\t", ".", "~", "\xC3\xA9", "\xE2\x80\x83"};
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    for (int n = static_cast<int>(rng() % 12); n > 0; --n) line += pieces[rng() % pieces.size()];
    EXPECT_EQ(normalize_line(line), normalize_line(line + "\x01")) << "[" << line << "]";
  }
}

}  // namespace
}  // namespace groundline::core
