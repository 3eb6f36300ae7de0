#include "core/sentences.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace groundline::core {
namespace {

std::vector<std::string> sentences_of(std::string_view text) {
  std::vector<std::string> out;
  for (auto span : split_sentences(text)) out.emplace_back(text.substr(span.begin, span.end - span.begin));
  return out;
}

struct Case {
  const char* text;
  std::vector<std::string> expected;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << '"' << c.text << '"';
}

class SentenceSplit : public ::testing::TestWithParam<Case> {};

TEST_P(SentenceSplit, MatchesExpected) {
  EXPECT_EQ(sentences_of(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SentenceSplit,
    ::testing::Values(
        Case{"One. Two! Three? Four", {"One.", "Two!", "Three?", "Four"}},
        Case{"Use a browser, e.g. Firefox. Then sign in.", {"Use a browser, e.g. Firefox.", "Then sign in."}},
        Case{"That is, i.e. Pro. Done.", {"That is, i.e. Pro.", "Done."}},
        Case{"Ask Dr. Smith. He knows.", {"Ask Dr. Smith.", "He knows."}},
        Case{"Uptime is 99.95% on Pro. Starter has none.", {"Uptime is 99.95% on Pro.", "Starter has none."}},
        Case{"Upgrade to 2.3.1 today. It fixes E402.", {"Upgrade to 2.3.1 today.", "It fixes E402."}},
        Case{"See https://acme.example/docs/a.b.html for more. Then retry.",
             {"See https://acme.example/docs/a.b.html for more.", "Then retry."}},
        Case{"He said \"stop.\" Then left.", {"He said \"stop.\"", "Then left."}},
        Case{"Wait... Really? Yes.", {"Wait...", "Really?", "Yes."}},
        Case{"J. R. Tolkien wrote it. Yes.", {"J. R. Tolkien wrote it.", "Yes."}},
        Case{"the file config.yaml. is odd. fine", {"the file config.yaml. is odd. fine"}},
        Case{"Line one wraps\nonto two. Next\nsentence.", {"Line one wraps\nonto two.", "Next\nsentence."}},
        Case{"", {}}, Case{"   \n ", {}}, Case{"No terminator", {"No terminator"}},
        Case{"Plans (Pro.) differ. Yes.", {"Plans (Pro.) differ.", "Yes."}}));

TEST(SentenceSplitProperty, CoversEveryNonSpaceByteOnce) {
  std::string text = "A. b. C? d! E... 3.5 x. (Y.) \"Z.\" e.g. F";
  auto spans = split_sentences(text);
  std::vector<int> covered(text.size(), 0);
  for (auto s : spans)
    for (size_t i = s.begin; i < s.end; ++i) covered[i]++;
  for (size_t i = 0; i < text.size(); ++i) {
    EXPECT_EQ(covered[i], text[i] == ' ' ? covered[i] : 1) << "byte " << i;
    EXPECT_LE(covered[i], 1);
  }
}

}  // namespace
}  // namespace groundline::core
