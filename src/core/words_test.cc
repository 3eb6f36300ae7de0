#include "core/words.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/utf8.h"

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

// The definition, code point by code point: a word is a maximal run of word
// characters, where '.' or ',' between two digits also belongs to it.
std::vector<std::pair<size_t, size_t>> reference_words(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  std::vector<std::pair<size_t, bool>> chars;  // start byte, is a word character
  for (size_t pos = 0; pos < text.size();) {
    size_t at = pos;
    int32_t cp = decode_utf8(text, pos);
    chars.emplace_back(at, cp >= 0 && is_word_char(cp));
  }
  auto is_digit_at = [&](size_t i) {
    return i < chars.size() && text[chars[i].first] >= '0' && text[chars[i].first] <= '9';
  };
  for (size_t i = 0; i < chars.size();) {
    if (!chars[i].second) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < chars.size()) {
      char c = text[chars[j].first];
      if (chars[j].second) {
        ++j;
      } else if ((c == '.' || c == ',') && is_digit_at(j - 1) && is_digit_at(j + 1)) {
        j += 2;
      } else {
        break;
      }
    }
    spans.emplace_back(chars[i].first, j < chars.size() ? chars[j].first : text.size());
    i = j;
  }
  return spans;
}

TEST(Words, ScannerAgreesWithTheDefinitionOnRandomText) {
  std::mt19937 rng(8);
  const std::vector<std::string> pieces = {
      "a", "Z", "7", "0", ".", ",", " ", "-", "\xC3\xA9", "\xE2\x80\x94", "\xCC\x81", "\xFF", "\xE4\xB8\xAD",
      "_"};
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 14); n > 0; --n) text += pieces[rng() % pieces.size()];
    std::vector<std::pair<size_t, size_t>> spans;
    for_each_word(text, [&](std::string_view, size_t b, size_t e) { spans.emplace_back(b, e); });
    ASSERT_EQ(spans, reference_words(text)) << text;
  }
}

// The definition: every word costs 1 + (code points - 1) / 8 tokens, or
// / 4 when it holds a digit; every other code point but a space or a line
// break costs one.
size_t reference_token_count(std::string_view text) {
  size_t tokens = 0, previous_end = 0;
  auto gap = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c != ' ' && c != '\n' && (c & 0xC0) != 0x80) ++tokens;
    }
  };
  for (auto [b, e] : reference_words(text)) {
    gap(previous_end, b);
    std::string_view w = text.substr(b, e - b);
    size_t length = utf8_length(w);
    bool digit = w.find_first_of("0123456789") != std::string_view::npos;
    tokens += digit ? 1 + (length - 1) / 4 : 1 + (length - 1) / 8;
    previous_end = e;
  }
  gap(previous_end, text.size());
  return tokens;
}

TEST(Words, TokenCountAgreesWithTheDefinitionOnRandomText) {
  std::mt19937 rng(9);
  const std::vector<std::string> pieces = {
      "a",        "abcdefghij",   "7",        "12345", ".",    ",",       " ", "\n", "-",
      "\xC3\xA9", "\xE2\x80\x94", "\xCC\x81", "\xFF",  "\x80", "\xE2\x80"};
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 14); n > 0; --n) text += pieces[rng() % pieces.size()];
    ASSERT_EQ(approx_token_count(text), reference_token_count(text)) << text;
  }
}

}  // namespace
}  // namespace groundline::core
