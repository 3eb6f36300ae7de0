#include "answer/extractive.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/words.h"

namespace groundline::answer {
namespace {

Source make_source(int number, std::string path, int first_line, std::vector<std::string> lines,
                   std::vector<kb::Heading> headings = {}) {
  Source s;
  s.number = number;
  s.doc_id = number;
  s.path = std::move(path);
  s.title = s.path;
  s.version = 1;
  s.first_line = first_line;
  s.lines = std::move(lines);
  s.last_line = first_line + static_cast<int>(s.lines.size()) - 1;
  s.headings = std::move(headings);
  return s;
}

// Every term weighs the same unless given: enough for choosing sentences.
std::vector<WeightedTerm> terms_of(const std::string& question, std::map<std::string, double> weights = {}) {
  std::vector<WeightedTerm> out;
  core::for_each_word(question, [&](std::string_view w, size_t, size_t) {
    std::string t = core::index_term(w);
    if (t.empty()) return;
    for (const auto& seen : out)
      if (seen.term == t) return;
    out.push_back({t, weights.count(t) ? weights[t] : 1.0});
  });
  return out;
}

ExtractiveOptions acme() {
  ExtractiveOptions o;
  o.products = {"Starter", "Pro", "Enterprise"};
  return o;
}

std::vector<Source> plan_pages() {
  return {make_source(1, "plans/pro.md", 30,
                      {"## Uploads", "", "The maximum file size on Pro is 25 GB. The limit was raised from",
                       "15 GB in release 4.3.0. Files over the limit fail with E202.", "",
                       "- Guests are free on Pro.", "- Shared links can carry a password."},
                      {{30, 2, "Uploads"}}),
          make_source(2, "plans/comparison.md", 10,
                      {"| | Starter | Pro | Enterprise |", "|---|---|---|---|",
                       "| Maximum file upload size | 2 GB | 25 GB | 100 GB |",
                       "| Version history | 30 days | 180 days | 365 days |"})};
}

TEST(AnswerUnits, SplitsProseListsAndTableRowsWithTheirLines) {
  auto units = answer_units(plan_pages()[0], 0);
  ASSERT_EQ(units.size(), 5u);
  EXPECT_EQ(units[0].text, "The maximum file size on Pro is 25 GB.");
  EXPECT_EQ(units[0].first_line, 32);
  EXPECT_EQ(units[0].last_line, 32);
  EXPECT_EQ(units[1].text, "The limit was raised from 15 GB in release 4.3.0.");
  EXPECT_EQ(units[1].first_line, 32);
  EXPECT_EQ(units[1].last_line, 33);
  EXPECT_EQ(units[3].text, "Guests are free on Pro.");
  EXPECT_EQ(units[3].first_line, 35);

  auto rows = answer_units(plan_pages()[1], 1);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].header_line, 10);
  EXPECT_EQ(rows[0].first_line, 12);
  EXPECT_EQ(rows[0].text, "Maximum file upload size \u2014 Starter: 2 GB, Pro: 25 GB, Enterprise: 100 GB.");
}

TEST(AnswerUnits, SkipsCodeHeadingsAndBlankSources) {
  auto s = make_source(1, "a.md", 1, {"# Title", "```", "rm -rf / is a command.", "```", "Plain words here."},
                       {{1, 1, "Title"}});
  auto units = answer_units(s, 0);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].text, "Plain words here.");
  EXPECT_TRUE(answer_units(make_source(1, "b.md", 1, {"", "  ", ""}), 0).empty());
}

TEST(Extractive, PicksTheSentenceThatAnswersAndCitesItsLines) {
  std::string q = "What is the maximum file size on Pro?";
  auto result = answer_extractively(q, terms_of(q), plan_pages(), acme());
  ASSERT_FALSE(result.sentences.empty());
  const auto& best = result.sentences[0];
  EXPECT_NE(best.text.find("25 GB"), std::string::npos) << best.text;
  ASSERT_FALSE(best.citations.empty());
  for (const auto& s : result.sentences)
    EXPECT_EQ(s.text.find("2 GB, "), std::string::npos) << "a row shows only the asked product: " << s.text;
}

TEST(Extractive, ATableRowShowsTheColumnOfTheProductAskedAbout) {
  std::string q = "How long is version history kept on Starter?";
  auto result = answer_extractively(q, terms_of(q), plan_pages(), acme());
  ASSERT_FALSE(result.sentences.empty());
  EXPECT_EQ(result.sentences[0].text, "Version history \u2014 Starter: 30 days.");
  ASSERT_EQ(result.sentences[0].citations.size(), 2u) << "the header line and the row";
  EXPECT_EQ(result.sentences[0].citations[0].first_line, 10);
  EXPECT_EQ(result.sentences[0].citations[1].first_line, 13);
}

TEST(Extractive, AbstainsWhenNoSourceNamesWhatTheQuestionNames) {
  std::string q = "How much does the Business plan cost per seat?";
  auto result = answer_extractively(q, terms_of(q, {{"busi", 6.0}}), plan_pages(), acme());
  EXPECT_TRUE(result.sentences.empty());
  std::string code = "What does error E999 mean?";
  EXPECT_TRUE(answer_extractively(code, terms_of(code), plan_pages(), acme()).sentences.empty());
}

TEST(Extractive, AbstainsWhenAskedForANumberNoUnitHolds) {
  std::string q = "How many shared links can carry a password?";
  auto result = answer_extractively(q, terms_of(q), plan_pages(), acme());
  EXPECT_TRUE(result.sentences.empty()) << result.sentences[0].text;
}

TEST(Extractive, AnErrorCodeQuestionGetsItsDefinition) {
  std::vector<Source> sources = {
      make_source(1, "errors/index.md", 1, {"Codes look like E402 or E202."}),
      make_source(2, "errors/billing.md", 10, {"## E402 Card declined", "", "Your bank refused the charge."},
                  {{10, 2, "E402 Card declined"}})};
  std::string q = "What does E402 mean?";
  auto result = answer_extractively(q, terms_of(q), sources, acme());
  ASSERT_FALSE(result.sentences.empty());
  EXPECT_EQ(result.sentences[0].text, "Your bank refused the charge.");
}

TEST(Extractive, DoesNotRepeatItself) {
  std::vector<Source> sources = {make_source(1, "a.md", 1, {"Refunds take 5 to 10 business days."}),
                                 make_source(2, "b.md", 1, {"Refunds take 5 to 10 business days."})};
  std::string q = "How long do refunds take?";
  auto result = answer_extractively(q, terms_of(q), sources, acme());
  EXPECT_EQ(result.sentences.size(), 1u);
}

TEST(Extractive, AHowToQuestionGetsTheStepsInOrder) {
  std::vector<Source> sources = {
      make_source(1, "howto/reset-password.md", 1,
                  {"# Reset your password", "", "It takes a minute.", "",
                   "1. Open the sign-in page and click Forgot password.", "2. Enter your email address.",
                   "3. Open the reset email", "   and choose a new password.", "",
                   "A reset link expires after 60 minutes."},
                  {{1, 1, "Reset your password"}})};
  std::string q = "How do I reset my password?";
  auto result = answer_extractively(q, terms_of(q), sources, acme());
  std::vector<int> lines;
  for (const auto& s : result.sentences) lines.push_back(s.citations.back().first_line);
  auto first_step = std::find(lines.begin(), lines.end(), 5);
  ASSERT_NE(first_step, lines.end());
  EXPECT_EQ(std::vector<int>(first_step, lines.end()), (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(result.sentences.back().text, "Open the reset email and choose a new password.");
  EXPECT_EQ(result.sentences.back().citations.back().last_line, 8);
}

TEST(Extractive, EmptyAndHugeInput) {
  EXPECT_TRUE(answer_extractively("", {}, plan_pages(), acme()).sentences.empty());
  EXPECT_TRUE(answer_extractively("anything", terms_of("anything"), {}, acme()).sentences.empty());
  std::string long_line(1 << 20, 'a');
  auto huge = make_source(1, "huge.txt", 1, {long_line + " refund 5 days."});
  std::string q = "How long do refunds take?";
  auto result = answer_extractively(q, terms_of(q), {huge}, acme());
  EXPECT_LE(result.sentences.size(), 1u);
}

TEST(PlainText, RemovesInlineMarkdown) {
  EXPECT_EQ(plain_text("See [Add-ons](add-ons.html) and **bold** `code` _x_."),
            "See Add-ons and bold code _x_.");
  EXPECT_EQ(plain_text("![logo](a.png) text"), "logo text");
  EXPECT_EQ(plain_text("a * b"), "a  b");
}

}  // namespace
}  // namespace groundline::answer
