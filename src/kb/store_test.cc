#include "kb/store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace groundline::kb {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gl_store_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = Store::open((dir_ / "kb.db").string());
    ASSERT_TRUE(store.ok()) << store.message();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  static DocumentVersion doc(const std::string& path, const std::string& hash,
                             std::vector<std::string> lines, std::vector<Tag> tags = {}) {
    DocumentVersion d;
    d.path = path;
    d.kind = "markdown";
    d.content_hash = hash;
    d.title = path;
    d.lines = std::move(lines);
    d.tags = std::move(tags);
    return d;
  }

  static Chunk chunk(int first, int last, std::string text, std::vector<Tag> tags = {},
                     std::vector<std::string> codes = {}) {
    Chunk c;
    c.first_line = first;
    c.last_line = last;
    c.text = std::move(text);
    c.tags = std::move(tags);
    c.codes = std::move(codes);
    return c;
  }

  int save(const DocumentVersion& d, const std::vector<Chunk>& chunks) {
    EXPECT_TRUE(store_->begin_batch().ok());
    auto version = store_->save_document(d, chunks, "cfg");
    EXPECT_TRUE(version.ok()) << version.message();
    EXPECT_TRUE(store_->commit_batch().ok());
    return version.ok() ? *version : -1;
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, NewDocumentIsVersionOneAndKeepsItsLines) {
  EXPECT_EQ(save(doc("a.md", "h1", {"# Title", "", "Refunds take 5 days."}),
                 {chunk(1, 3, "Title Refunds take 5 days.")}),
            1);
  auto record = store_->document("a.md");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->chunk_count, 1);
  auto text = store_->version_text(record->id);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->lines, (std::vector<std::string>{"# Title", "", "Refunds take 5 days."}));
}

TEST_F(StoreTest, ChangedContentMakesANewVersionAndOldLinesStillResolve) {
  save(doc("a.md", "h1", {"old line"}), {chunk(1, 1, "old line")});
  EXPECT_EQ(save(doc("a.md", "h2", {"new line", "second"}), {chunk(1, 2, "new line second")}), 2);
  auto record = store_->document("a.md");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->version_count, 2);
  EXPECT_EQ(store_->version_text(record->id, 1)->lines, std::vector<std::string>{"old line"});
  EXPECT_EQ(store_->version_text(record->id, 2)->lines.size(), 2u);
  // Only the current version is searchable.
  EXPECT_TRUE(store_->match("\"old\"", {}, 10)->empty());
  EXPECT_EQ(store_->match("\"second\"", {}, 10)->size(), 1u);
}

TEST_F(StoreTest, SameContentKeepsVersionAndReplacesChunks) {
  save(doc("a.md", "h1", {"alpha beta"}), {chunk(1, 1, "alpha"), chunk(1, 1, "beta")});
  EXPECT_EQ(save(doc("a.md", "h1", {"alpha beta"}), {chunk(1, 1, "alpha beta")}), 1);
  EXPECT_EQ(store_->document("a.md")->chunk_count, 1);
  EXPECT_EQ(store_->match("\"alpha\"", {}, 10)->size(), 1u);
}

TEST_F(StoreTest, DeletedDocumentLeavesTheIndexButKeepsItsVersions) {
  save(doc("a.md", "h1", {"gamma"}), {chunk(1, 1, "gamma")});
  auto id = store_->document("a.md")->id;
  ASSERT_TRUE(store_->begin_batch().ok());
  ASSERT_TRUE(store_->mark_deleted(id).ok());
  ASSERT_TRUE(store_->commit_batch().ok());
  EXPECT_TRUE(store_->match("\"gamma\"", {}, 10)->empty());
  EXPECT_TRUE(store_->document("a.md")->deleted);
  EXPECT_TRUE(store_->version_text(id, 1).ok());
}

TEST_F(StoreTest, RolledBackBatchLeavesNoTrace) {
  ASSERT_TRUE(store_->begin_batch().ok());
  ASSERT_TRUE(store_->save_document(doc("a.md", "h1", {"delta"}), {chunk(1, 1, "delta")}, "c").ok());
  store_->rollback_batch();
  EXPECT_FALSE(store_->document("a.md").ok());
  EXPECT_TRUE(store_->match("\"delta\"", {}, 10)->empty());
}

TEST_F(StoreTest, MatchStemsAndRanksAndFiltersBeforeRanking) {
  save(doc("pro.md", "h1", {"x"}),
       {chunk(1, 1, "Refunds on Pro are refunded within 5 days refund refund", {{"product", "pro"}})});
  save(doc("ent.md", "h2", {"x"}),
       {chunk(1, 1, "Enterprise refund policy", {{"product", "enterprise"}})});
  auto all = store_->match("\"refunding\"", {}, 10);
  ASSERT_TRUE(all.ok()) << all.message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_GT((*all)[0].score, 0);
  // With a filter, the best overall chunk is excluded and k=1 still returns one match.
  auto filtered = store_->match("\"refund\"", {{"product", {"enterprise"}, "", "", false}}, 1);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->size(), 1u);
  auto records = store_->chunks({(*filtered)[0].chunk_id});
  EXPECT_EQ((*records)[0].path, "ent.md");
  EXPECT_EQ((*records)[0].chunk.tags, (std::vector<Tag>{{"product", "enterprise"}}));
}

TEST_F(StoreTest, RangeFiltersCompareDates) {
  save(doc("old.md", "h1", {"x"}), {chunk(1, 1, "sync", {{"updated", "2024-05-01"}})});
  save(doc("new.md", "h2", {"x"}), {chunk(1, 1, "sync", {{"updated", "2026-01-10"}})});
  auto after = store_->match("\"sync\"", {{"updated", {}, "2025-01-01", "", true}}, 10);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(store_->chunks({(*after)[0].chunk_id})->at(0).path, "new.md");
}

TEST_F(StoreTest, CodesColumnBoostsExactErrorCodes) {
  save(doc("a.md", "h1", {"x"}), {chunk(1, 1, "error E402 mentioned in passing with more words", {}, {})});
  save(doc("b.md", "h2", {"x"}), {chunk(1, 1, "E402 card declined with more words here", {}, {"E402"})});
  auto hits = store_->match("\"E402\"", {}, 10);
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ(store_->chunks({(*hits)[0].chunk_id})->at(0).path, "b.md");
}

TEST_F(StoreTest, OpeningAForeignFileFailsClearly) {
  auto path = (dir_ / "not_kb.db").string();
  {
    auto conn = Connection::open(path, false);
    ASSERT_TRUE(conn->exec("CREATE TABLE x(y)").ok());
  }
  auto store = Store::open(path, true);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.message().find("not a groundline knowledge base"), std::string::npos);
}

TEST_F(StoreTest, OpeningGarbageFailsWithoutCrashing) {
  auto path = (dir_ / "garbage.db").string();
  FILE* f = fopen(path.c_str(), "wb");
  fputs("this is not a database at all, just some text that is long enough to look like a header", f);
  fclose(f);
  EXPECT_FALSE(Store::open(path).ok());
}

}  // namespace
}  // namespace groundline::kb
