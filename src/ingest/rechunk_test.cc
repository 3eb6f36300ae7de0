#include "ingest/rechunk.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "tests/test_files.h"

namespace groundline::ingest {
namespace {

using testing::TempDir;

std::unique_ptr<kb::Store> open_store(const std::string& path) {
  auto store = kb::Store::open(path);
  EXPECT_TRUE(store.ok()) << store.message();
  return std::move(store).value();
}

IngestConfig config_of(int size, int overlap) {
  IngestConfig config;
  config.products = {"Pro", "Starter"};
  config.code_categories = {{"E4", "billing"}};
  config.chunking = {size, overlap};
  return config;
}

void ingest_into(kb::Store& store, const std::string& folder, const IngestConfig& config) {
  IngestOptions options;
  options.config = config;
  options.threads = 2;
  auto report = ingest_folder(store, folder, options);
  ASSERT_TRUE(report.ok()) << report.message();
  ASSERT_TRUE(report->failures.empty()) << report->failures[0].path << ": " << report->failures[0].reason;
}

using ChunkKey = std::tuple<int, int, std::string, std::string, std::string, std::vector<std::string>,
                            std::vector<kb::Tag>>;

// path -> every chunk as (lines, text, heading path, headings, codes, tags).
std::map<std::string, std::vector<ChunkKey>> chunks_by_path(kb::Store& store) {
  std::map<std::string, std::vector<ChunkKey>> out;
  auto docs = store.documents();
  EXPECT_TRUE(docs.ok());
  for (const auto& d : *docs) {
    auto chunks = store.chunks_of(d.id);
    EXPECT_TRUE(chunks.ok());
    for (const auto& r : *chunks) {
      const auto& c = r.chunk;
      out[d.path].emplace_back(c.first_line, c.last_line, c.text, c.heading_path, c.headings, c.codes,
                               c.tags);
    }
  }
  return out;
}

void write_docs(const TempDir& dir) {
  std::string long_section;
  for (int i = 0; i < 60; ++i)
    long_section += "Sentence number " + std::to_string(i) + " talks about the Pro plan and error E402.\n";
  dir.write(
      "docs/plans/pro.md",
      "---\nproduct: pro\nupdated: 2026-02-01\n---\n# Pro\n\nPro has 250 GB of storage.\n\n## Limits\n\n" +
          long_section +
          "\n- first item of a list\n- second item\n\n| Plan | Seats |\n|---|---|\n| Pro | 50 |\n\n"
          "```\ncode line E401\n```\n");
  dir.write("docs/notes.txt", "Release notes\n\nVersion 4.2.1 fixed E402.\n\n" + long_section);
  dir.write("docs/roles.html",
            "<title>Roles</title><h1>Roles</h1><p>Admins invite members.</p><h2>Owners</h2><ul><li>Owners "
            "pay.</li></ul>");
  dir.write("docs/sla.pdf", testing::make_pdf({"Service level agreement", "Uptime is 99.9%."}));
}

TEST(Rechunk, MarkdownAndTextGetTheChunksAFreshIngestGives) {
  TempDir dir;
  write_docs(dir);
  auto original = open_store(dir / "a.db");
  ingest_into(*original, dir / "docs", config_of(300, 50));
  for (auto [size, overlap] : {std::pair{300, 50}, std::pair{40, 10}, std::pair{500, 0}}) {
    SCOPED_TRACE(std::to_string(size) + "/" + std::to_string(overlap));
    auto suffix = std::to_string(size) + "-" + std::to_string(overlap);
    auto fresh = open_store(dir / ("fresh" + suffix + ".db"));
    ingest_into(*fresh, dir / "docs", config_of(size, overlap));
    auto scratch = open_store(dir / ("scratch" + suffix + ".db"));
    auto report = rechunk_into(*original, *scratch, config_of(size, overlap));
    ASSERT_TRUE(report.ok()) << report.message();
    EXPECT_EQ(report->documents, 4u);
    auto want = chunks_by_path(*fresh), got = chunks_by_path(*scratch);
    for (const char* path : {"plans/pro.md", "notes.txt"}) {
      EXPECT_FALSE(want[path].empty());
      EXPECT_EQ(got[path], want[path]) << path;
    }
    EXPECT_EQ(got.size(), want.size());
    auto stats = scratch->stats();
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->chunks, report->chunks);
    EXPECT_EQ(scratch->meta("ingest_config"), std::optional(config_to_json(config_of(size, overlap))));
  }
}

TEST(Rechunk, EveryLineWithWordsOfHtmlAndPdfIsInAChunk) {
  TempDir dir;
  write_docs(dir);
  auto original = open_store(dir / "a.db");
  ingest_into(*original, dir / "docs", config_of(300, 50));
  auto scratch = open_store(dir / "b.db");
  ASSERT_TRUE(rechunk_into(*original, *scratch, config_of(16, 4)).ok());
  auto docs = scratch->documents();
  ASSERT_TRUE(docs.ok());
  for (const auto& d : *docs) {
    auto text = scratch->version_text(d.id);
    auto chunks = scratch->chunks_of(d.id);
    ASSERT_TRUE(text.ok() && chunks.ok());
    for (size_t line = 1; line <= text->lines.size(); ++line) {
      if (text->lines[line - 1].find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos) continue;
      bool covered = false;
      for (const auto& r : *chunks)
        covered |=
            r.chunk.first_line <= static_cast<int>(line) && static_cast<int>(line) <= r.chunk.last_line;
      EXPECT_TRUE(covered) << d.path << ":" << line;
    }
  }
}

TEST(Rechunk, BadSettingsLeaveTheTargetEmptyAndTheSourceAlone) {
  TempDir dir;
  write_docs(dir);
  auto original = open_store(dir / "a.db");
  ingest_into(*original, dir / "docs", config_of(300, 50));
  auto before = chunks_by_path(*original);
  auto scratch = open_store(dir / "b.db");
  for (auto [size, overlap] : {std::pair{4, 0}, std::pair{100, 100}, std::pair{100, -1}}) {
    auto report = rechunk_into(*original, *scratch, config_of(size, overlap));
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.message().find("chunk"), std::string::npos) << report.message();
  }
  auto docs = scratch->documents();
  ASSERT_TRUE(docs.ok());
  EXPECT_TRUE(docs->empty());
  EXPECT_EQ(chunks_by_path(*original), before);
}

TEST(Rechunk, AnEmptyKnowledgeBaseGivesAnEmptyOneAndDeletedDocumentsStayOut) {
  TempDir dir;
  auto empty = open_store(dir / "empty.db");
  auto scratch = open_store(dir / "b.db");
  auto report = rechunk_into(*empty, *scratch, config_of(100, 10));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->documents, 0u);

  write_docs(dir);
  auto original = open_store(dir / "a.db");
  ingest_into(*original, dir / "docs", config_of(300, 50));
  std::filesystem::remove(dir / "docs/notes.txt");
  ingest_into(*original, dir / "docs", config_of(300, 50));
  auto scratch2 = open_store(dir / "c.db");
  ASSERT_TRUE(rechunk_into(*original, *scratch2, config_of(100, 10)).ok());
  auto got = chunks_by_path(*scratch2);
  EXPECT_EQ(got.count("notes.txt"), 0u);
  EXPECT_EQ(got.count("plans/pro.md"), 1u);
}

}  // namespace
}  // namespace groundline::ingest
