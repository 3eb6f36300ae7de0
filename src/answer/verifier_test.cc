#include "answer/verifier.h"

#include <gtest/gtest.h>

namespace groundline::answer {
namespace {

Source pro_page() {
  Source s;
  s.number = 1;
  s.doc_id = 7;
  s.path = "plans/pro.md";
  s.title = "Pro plan";
  s.version = 2;
  s.first_line = 30;
  s.lines = {
      "## Uploads",                                                                  // 30
      "The maximum file size on Pro is 25 GB. The limit was raised from 15 GB to",   // 31
      "25 GB in release 4.3.0 (22 April 2025). Files over 25 GB are rejected with",  // 32
      "E202 before the upload starts.",                                              // 33
      "Pro costs $18 per seat per month; a workspace holds up to 1,000 files.",      // 34
      "Deleted files stay in the trash for 30 days, see \"Restore a file\".",        // 35
  };
  s.last_line = s.first_line + static_cast<int>(s.lines.size()) - 1;
  return s;
}

VerifyOptions acme() {
  VerifyOptions o;
  o.products = {"Starter", "Pro", "Enterprise"};
  return o;
}

DraftSentence draft(std::string text, int first, int last, int source = 1) {
  DraftSentence d;
  d.text = std::move(text);
  Citation c;
  c.source = source;
  c.first_line = first;
  c.last_line = last;
  d.citations.push_back(c);
  return d;
}

// The reason the verifier removes `text` citing lines first..last, or ""
// when it keeps it.
std::string verdict(std::string text, int first, int last, int source = 1) {
  auto result = verify({draft(std::move(text), first, last, source)}, {pro_page()}, acme());
  if (!result.kept.empty()) return "";
  return result.removed.at(0).reason;
}

TEST(Verifier, KeepsAStatedSentenceAndResolvesItsCitation) {
  auto result = verify({draft("On Pro, the maximum file size is 25 GB.", 31, 31)}, {pro_page()}, acme());
  ASSERT_EQ(result.kept.size(), 1u);
  const auto& c = result.kept[0].citations.at(0);
  EXPECT_EQ(c.doc_id, 7);
  EXPECT_EQ(c.path, "plans/pro.md");
  EXPECT_EQ(c.version, 2);
  EXPECT_EQ(c.quote, "The maximum file size on Pro is 25 GB. The limit was raised from 15 GB to");
}

TEST(Verifier, AcceptsTheSameFactsWrittenDifferently) {
  EXPECT_EQ(verdict("A workspace holds up to 1000 files on Pro.", 34, 34), "");
  EXPECT_EQ(verdict("Pro is $18 per seat each month.", 34, 34), "");
  EXPECT_EQ(verdict("Files larger than 25GB are refused with error E202.", 32, 33), "");
  EXPECT_EQ(verdict("The limit went up in version 4.3.0, on 22 April 2025.", 31, 32), "");
  EXPECT_EQ(verdict("Trash keeps deleted files for a 30-day period.", 35, 35), "");
}

TEST(Verifier, RemovesEachKindOfUnstatedFact) {
  struct Case {
    std::string sentence;
    int first, last;
    std::string named;  // must appear in the reason
  };
  std::vector<Case> cases = {
      {"The maximum file size on Pro is 30 GB.", 31, 31, "30 GB"},
      {"The maximum file size on Pro is 25 TB.", 31, 31, "25 TB"},
      {"Pro costs $99 per seat per month.", 34, 34, "$99"},
      {"Pro costs 18 euros, that is \u20ac18 per seat.", 34, 34, "\u20ac18"},
      {"The limit was raised in release 4.4.0.", 31, 32, "4.4.0"},
      {"The limit was raised on 22 May 2025.", 31, 32, "May"},
      {"Files over 25 GB are rejected with E203.", 32, 33, "E203"},
      {"Enterprise allows 25 GB files.", 31, 31, "Enterprise"},
      {"The Business plan allows 25 GB files.", 31, 31, "Business"},
      {"Deleted files can be restored, see \"Recover deleted items\".", 35, 35, "Recover deleted items"},
      {"Trash keeps deleted files for 60 days.", 35, 35, "60 days"},
  };
  for (const auto& c : cases) {
    std::string reason = verdict(c.sentence, c.first, c.last);
    EXPECT_NE(reason.find(c.named), std::string::npos) << c.sentence << " -> " << reason;
  }
}

TEST(Verifier, RemovesUncitedAndOutOfRangeCitations) {
  DraftSentence uncited;
  uncited.text = "The maximum file size on Pro is 25 GB.";
  auto result = verify({uncited}, {pro_page()}, acme());
  ASSERT_EQ(result.removed.size(), 1u);
  EXPECT_EQ(result.removed[0].reason, "no citation");
  EXPECT_NE(verdict("The maximum file size on Pro is 25 GB.", 31, 31, 4).find("not retrieved"),
            std::string::npos);
  EXPECT_NE(verdict("The maximum file size on Pro is 25 GB.", 12, 31).find("outside"), std::string::npos);
  EXPECT_NE(verdict("The maximum file size on Pro is 25 GB.", 31, 99).find("outside"), std::string::npos);
  EXPECT_NE(verdict("The maximum file size on Pro is 25 GB.", 33, 31).find("outside"), std::string::npos);
}

TEST(Verifier, RemovesASentenceItsLinesDoNotSpeakOf) {
  std::string reason = verdict("Customers can export invoices from the billing dashboard anytime.", 31, 31);
  EXPECT_EQ(reason, "the cited lines do not say this");
}

TEST(Verifier, EverySentenceNeedsAllItsCitationsValid) {
  DraftSentence d = draft("The maximum file size on Pro is 25 GB.", 31, 31);
  Citation bad;
  bad.source = 1;
  bad.first_line = 1;
  bad.last_line = 2;
  d.citations.push_back(bad);
  auto result = verify({d}, {pro_page()}, acme());
  EXPECT_TRUE(result.kept.empty());
}

TEST(Verifier, HostileInputIsRemovedNotCrashed) {
  std::string huge(1 << 20, '9');
  EXPECT_NE(verdict(huge, 31, 31), "");
  EXPECT_NE(verdict("\xff\xfe 77 \xc3", 31, 31), "");
  EXPECT_EQ(verdict("", 31, 31), "") << "an empty sentence states nothing";
  auto none = verify({}, {}, acme());
  EXPECT_TRUE(none.kept.empty() && none.removed.empty());
}

TEST(MissingFact, ChecksProductNamesAsWritten) {
  VerifyOptions o = acme();
  EXPECT_EQ(missing_fact("A pro tip: 25 GB is the cap.", "The cap is 25 GB.", o), std::nullopt);
  EXPECT_NE(missing_fact("On Pro the cap is 25 GB.", "The cap is 25 GB.", o), std::nullopt);
}

}  // namespace
}  // namespace groundline::answer
