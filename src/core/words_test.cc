#include "core/words.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace groundline::core {
namespace {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  for_each_word(text, [&](std::string_view w, size_t, size_t) { out.emplace_back(w); });
  return out;
}

TEST(Words, SplitsOnPunctuationAndSpaces) {
  EXPECT_EQ(words_of("Reset your password, then sign-in!"),
            (std::vector<std::string>{"Reset", "your", "password", "then", "sign", "in"}));
}

TEST(Words, KeepsVersionsDecimalsAndCodesWhole) {
  EXPECT_EQ(words_of("v4.2.1 costs $12.50 (E402) for 1,000 seats."),
            (std::vector<std::string>{"v4.2.1", "costs", "12.50", "E402", "for", "1,000", "seats"}));
}

TEST(Words, TrailingPeriodIsNotPartOfNumber) {
  EXPECT_EQ(words_of("version 3."), (std::vector<std::string>{"version", "3"}));
}

TEST(Words, HandlesUnicodeLetters) {
  EXPECT_EQ(words_of("Größe café—naïve"), (std::vector<std::string>{"Größe", "café", "naïve"}));
}

TEST(Words, OffsetsPointIntoText) {
  std::string text = "  ab  cd";
  std::vector<std::pair<size_t, size_t>> spans;
  for_each_word(text, [&](std::string_view, size_t b, size_t e) { spans.emplace_back(b, e); });
  EXPECT_EQ(spans, (std::vector<std::pair<size_t, size_t>>{{2, 4}, {6, 8}}));
}

TEST(Words, EmptyAndPunctuationOnlyTextHaveNoWords) {
  EXPECT_TRUE(words_of("").empty());
  EXPECT_TRUE(words_of(" ...!? -- ").empty());
}

TEST(IndexTerm, StemsLowercasesAndDropsStopwords) {
  EXPECT_EQ(index_term("Refunds"), "refund");
  EXPECT_EQ(index_term("refunded"), "refund");
  EXPECT_EQ(index_term("the"), "");
  EXPECT_EQ(index_term("E402"), "e402");
  EXPECT_EQ(index_term("4.2.1"), "4.2.1");
}

TEST(ApproxTokenCount, CountsWordsNumbersAndPunctuation) {
  EXPECT_EQ(approx_token_count(""), 0u);
  EXPECT_EQ(approx_token_count("reset the password"), 3u);
  EXPECT_EQ(approx_token_count("authentication"), 2u);  // long word, two pieces
  EXPECT_EQ(approx_token_count("Hello, world."), 4u);
  EXPECT_EQ(approx_token_count("123456789"), 3u);
}

}  // namespace
}  // namespace groundline::core
