#include "ingest/ingest.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "tests/test_files.h"

namespace groundline::ingest {
namespace {

using testing::TempDir;

std::unique_ptr<kb::Store> open_store(const std::string& path) {
  auto store = kb::Store::open(path);
  EXPECT_TRUE(store.ok()) << store.message();
  return std::move(store).value();
}

IngestReport ingest(kb::Store& store, const std::string& folder, IngestOptions options = {}) {
  options.threads = 2;
  auto report = ingest_folder(store, folder, options);
  EXPECT_TRUE(report.ok()) << report.message();
  return report.ok() ? *report : IngestReport{};
}

std::string reason_for(const IngestReport& report, const std::string& path) {
  for (const auto& f : report.failures)
    if (f.path == path) return f.reason;
  return "";
}

// path -> (content hash, deleted) of every document: the knowledge base's state.
std::map<std::string, std::pair<std::string, bool>> snapshot(kb::Store& store) {
  std::map<std::string, std::pair<std::string, bool>> state;
  auto docs = store.documents();
  EXPECT_TRUE(docs.ok());
  for (const auto& d : *docs) state[d.path] = {d.content_hash, d.deleted};
  return state;
}

TEST(Ingest, FolderOfEveryKindIsStoredWithLinesChunksAndTags) {
  TempDir dir;
  dir.write("docs/plans/pro.md",
            "---\nproduct: pro\nupdated: 2026-02-01\n---\n# Pro\n\nPro has 250 GB of storage.\n");
  dir.write("docs/roles.html", "<title>Roles</title><h1>Roles</h1><p>Admins invite members.</p>");
  dir.write("docs/notes.txt", "Release notes\n\nVersion 4.2.1 fixed E402.\n");
  dir.write("docs/sla.pdf", testing::make_pdf({"Service level agreement", "Uptime is 99.9%."}));
  dir.write("docs/logo.png", "\x89PNG");
  dir.write("docs/.hidden/secret.md", "# not ingested\n");
  auto store = open_store(dir / "kb.db");
  auto report = ingest(*store, dir / "docs");
  EXPECT_EQ(report.added, 4u);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_TRUE(report.failures.empty());
  auto pro = store->document("plans/pro.md");
  ASSERT_TRUE(pro.ok());
  EXPECT_EQ(pro->kind, "markdown");
  EXPECT_EQ(pro->line_count, 3);
  auto text = store->version_text(pro->id);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->lines[2], "Pro has 250 GB of storage.");
  auto chunks = store->chunks_of(pro->id);
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 1u);
  EXPECT_EQ((*chunks)[0].chunk.heading_path, "Pro");
  EXPECT_FALSE(store->document(".hidden/secret.md").ok());
  EXPECT_TRUE(store->document("sla.pdf").ok());
}

TEST(Ingest, UnchangedFolderDoesNoWorkChangedFileIsANewVersionDeletedIsMarked) {
  TempDir dir;
  dir.write("docs/a.md", "# A\n\nAlpha has 10 seats.\n");
  dir.write("docs/b.md", "# B\n\nBeta text.\n");
  auto store = open_store(dir / "kb.db");
  ingest(*store, dir / "docs");
  auto again = ingest(*store, dir / "docs");
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(again.added + again.updated + again.chunks_written, 0u);
  EXPECT_EQ(again.bytes_read, 0);  // nothing was even read

  dir.write("docs/a.md", "# A\n\nAlpha has 25 seats now.\n");
  std::filesystem::remove(dir / "docs/b.md");
  auto changed = ingest(*store, dir / "docs");
  EXPECT_EQ(changed.updated, 1u);
  EXPECT_EQ(changed.deleted, 1u);
  auto a = store->document("a.md");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->current_version, 2);
  auto old_text = store->version_text(a->id, 1);
  ASSERT_TRUE(old_text.ok());  // old citations still resolve
  EXPECT_EQ(old_text->lines[2], "Alpha has 10 seats.");
  EXPECT_EQ(store->version_text(a->id)->lines[2], "Alpha has 25 seats now.");
  auto b = store->document("b.md");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->deleted);
  EXPECT_EQ(b->chunk_count, 0);

  dir.write("docs/b.md", "# B\n\nBeta text.\n");  // back again
  auto restored = ingest(*store, dir / "docs");
  EXPECT_FALSE(store->document("b.md")->deleted);
  EXPECT_EQ(restored.unchanged, 1u);
}

TEST(Ingest, TouchedButUnchangedFileIsHashedNotRechunked) {
  TempDir dir;
  auto path = dir.write("docs/a.md", "# A\n\ntext\n");
  auto store = open_store(dir / "kb.db");
  ingest(*store, dir / "docs");
  std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) + std::chrono::hours(1));
  auto report = ingest(*store, dir / "docs");
  EXPECT_EQ(report.unchanged, 1u);
  EXPECT_EQ(report.chunks_written, 0);
  EXPECT_EQ(store->document("a.md")->current_version, 1);
}

TEST(Ingest, NewChunkSettingsRechunkTheSameVersion) {
  TempDir dir;
  std::string body = "# A\n\n";
  for (int i = 0; i < 100; ++i) body += "Sentence number " + std::to_string(i) + " is here.\n";
  dir.write("docs/a.md", body);
  auto store = open_store(dir / "kb.db");
  ingest(*store, dir / "docs");
  int before = store->document("a.md")->chunk_count;
  IngestOptions small;
  small.config.chunking = {60, 10};
  auto report = ingest(*store, dir / "docs", small);
  EXPECT_EQ(report.rechunked, 1u);
  EXPECT_GT(store->document("a.md")->chunk_count, before);
  EXPECT_EQ(store->document("a.md")->current_version, 1);
}

TEST(Ingest, EveryBadFileIsReportedAndTheRestIsStored) {
  TempDir dir;
  dir.write("docs/good.md", "# Good\n\nThis one is fine.\n");
  dir.write("docs/empty.md", "");
  dir.write("docs/blank.txt", "  \n\n\t\n");
  dir.write("docs/binary.md", std::string("abc\0def", 7));
  dir.write("docs/latin1.txt", "caf\xE9 au lait\n");
  dir.write("docs/front.md", "---\ntitle: [unclosed\n---\nbody\n");
  dir.write("docs/date.md", "---\nupdated: someday\n---\nbody\n");
  dir.write("docs/huge.md", std::string(3 << 20, 'a'));
  dir.write("docs/fake.pdf", "%PDF-1.4 not really");
  auto locked = dir.write("docs/locked.md", "# Locked\n");
  std::filesystem::permissions(locked, std::filesystem::perms::none);
  auto store = open_store(dir / "kb.db");
  IngestOptions options;
  options.config.max_file_bytes = 2 << 20;
  auto report = ingest(*store, dir / "docs", options);
  EXPECT_EQ(report.added, geteuid() == 0 ? 2u : 1u);
  EXPECT_EQ(report.failures.size(), geteuid() == 0 ? 8u : 9u);
  EXPECT_EQ(reason_for(report, "empty.md"), "empty file");
  EXPECT_NE(reason_for(report, "blank.txt").find("no text"), std::string::npos);
  EXPECT_NE(reason_for(report, "binary.md").find("binary"), std::string::npos);
  EXPECT_NE(reason_for(report, "latin1.txt").find("invalid UTF-8 at line 1, column 4"), std::string::npos)
      << reason_for(report, "latin1.txt");
  EXPECT_NE(reason_for(report, "front.md").find("malformed front matter at line"), std::string::npos);
  EXPECT_NE(reason_for(report, "date.md").find("'updated'"), std::string::npos);
  EXPECT_NE(reason_for(report, "huge.md").find("over the limit"), std::string::npos);
  EXPECT_NE(reason_for(report, "fake.pdf").find("PDF"), std::string::npos);
  if (geteuid() != 0) {  // root reads any file
    EXPECT_NE(reason_for(report, "locked.md").find("cannot read"), std::string::npos);
  }
}

TEST(Ingest, AFileThatTurnsBadKeepsWhatWasStored) {
  TempDir dir;
  dir.write("docs/a.md", "# A\n\nGood text.\n");
  auto store = open_store(dir / "kb.db");
  ingest(*store, dir / "docs");
  dir.write("docs/a.md", "---\nbroken: [\n---\n# A\n");
  auto report = ingest(*store, dir / "docs");
  EXPECT_EQ(report.failures.size(), 1u);
  auto a = store->document("a.md");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->deleted);
  EXPECT_EQ(a->chunk_count, 1);
  EXPECT_EQ(store->version_text(a->id)->lines[2], "Good text.");
}

TEST(Ingest, MissingFolderAndBadSettingsFailClearly) {
  TempDir dir;
  auto store = open_store(dir / "kb.db");
  auto missing = ingest_folder(*store, dir / "nope", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no such file"), std::string::npos);
  IngestOptions bad;
  bad.config.chunking = {100, 100};
  EXPECT_FALSE(ingest_folder(*store, dir.path().string(), bad).ok());
}

TEST(Ingest, CancelledBatchLeavesTheKnowledgeBaseAsBefore) {
  TempDir dir;
  dir.write("docs/a.md", "# A\n\nfirst\n");
  auto store = open_store(dir / "kb.db");
  ingest(*store, dir / "docs");
  auto before = snapshot(*store);
  for (int i = 0; i < 50; ++i) dir.write("docs/n" + std::to_string(i) + ".md", "# N\n\nnew text\n");
  dir.write("docs/a.md", "# A\n\nchanged\n");
  std::atomic<bool> cancel{true};
  IngestOptions options;
  options.cancel = &cancel;
  auto report = ingest(*store, dir / "docs", options);
  EXPECT_TRUE(report.cancelled);
  EXPECT_EQ(snapshot(*store), before);
}

// Writes `files` documents of some size under `folder`; `tag` makes their
// content differ from one generation to the next.
void write_corpus(const TempDir& dir, const std::string& folder, int files, const std::string& tag) {
  for (int f = 0; f < files; ++f) {
    std::string body = "# Page " + std::to_string(f) + " " + tag + "\n\n";
    for (int p = 0; p < 200; ++p)
      body += "Paragraph " + std::to_string(p) + " of " + tag + " tells how storage and seats work.\n\n";
    dir.write(folder + "/p" + std::to_string(f) + ".md", body);
  }
}

TEST(Ingest, KilledIngestLeavesOneOfTheTwoStates) {
  TempDir dir;
  write_corpus(dir, "docs", 40, "before");
  std::string db = dir / "kb.db";
  {
    auto store = open_store(db);
    ingest(*store, dir / "docs");
  }
  std::map<std::string, std::pair<std::string, bool>> before, after;
  {
    auto store = open_store(db);
    before = snapshot(*store);
  }
  // The target state, computed on a copy.
  write_corpus(dir, "docs", 60, "after");
  {
    std::filesystem::copy_file(db, dir / "copy.db");
    auto store = open_store(dir / "copy.db");
    ingest(*store, dir / "docs");
    after = snapshot(*store);
  }
  ASSERT_NE(before, after);
  int saw_before = 0, saw_after = 0;
  for (int delay_ms : {5, 20, 60, 150, 400}) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto store = kb::Store::open(db);
      if (!store.ok()) _exit(2);
      IngestOptions options;
      options.threads = 1;
      auto report = ingest_folder(**store, dir / "docs", options);
      _exit(report.ok() ? 0 : 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    auto store = kb::Store::open(db);
    ASSERT_TRUE(store.ok()) << store.message();
    auto check = (*store)->connection().prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(check->step());
    EXPECT_EQ(check->column_text(0), "ok");
    auto state = snapshot(**store);
    EXPECT_TRUE(state == before || state == after) << "killed after " << delay_ms << " ms";
    if (state == before) ++saw_before;
    if (state == after) {
      ++saw_after;
      break;  // from here on every run is a no-op
    }
  }
  EXPECT_GT(saw_before, 0) << "no kill landed inside the batch; the corpus is too small";
}

}  // namespace
TEST(Ingest, KilledFirstIngestLeavesNoKnowledgeBaseOrACompleteOne) {
  TempDir dir;
  write_corpus(dir, "docs", 60, "first");
  std::string db = dir / "kb.db";
  std::map<std::string, std::pair<std::string, bool>> complete;
  {
    auto store = kb::Store::create(dir / "reference.db");
    ASSERT_TRUE(store.ok());
    ingest(**store, dir / "docs");
    complete = snapshot(**store);
  }
  int saw_none = 0;
  for (int delay_ms : {5, 20, 60, 150, 400, 2000}) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto store = kb::Store::open_or_create(db);
      if (!store.ok()) _exit(2);
      IngestOptions options;
      options.threads = 1;
      auto report = ingest_folder(**store, dir / "docs", options);
      _exit(report.ok() && (*store)->publish().ok() ? 0 : 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    if (!std::filesystem::exists(db)) {
      ++saw_none;
      continue;
    }
    auto store = kb::Store::open(db, true);
    ASSERT_TRUE(store.ok()) << store.message();
    EXPECT_EQ(snapshot(**store), complete) << "killed after " << delay_ms << " ms";
    break;
  }
  EXPECT_GT(saw_none, 0) << "no kill landed inside the first ingest; the corpus is too small";
  // What the killed builders left is cleared by the next ingest.
  auto store = kb::Store::open_or_create(db);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->publish().ok());
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".building-"), std::string::npos) << entry.path();
}

}  // namespace groundline::ingest
