#include "kb/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "core/words.h"

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

  static DocumentVersion doc(const std::string& path, const std::string& hash, std::vector<std::string> lines,
                             std::vector<Tag> tags = {}) {
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

  // Chunk ids whose postings hold the term of `word`.
  std::vector<int64_t> ids_with(std::string_view word) {
    auto list = store_->postings(core::index_term(word));
    EXPECT_TRUE(list.ok()) << list.message();
    std::vector<int64_t> ids;
    for (const auto& p : *list) ids.push_back(p.chunk_id);
    return ids;
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
  auto versions = store_->versions(record->id);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ(versions->at(0).content_hash, "h1");
  EXPECT_EQ(versions->at(1).line_count, 2);
  EXPECT_EQ(versions->at(1).ingested_at.size(), 20u);  // 2026-11-27T07:30:00Z
  // Only the current version is searchable.
  EXPECT_TRUE(ids_with("old").empty());
  EXPECT_EQ(ids_with("second").size(), 1u);
}

TEST_F(StoreTest, SameContentKeepsVersionAndReplacesChunks) {
  save(doc("a.md", "h1", {"alpha beta"}), {chunk(1, 1, "alpha"), chunk(1, 1, "beta")});
  EXPECT_EQ(save(doc("a.md", "h1", {"alpha beta"}), {chunk(1, 1, "alpha beta")}), 1);
  EXPECT_EQ(store_->document("a.md")->chunk_count, 1);
  EXPECT_EQ(ids_with("alpha").size(), 1u);
  EXPECT_EQ(store_->lexical_stats()->chunks, 1);
}

TEST_F(StoreTest, DeletedDocumentLeavesTheIndexButKeepsItsVersions) {
  save(doc("a.md", "h1", {"gamma"}), {chunk(1, 1, "gamma")});
  auto id = store_->document("a.md")->id;
  ASSERT_TRUE(store_->begin_batch().ok());
  ASSERT_TRUE(store_->mark_deleted(id).ok());
  ASSERT_TRUE(store_->commit_batch().ok());
  EXPECT_TRUE(ids_with("gamma").empty());
  EXPECT_EQ(store_->lexical_stats()->chunks, 0);
  EXPECT_TRUE(store_->document("a.md")->deleted);
  EXPECT_TRUE(store_->version_text(id, 1).ok());
}

TEST_F(StoreTest, RolledBackBatchLeavesNoTrace) {
  ASSERT_TRUE(store_->begin_batch().ok());
  ASSERT_TRUE(store_->save_document(doc("a.md", "h1", {"delta"}), {chunk(1, 1, "delta")}, "c").ok());
  store_->rollback_batch();
  EXPECT_FALSE(store_->document("a.md").ok());
  EXPECT_TRUE(ids_with("delta").empty());
  EXPECT_EQ(store_->lexical_stats()->chunks, 0);
}

TEST_F(StoreTest, PostingsHoldStemmedTermsWithFieldCountsAndLengths) {
  save(doc("pro.md", "h1", {"x"}), {chunk(1, 1, "Refunds on Pro are refunded within 5 days, refund refund")});
  Chunk headed = chunk(1, 1, "Enterprise policy", {}, {"E402"});
  headed.headings = "Refund policy";
  save(doc("ent.md", "h2", {"x"}), {headed});
  auto list = store_->postings(core::index_term("refunding"));
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_LT((*list)[0].chunk_id, (*list)[1].chunk_id);
  EXPECT_EQ((*list)[0].tf[kTextField], 4u);
  EXPECT_EQ((*list)[0].lengths[kTextField], 8u);  // stop words ("on", "are") are not counted
  EXPECT_EQ((*list)[1].tf[kHeadingsField], 1u);
  auto code = store_->postings("e402");
  ASSERT_EQ(code->size(), 1u);
  EXPECT_EQ(code->at(0).tf[kCodesField], 1u);
  auto stats = store_->lexical_stats();
  EXPECT_EQ(stats->chunks, 2);
  EXPECT_EQ(stats->total_length[kTextField], 8 + 2);
}

TEST_F(StoreTest, FiltersSelectChunksByValueAndByRange) {
  save(doc("old.md", "h1", {"x"}), {chunk(1, 1, "sync", {{"updated", "2024-05-01"}, {"product", "pro"}})});
  save(doc("new.md", "h2", {"x"}),
       {chunk(1, 1, "sync", {{"updated", "2026-01-10"}, {"product", "enterprise"}})});
  auto path_of = [&](int64_t id) { return store_->chunks({id})->at(0).path; };
  auto after = store_->filtered_chunks({"updated", {}, "2025-01-01", "", true});
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(path_of(after->at(0)), "new.md");
  auto until = store_->filtered_chunks({"updated", {}, "", "2024-05-01", false});
  ASSERT_EQ(until->size(), 1u);
  EXPECT_EQ(path_of(until->at(0)), "old.md");
  EXPECT_TRUE(store_->filtered_chunks({"updated", {}, "", "2024-05-01", true})->empty());
  EXPECT_EQ(store_->filtered_chunks({"product", {"pro", "enterprise"}, "", "", false})->size(), 2u);
  EXPECT_TRUE(store_->filtered_chunks({"product", {"starter"}, "", "", false})->empty());
  EXPECT_TRUE(store_->filtered_chunks({"nokey", {"x"}, "", "", false})->empty());
}

// Random saves, re-saves and deletions across batches (some rolled back):
// the stored lists always equal those recomputed from the current chunks.
TEST_F(StoreTest, IndexStaysEqualToItsChunksThroughRandomChanges) {
  std::mt19937 rng(11);
  const std::vector<std::string> words = {"seat", "plan", "refund", "sync", "token", "quota", "E402"};
  auto random_text = [&] {
    std::string t;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i) t += words[rng() % words.size()] + " ";
    return t;
  };
  for (int round = 0; round < 60; ++round) {
    ASSERT_TRUE(store_->begin_batch().ok());
    for (int op = 0; op < 3; ++op) {
      std::string path = "d" + std::to_string(rng() % 6) + ".md";
      if (rng() % 4 == 0) {
        if (auto d = store_->document(path); d.ok()) {
          ASSERT_TRUE(store_->mark_deleted(d->id).ok());
        }
        continue;
      }
      std::vector<Chunk> chunks;
      for (int c = 0, n = static_cast<int>(rng() % 4); c < n; ++c)
        chunks.push_back(chunk(1, 1, random_text(), {{"product", rng() % 2 ? "pro" : "starter"}}));
      auto d =
          doc(path, std::to_string(rng() % 3), {"x"}, {{"visibility", rng() % 2 ? "public" : "internal"}});
      ASSERT_TRUE(store_->save_document(d, chunks, "c").ok());
    }
    if (rng() % 5 == 0) {
      store_->rollback_batch();
    } else {
      ASSERT_TRUE(store_->commit_batch().ok());
    }
  }
  std::map<std::string, std::vector<int64_t>> expected_terms, expected_tags;
  int64_t chunks = 0;
  auto documents = store_->documents();
  ASSERT_TRUE(documents.ok());
  for (const auto& d : *documents) {
    auto records = store_->chunks_of(d.id);
    ASSERT_TRUE(records.ok());
    for (const auto& r : *records) {
      ++chunks;
      for (const auto& t : terms_of(r.chunk).terms) expected_terms[t.term].push_back(r.id);
      for (const auto& t : r.chunk.tags) expected_tags[t.value].push_back(r.id);
    }
  }
  for (auto* lists : {&expected_terms, &expected_tags})
    for (auto& [key, ids] : *lists) std::sort(ids.begin(), ids.end());
  for (const auto& w : words) {
    auto term = core::index_term(w);
    std::vector<int64_t> got = ids_with(w);
    EXPECT_EQ(got, expected_terms[term]) << w;
  }
  for (const std::string product : {"pro", "starter"})
    EXPECT_EQ(*store_->filtered_chunks({"product", {product}, "", "", false}), expected_tags[product]);
  for (const std::string visibility : {"public", "internal"})
    EXPECT_EQ(*store_->filtered_chunks({"visibility", {visibility}, "", "", false}),
              expected_tags[visibility]);
  EXPECT_EQ(store_->lexical_stats()->chunks, chunks);
}

// Each term's postings in a document, decoded: term -> list.
std::map<std::string, std::vector<Posting>> decoded(const DocumentTerms& terms,
                                                    const TermDictionary& dictionary) {
  std::map<std::string, std::vector<Posting>> out;
  for (const auto& segment : terms.segments) {
    PostingListBuilder list;
    list.append(segment, terms.bytes, 1);
    out[dictionary.term(segment.term)] = *decode_postings(list.blob());
  }
  return out;
}

// Chunks cut from a text at random places, some inside words, some that
// are not its slices at all: counting from the document's words must give
// exactly what counting each chunk alone gives.
TEST(LexicalInvert, DocumentWordsGiveTheSameListsAsEachChunkAlone) {
  std::mt19937 rng(4);
  const std::vector<std::string> pieces = {"refund ", "the ", "plan", "s ",           "4.2",    ".1 ",
                                           "E402 ",   ", ",   "\n",   "caf\xC3\xA9 ", "seats. "};
  for (int round = 0; round < 300; ++round) {
    std::string text;
    for (int n = 5 + static_cast<int>(rng() % 60); n > 0; --n) text += pieces[rng() % pieces.size()];
    std::vector<Chunk> chunks;
    for (int c = static_cast<int>(rng() % 6); c >= 0; --c) {
      size_t a = rng() % (text.size() + 1), b = rng() % (text.size() + 1);
      Chunk chunk;
      chunk.text_begin = std::min(a, b);
      chunk.text_end = std::max(a, b);
      chunk.text = text.substr(chunk.text_begin, chunk.text_end - chunk.text_begin);
      if (rng() % 5 == 0) chunk.text += " extra words";  // not the slice its offsets name
      chunk.headings = "Refund plans";
      chunks.push_back(chunk);
    }
    TermDictionary dictionary;
    auto with_text = invert(chunks, dictionary, text);
    auto alone = invert(chunks, dictionary);
    ASSERT_EQ(with_text.lengths, alone.lengths) << text;
    auto a = decoded(with_text, dictionary), b = decoded(alone, dictionary);
    ASSERT_EQ(a.size(), b.size()) << text;
    for (const auto& [term, list] : a) {
      ASSERT_EQ(list.size(), b[term].size()) << term;
      for (size_t i = 0; i < list.size(); ++i) {
        EXPECT_EQ(list[i].chunk_id, b[term][i].chunk_id) << term;
        EXPECT_EQ(list[i].tf, b[term][i].tf) << term;
        EXPECT_EQ(list[i].lengths, b[term][i].lengths) << term;
      }
    }
  }
}

TEST(LexicalTerms, EveryWordFormKeepsItsTermAsTheFormTableGrows) {
  // Far more forms than the table starts with, of every length around
  // the 16 bytes kept in a slot, each met twice: once new, once known.
  std::vector<std::string> words;
  for (int i = 0; i < 20000; ++i) {
    std::string word = "w" + std::to_string(i) + "x";
    words.push_back(word + std::string(static_cast<size_t>(i % 20), 'q'));
  }
  words.push_back("abcdefghijklmnop");   // 16 bytes
  words.push_back("abcdefghijklmnopq");  // 17
  words.push_back("Running");
  words.push_back("the");
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& word : words) {
      Chunk chunk;
      chunk.text = word;
      auto terms = terms_of(chunk);
      std::string expected = core::index_term(word);
      if (expected.empty()) {
        EXPECT_TRUE(terms.terms.empty()) << word;
      } else {
        ASSERT_EQ(terms.terms.size(), 1u) << word;
        EXPECT_EQ(terms.terms[0].term, expected) << word;
      }
    }
  }
}

TEST(LexicalBlobs, RoundTripAndRejectCorruptBytes) {
  std::vector<Posting> postings = {{3, {1, 0, 0}, {10, 0, 0}}, {70000, {2, 1, 1}, {300, 5, 0}}};
  auto decoded = decode_postings(encode_postings(postings));
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ((*decoded)[1].chunk_id, 70000);
  EXPECT_EQ((*decoded)[1].lengths[kTextField], 300u);
  std::string blob = encode_postings(postings);
  EXPECT_FALSE(decode_postings(blob.substr(0, blob.size() - 1)).ok());
  EXPECT_FALSE(decode_postings(blob + "x").ok());
  EXPECT_FALSE(decode_postings(std::string(20, '\xff')).ok());
  EXPECT_TRUE(decode_postings(encode_postings({}))->empty());
  auto ids = decode_ids(encode_ids({1, 5, 1000000}));
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int64_t>{1, 5, 1000000}));
  EXPECT_FALSE(decode_ids("\x05\x01").ok());
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

// A chunk whose text is the slice of its version's lines that its offsets
// name is stored once, in the version; any other text is stored as it is.
// Offsets that point past the lines (a damaged file) give an error.
TEST_F(StoreTest, ChunkTextIsKeptOnceWhenItIsASliceOfTheLines) {
  auto d = doc("a.md", "h1", {"# Refunds", "", "Annual plans are refunded within 30 days."});
  Chunk slice = chunk(1, 3, "Refunds\n\nAnnual plans");
  slice.text_begin = 2;
  slice.text_end = slice.text_begin + slice.text.size();
  Chunk own = chunk(3, 3, "a text of its own");
  own.text_begin = 0;
  own.text_end = 5;
  save(d, {slice, own});
  auto id = store_->document("a.md")->id;
  auto records = store_->chunks_of(id);
  ASSERT_TRUE(records.ok()) << records.message();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].chunk.text, "Refunds\n\nAnnual plans");
  EXPECT_EQ((*records)[1].chunk.text, "a text of its own");
  auto stored = store_->connection().prepare("SELECT text IS NULL FROM chunks ORDER BY id");
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->step());
  EXPECT_EQ(stored->column_int(0), 1);
  ASSERT_TRUE(stored->step());
  EXPECT_EQ(stored->column_int(0), 0);
  EXPECT_EQ(ids_with("annual").size(), 1u);

  ASSERT_TRUE(store_->connection().exec("UPDATE chunks SET text_end = 100000 WHERE text IS NULL").ok());
  auto damaged = store_->chunks_of(id);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.message().find("shorter than the range"), std::string::npos) << damaged.message();
}

TEST_F(StoreTest, AnOlderSchemaIsRefusedWithAHintToIngestAgain) {
  auto path = (dir_ / "old.db").string();
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->set_meta("schema_version", "2").ok());
  }
  auto store = Store::open(path, true);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.message().find("schema version 2 is not supported"), std::string::npos) << store.message();
  EXPECT_NE(store.message().find("ingest the documents again"), std::string::npos);
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

namespace groundline::kb {
namespace {

// A created knowledge base: built beside its path, nothing at the path
// until publish(), then an ordinary WAL-mode file there.
class CreatedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gl_created_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "kb.db").string(); }
  size_t files_in_folder() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  bool building_files_left() const {
    for (const auto& entry : fs::directory_iterator(dir_))
      if (entry.path().filename().string().find(".building-") != std::string::npos) return true;
    return false;
  }
  static void save_one(Store& store, const std::string& name) {
    DocumentVersion d;
    d.path = name;
    d.kind = "markdown";
    d.content_hash = "h-" + name;
    d.title = name;
    d.lines = {"# Seats", "Pro plans include 25 seats."};
    Chunk c;
    c.first_line = 1;
    c.last_line = 2;
    c.text = "# Seats\nPro plans include 25 seats.";
    ASSERT_TRUE(store.begin_batch().ok());
    ASSERT_TRUE(store.save_document(d, {c}, "cfg").ok());
    ASSERT_TRUE(store.commit_batch().ok());
  }
  fs::path dir_;
};

TEST_F(CreatedStoreTest, NothingIsAtThePathUntilPublished) {
  auto store = Store::create(path());
  ASSERT_TRUE(store.ok()) << store.message();
  save_one(**store, "a.md");
  EXPECT_FALSE(fs::exists(path()));
  ASSERT_TRUE((*store)->publish().ok());
  EXPECT_TRUE(fs::exists(path()));
  EXPECT_FALSE(building_files_left());
  // The store goes on at its new place: it reads and writes there.
  EXPECT_EQ((*store)->postings("seat")->size(), 1u);
  save_one(**store, "b.md");
  store->reset();
  auto reopened = Store::open(path(), true);
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  EXPECT_EQ((*reopened)->documents()->size(), 2u);
  auto mode = (*reopened)->connection().prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok() && mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
}

TEST_F(CreatedStoreTest, AStoreDroppedBeforePublishingLeavesNoFile) {
  {
    auto store = Store::create(path());
    ASSERT_TRUE(store.ok());
    save_one(**store, "a.md");
  }
  EXPECT_EQ(files_in_folder(), 0u);
}

TEST_F(CreatedStoreTest, ARolledBackBatchLeavesTheBuildUsable) {
  auto store = Store::create(path());
  ASSERT_TRUE(store.ok());
  save_one(**store, "a.md");
  ASSERT_TRUE((*store)->begin_batch().ok());
  (*store)->rollback_batch();
  ASSERT_TRUE((*store)->publish().ok());
  EXPECT_EQ((*store)->documents()->size(), 1u);
}

TEST_F(CreatedStoreTest, AnExistingFileIsNeitherCreatedOverNorReplaced) {
  std::ofstream(path()) << "someone else's";
  EXPECT_FALSE(Store::create(path()).ok());
  fs::remove(path());
  auto store = Store::create(path());
  ASSERT_TRUE(store.ok());
  save_one(**store, "a.md");
  std::ofstream(path()) << "appeared meanwhile";
  auto published = (*store)->publish();
  ASSERT_FALSE(published.ok());
  EXPECT_NE(published.message().find("appeared"), std::string::npos) << published.message();
  std::ifstream in(path());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "appeared meanwhile");
  store->reset();
  EXPECT_EQ(files_in_folder(), 1u) << "the unpublished build is removed";
}

TEST_F(CreatedStoreTest, ABuildLeftByADeadProcessIsRemovedByTheNextOne) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = Store::create(path());
    _exit(store.ok() ? 0 : 1);  // no destructor: the build file stays, as after kill -9
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(path() + ".building-" + std::to_string(child)));
  EXPECT_FALSE(fs::exists(path()));
  auto store = Store::open_or_create(path());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(fs::exists(path() + ".building-" + std::to_string(child)));
  ASSERT_TRUE((*store)->publish().ok());
  EXPECT_FALSE(building_files_left());
}

}  // namespace
}  // namespace groundline::kb
