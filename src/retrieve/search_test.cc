#include "retrieve/search.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ingest/ingest.h"
#include "tests/test_files.h"

namespace groundline::retrieve {
namespace {

using testing::TempDir;

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("docs/plans/pro.md",
               "---\nproduct: pro\ncategory: billing\nupdated: 2026-02-01\n---\n# Pro plan\n\n"
               "## Storage\n\nThe Pro plan includes 250 GB of storage per seat.\n");
    dir_.write("docs/plans/starter.md",
               "---\nproduct: starter\ncategory: billing\nupdated: 2025-06-01\n---\n# Starter plan\n\n"
               "## Storage\n\nThe Starter plan includes 100 GB of storage per workspace.\n");
    dir_.write("docs/errors/billing.md",
               "---\ncategory: billing\nupdated: 2026-01-10\n---\n# Billing errors\n\n"
               "## E402 Card declined\n\nThe bank declined the payment. Update the card.\n\n"
               "## E405 Invoice overdue\n\nPay the open invoice within 14 days.\n");
    dir_.write("docs/howto/invite.md",
               "---\nproduct: all\nupdated: 2024-03-03\n---\n# Invite users\n\n"
               "Open Members and choose Invite. Storage is not affected.\n");
    auto store = kb::Store::open(dir_ / "kb.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    ingest::IngestOptions options;
    options.config.code_pattern = R"(\bE[0-9]{3}\b)";
    options.config.code_categories = {{"E4", "billing"}};
    auto report = ingest::ingest_folder(*store_, dir_ / "docs", options);
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->added, 4u);
  }

  std::vector<Hit> run(const std::string& q, const std::vector<std::string>& filters = {}, int k = 10) {
    auto parsed = parse_filters(filters);
    EXPECT_TRUE(parsed.ok()) << parsed.message();
    SearchOptions options;
    options.filters = *parsed;
    options.k = k;
    auto hits = search(*store_, q, options);
    EXPECT_TRUE(hits.ok()) << hits.message();
    return hits.ok() ? *hits : std::vector<Hit>{};
  }

  TempDir dir_;
  std::unique_ptr<kb::Store> store_;
};

bool has_tag(const Hit& h, const std::string& key, const std::string& value) {
  for (const auto& t : h.tags)
    if (t.key == key && t.value == value) return true;
  return false;
}

TEST_F(SearchTest, StemmedWordsFindTheRightPageWithItsLinesAndHeadingPath) {
  auto hits = run("how much storage is included in the pro plan");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, "plans/pro.md");
  EXPECT_EQ(hits[0].heading_path.substr(0, 8), "Pro plan");
  EXPECT_LE(hits[0].first_line, 5);
  EXPECT_GE(hits[0].last_line, 5);
  EXPECT_NE(hits[0].text.find("250 GB"), std::string::npos);
  EXPECT_TRUE(has_tag(hits[0], "product", "pro"));
  auto stemmed = run("declining cards");
  ASSERT_FALSE(stemmed.empty());
  EXPECT_EQ(stemmed[0].path, "errors/billing.md");
}

TEST_F(SearchTest, ErrorCodeInTheQuestionFindsItsSection) {
  auto hits = run("what does e405 mean");
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0].text.find("E405"), std::string::npos);
}

TEST_F(SearchTest, FiltersApplyBeforeRankingAndTopKIsKMatchingChunks) {
  auto hits = run("storage", {"product=starter"}, 1);
  ASSERT_EQ(hits.size(), 1u);  // the best unfiltered hit is Pro; still one hit
  EXPECT_TRUE(has_tag(hits[0], "product", "starter") || has_tag(hits[0], "product", "all"));
  for (const auto& h : run("storage", {"product=starter"}))
    EXPECT_TRUE(has_tag(h, "product", "starter") || has_tag(h, "product", "all")) << h.path;
  auto both = run("storage", {"product=starter", "product=PRO"});
  EXPECT_EQ(both.size(), 3u);  // starter, pro and the page for all plans
  auto dated = run("storage", {"updated_after=2025-06-01"});
  for (const auto& h : dated) EXPECT_NE(h.path, "plans/starter.md");  // strictly after
  auto since = run("storage", {"updated_since=2025-06-01", "updated_before=2026-01-01"});
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0].path, "plans/starter.md");
  EXPECT_TRUE(run("storage", {"category=billing", "product=enterprise"}).empty() ||
              run("storage", {"category=billing", "product=enterprise"})[0].path == "howto/invite.md");
  auto by_code = run("invoice", {"code=e405"});
  ASSERT_FALSE(by_code.empty());
  for (const auto& h : by_code) EXPECT_TRUE(has_tag(h, "code", "E405"));
}

TEST_F(SearchTest, RandomFiltersNeverLetAChunkOutside) {
  std::mt19937 rng(7);
  const std::vector<std::string> choices = {"product=pro",
                                            "product=starter",
                                            "category=billing",
                                            "updated_after=2025-12-31",
                                            "updated_until=2025-06-01",
                                            "code=E402",
                                            "visibility=public"};
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> specs;
    for (const auto& c : choices)
      if (rng() % 3 == 0) specs.push_back(c);
    auto filters = parse_filters(specs);
    ASSERT_TRUE(filters.ok());
    for (const auto& h : run("storage plan card invoice members", specs)) {
      for (const auto& f : *filters) {
        bool ok = false;
        for (const auto& t : h.tags) {
          if (t.key != f.key) continue;
          bool in_values =
              f.values.empty() || std::find(f.values.begin(), f.values.end(), t.value) != f.values.end();
          bool above = f.min.empty() || (f.strict ? t.value > f.min : t.value >= f.min);
          bool below = f.max.empty() || (f.strict ? t.value < f.max : t.value <= f.max);
          ok = ok || (in_values && above && below);
        }
        EXPECT_TRUE(ok) << h.path << " escapes filter on " << f.key;
      }
    }
  }
}

TEST(ProductBoost, AQuestionNamingAPlanPrefersThatPlansPage) {
  TempDir dir;
  // Same text, titles that name no plan: only the product tag differs.
  const std::map<std::string, std::string> page_of = {
      {"pro", "p1.md"}, {"starter", "p2.md"}, {"enterprise", "p3.md"}};
  for (const auto& [plan, page] : page_of)
    dir.write("docs/" + page, "---\nproduct: " + plan + "\n---\nThe storage limit is set per workspace.\n");
  auto store = kb::Store::open(dir / "kb.db");
  ASSERT_TRUE(store.ok());
  ingest::IngestOptions options;
  options.config.products = {"Starter", "Pro", "Enterprise"};
  ASSERT_TRUE(ingest::ingest_folder(**store, dir / "docs", options).ok());
  for (const std::string plan : {"starter", "pro", "enterprise"}) {
    auto hits = search(**store, "What is the storage limit on " + plan + "?", {});
    ASSERT_EQ(hits->size(), 3u);
    EXPECT_EQ(hits->at(0).path, page_of.at(plan));
  }
  SearchOptions no_boost;
  no_boost.weights.product_boost = 0;
  auto plain = search(**store, "What is the storage limit on starter?", no_boost);
  EXPECT_DOUBLE_EQ(plain->at(0).score, plain->at(2).score);  // the same text scores the same
}

TEST(Filters, BadFiltersNameTheFilter) {
  for (const char* bad :
       {"product", "=pro", "product=", "updated_after=yesterday", "updated_before=2026-13-01", "product=,"}) {
    auto parsed = parse_filters({bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.message().find(bad), std::string::npos) << parsed.message();
  }
}

TEST(Query, TermsAreDistinctStemmedWordsWithoutStopWords) {
  EXPECT_EQ(query_terms("Refunds\" OR * NEAR(x) AND -refunding ^E402:1"),
            (std::vector<std::string>{"refund", "near", "x", "e402", "1"}));
  EXPECT_TRUE(query_terms("").empty());
  EXPECT_TRUE(query_terms("what is the").empty());
  std::string huge;
  for (int i = 0; i < 10000; ++i) huge += "w" + std::to_string(i) + " ";
  EXPECT_EQ(query_terms(huge).size(), 64u);
}

TEST_F(SearchTest, RarerTermsAndBoostedFieldsRankHigher) {
  // "declined" is in one chunk, "storage" in three: the rare word decides.
  auto hits = run("storage declined");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, "errors/billing.md");
  // A heading naming the section beats a passing mention in the text.
  auto invite = run("invite");
  ASSERT_FALSE(invite.empty());
  EXPECT_EQ(invite[0].path, "howto/invite.md");
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].score, hits[i].score);
}

TEST_F(SearchTest, QuestionsWithoutWordsOrMatchesGiveNoHits) {
  EXPECT_TRUE(run("").empty());
  EXPECT_TRUE(run("?!? ...").empty());
  EXPECT_TRUE(run("zebra xylophone").empty());
  SearchOptions zero;
  zero.k = 0;
  EXPECT_FALSE(search(*store_, "storage", zero).ok());
}

}  // namespace
}  // namespace groundline::retrieve
