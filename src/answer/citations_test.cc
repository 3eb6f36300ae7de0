#include "answer/citations.h"

#include <gtest/gtest.h>

namespace groundline::answer {
namespace {

struct Ref {
  int source, first, last;
};

std::vector<Ref> refs(const std::vector<Citation>& citations) {
  std::vector<Ref> out;
  for (const auto& c : citations) out.push_back({c.source, c.first_line, c.last_line});
  return out;
}

bool operator==(const Ref& a, const Ref& b) {
  return a.source == b.source && a.first == b.first && a.last == b.last;
}

TEST(CitationGroup, ParsesTheFormsAnswerersWrite) {
  struct Case {
    std::string text;
    std::vector<Ref> expected;
  };
  std::vector<Case> cases = {
      {"[3:12-14]", {{3, 12, 14}}},
      {"[3:12]", {{3, 12, 12}}},
      {"[ 3 : 12 - 14 ]", {{3, 12, 14}}},
      {"[3:12\u201314]", {{3, 12, 14}}},
      {"[3:12-14, 20]", {{3, 12, 14}, {3, 20, 20}}},
      {"[3:12-14; 4:2]", {{3, 12, 14}, {4, 2, 2}}},
      {"[1:2, 2:5-6]", {{1, 2, 2}, {2, 5, 6}}},
  };
  for (const auto& c : cases) {
    size_t end = 0;
    auto parsed = parse_citation_group(c.text, 0, end);
    EXPECT_EQ(refs(parsed), c.expected) << c.text;
    EXPECT_EQ(end, c.text.size()) << c.text;
  }
}

TEST(CitationGroup, LeavesOtherBracketsAsText) {
  for (std::string text : {"[1]", "[see docs]", "[1:]", "[0:3]", "[1:0]", "[1:2-]", "[1:2", "[:3]", "[1:2 3]",
                           "[99999999:1]", "[1:2-x]", "[", "[]", "[a:1]"}) {
    size_t end = 0;
    EXPECT_TRUE(parse_citation_group(text, 0, end).empty()) << text;
  }
}

TEST(ParseReply, GivesEachSentenceTheCitationsWrittenInOrAfterIt) {
  auto sentences =
      parse_reply("The cap is 25 GB [1:33]. Older files stay. [2:4-5] Trash keeps 30 days [2:6].");
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences[0].text, "The cap is 25 GB.");
  EXPECT_EQ(refs(sentences[0].citations), (std::vector<Ref>{{1, 33, 33}}));
  EXPECT_EQ(sentences[1].text, "Older files stay.");
  EXPECT_EQ(refs(sentences[1].citations), (std::vector<Ref>{{2, 4, 5}}));
  EXPECT_EQ(sentences[2].text, "Trash keeps 30 days.");
  EXPECT_EQ(refs(sentences[2].citations), (std::vector<Ref>{{2, 6, 6}}));
}

TEST(ParseReply, ListItemsAndCitationOnlyLines) {
  auto sentences =
      parse_reply("- **Starter**: 2 GB [1:26]\n- Pro: 25 GB\n[1:27]\n\n1. Enterprise: 100 GB [1:28][1:28]");
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences[0].text, "Starter: 2 GB");
  EXPECT_EQ(refs(sentences[0].citations), (std::vector<Ref>{{1, 26, 26}}));
  EXPECT_EQ(sentences[1].text, "Pro: 25 GB");
  EXPECT_EQ(refs(sentences[1].citations), (std::vector<Ref>{{1, 27, 27}}));
  EXPECT_EQ(refs(sentences[2].citations), (std::vector<Ref>{{1, 28, 28}})) << "repeats are dropped";
}

TEST(ParseReply, SentencesWithoutCitationsKeepNone) {
  auto sentences = parse_reply("It is free. [not a citation] Really.");
  ASSERT_FALSE(sentences.empty());
  for (const auto& s : sentences) EXPECT_TRUE(s.citations.empty()) << s.text;
}

TEST(ParseReply, EmptyAndHostileInput) {
  EXPECT_TRUE(parse_reply("").empty());
  EXPECT_TRUE(parse_reply("\n\n  \n").empty());
  EXPECT_TRUE(parse_reply("[1:2]").empty()) << "a citation with no sentence says nothing";
  std::string brackets(1 << 20, '[');
  EXPECT_LE(parse_reply(brackets).size(), 1u);
  std::string almost;
  for (int i = 0; i < 50000; ++i) almost += "[1:2-";
  auto sentences = parse_reply(almost);
  for (const auto& s : sentences) EXPECT_TRUE(s.citations.empty());
  auto invalid = parse_reply("Bad \xff\xfe bytes [1:2].");
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_EQ(refs(invalid[0].citations), (std::vector<Ref>{{1, 2, 2}}));
}

TEST(FormatCitations, WritesWhatParseReads) {
  std::vector<Citation> citations(2);
  citations[0].source = 1;
  citations[0].first_line = citations[0].last_line = 7;
  citations[1].source = 2;
  citations[1].first_line = 3;
  citations[1].last_line = 5;
  std::string text = format_citations(citations);
  EXPECT_EQ(text, "[1:7][2:3-5]");
  auto back = parse_reply("Fact " + text + ".");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(refs(back[0].citations), refs(citations));
}

}  // namespace
}  // namespace groundline::answer
