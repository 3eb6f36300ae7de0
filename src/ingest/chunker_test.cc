// Chunking properties over random documents: every line with words is in a
// chunk, no chunk exceeds the limit, overlaps stay within the configured
// size and chunks never start or end inside a sentence that fits a chunk.
#include "ingest/chunker.h"

#include <gtest/gtest.h>

#include <random>

#include "core/words.h"
#include "ingest/loaders.h"

namespace groundline::ingest {
namespace {

int tokens(std::string_view text) {
  return static_cast<int>(core::approx_token_count(text));
}

bool has_words(std::string_view line) {
  bool found = false;
  core::for_each_word(line, [&](std::string_view, size_t, size_t) { found = true; });
  return found;
}

class RandomDoc {
 public:
  explicit RandomDoc(uint32_t seed) : rng_(seed) {}

  std::string word() {
    static const char* kWords[] = {"storage", "seat",   "plan",  "invoice",  "sync", "token",
                                   "limit",   "upload", "admin", "the",      "of",   "E402",
                                   "4.2.1",   "99.95",  "API",   "workspace"};
    // A running number keeps texts unique, so that a shared piece of text
    // between two chunks is a real overlap, not a coincidence.
    return kWords[pick(0, 15)] + std::string("q") + std::to_string(counter_++);
  }
  std::string letters(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + pick(0, 25)));
    return s;
  }
  std::string sentence(int words) {
    std::string s = "Acme";
    for (int i = 0; i < words; ++i) s += " " + word();
    return s + ".";
  }
  // Markdown with headings, paragraphs, lists, tables, code, long lines.
  std::string markdown() {
    std::string out;
    int blocks = pick(1, 40);
    for (int b = 0; b < blocks; ++b) {
      switch (pick(0, 9)) {
        case 0:
          out += std::string(static_cast<size_t>(pick(1, 3)), '#') + " Section " + word() + "\n\n";
          break;
        case 1:
          out +=
              "- " + sentence(pick(2, 12)) + "\n- " + sentence(pick(2, 12)) + "\n  " + sentence(3) + "\n\n";
          break;
        case 2:
          out += "| Plan | " + word() + " |\n|---|---|\n| Pro | " + word() + " |\n\n";
          break;
        case 3:
          out += "```\ncode " + word() + "\n" + word() + "()\n```\n\n";
          break;
        case 4:
          out += sentence(pick(200, 900)) + "\n\n";
          break;  // longer than a chunk
        case 5:
          out += letters(pick(100, 5000)) + "\n\n";
          break;
        default: {
          int lines = pick(1, 6);
          for (int l = 0; l < lines; ++l) out += sentence(pick(1, 15)) + " " + sentence(pick(1, 8)) + "\n";
          out += "\n";
        }
      }
    }
    return out;
  }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937 rng_;
  int counter_ = 0;
};

size_t longest_word(const std::string& text) {
  size_t longest = 0;
  core::for_each_word(text,
                      [&](std::string_view w, size_t, size_t) { longest = std::max(longest, w.size()); });
  return longest;
}

// Tokens of the words shared by the end of `a` and the start of `b`.
int overlap_tokens(const std::string& a, const std::string& b) {
  for (size_t k = std::min(a.size(), b.size()); k > 0; --k)
    if (a.compare(a.size() - k, k, b, 0, k) == 0 && (k == b.size() || b[k] == ' ' || b[k] == '\n'))
      return has_words(b.substr(0, k)) ? tokens(b.substr(0, k)) : 0;
  return 0;
}

TEST(Chunker, RandomDocumentsKeepEveryPropertyForManySizes) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    RandomDoc gen(seed);
    ChunkOptions options{gen.pick(16, 400), 0};
    options.overlap_tokens = gen.pick(0, options.max_tokens / 2);
    auto doc = load_markdown(gen.markdown());
    ASSERT_TRUE(doc.ok());
    auto chunks = make_chunks(*doc, options);
    SCOPED_TRACE("seed " + std::to_string(seed) + " max " + std::to_string(options.max_tokens));
    std::vector<bool> covered(doc->lines.size() + 1, false);
    const std::string joined = kb::join_lines(doc->lines);
    for (size_t i = 0; i < chunks.size(); ++i) {
      const auto& c = chunks[i];
      ASSERT_LE(c.text_end, joined.size());
      EXPECT_EQ(joined.substr(c.text_begin, c.text_end - c.text_begin), c.text);
      ASSERT_GE(c.first_line, 1);
      ASSERT_LE(c.first_line, c.last_line);
      ASSERT_LE(c.last_line, static_cast<int>(doc->lines.size()));
      EXPECT_LE(tokens(c.text), options.max_tokens);
      // A word cut inside (longer than a chunk) counts as its pieces.
      if (longest_word(c.text) < static_cast<size_t>(4 * options.max_tokens - 4))
        EXPECT_EQ(c.token_count, tokens(c.text));
      else
        EXPECT_GE(c.token_count, tokens(c.text));
      for (int l = c.first_line; l <= c.last_line; ++l) covered[static_cast<size_t>(l)] = true;
      if (i > 0) {
        EXPECT_GE(c.first_line, chunks[i - 1].first_line);
        EXPECT_LE(overlap_tokens(chunks[i - 1].text, c.text), options.overlap_tokens);
      }
    }
    for (size_t l = 1; l <= doc->lines.size(); ++l) {
      bool needs_chunk = has_words(doc->lines[l - 1]);
      EXPECT_TRUE(!needs_chunk || covered[l]) << "line " << l << " in no chunk";
    }
  }
}

TEST(Chunker, ProseChunksStartAndEndOnSentenceBoundariesWithConfiguredOverlap) {
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    RandomDoc gen(seed);
    std::string text;
    for (int p = 0; p < 30; ++p)
      text += gen.sentence(gen.pick(3, 12)) + " " + gen.sentence(gen.pick(3, 12)) + "\n";
    auto doc = load_markdown(text);
    ASSERT_TRUE(doc.ok());
    ChunkOptions options{120, 30};
    auto chunks = make_chunks(*doc, options);
    ASSERT_GT(chunks.size(), 3u);
    int longest = 0;
    const std::string doc_text = kb::join_lines(doc->lines);
    for (const auto& p : split_passages(*doc, doc_text, options.max_tokens))
      longest = std::max(longest, p.tokens);
    for (size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_TRUE(chunks[i].text.starts_with("Acme ")) << chunks[i].text;
      EXPECT_TRUE(chunks[i].text.ends_with(".")) << chunks[i].text;
      if (i == 0) continue;
      int shared = overlap_tokens(chunks[i - 1].text, chunks[i].text);
      // The overlap lands within one sentence of the configured size.
      EXPECT_LE(shared, 30);
      EXPECT_GT(shared, 30 - longest);
    }
  }
}

TEST(Chunker, HeadingPathAndHeadingsFieldFollowTheSections) {
  auto doc = load_markdown(
      "---\ntitle: Plans\n---\n# Plans\n\nIntro line.\n\n## Pro\n\nPro has 250 GB.\n\n### Limits\n\n"
      "The limit is 600 requests per minute.\n\n## Starter\n\nStarter has 100 GB.\n");
  ASSERT_TRUE(doc.ok());
  auto chunks = make_chunks(*doc, {8, 0});
  auto find = [&](std::string_view needle) {
    for (const auto& c : chunks)
      if (c.text.find(needle) != std::string::npos) return c;
    return kb::Chunk{};
  };
  EXPECT_EQ(find("600 requests").heading_path, "Plans > Pro > Limits");
  EXPECT_EQ(find("Starter has").heading_path, "Plans > Starter");
  EXPECT_NE(find("600 requests").headings.find("Limits"), std::string::npos);
  EXPECT_LE(find("600 requests").first_line, 11);
  EXPECT_GE(find("600 requests").last_line, 11);
}

TEST(Passages, ListItemsCodeBlocksAndTableRowsAreUnitsOfTheirOwn) {
  auto doc = load_markdown(
      "Intro sentence one. Intro two.\n\n- first item without a period\n  continued here\n- second item. Has "
      "two.\n\n"
      "```\nrun(a.b). Not. A. Sentence.\nsecond line\n```\n| Pro | 250 GB |\n");
  ASSERT_TRUE(doc.ok());
  std::vector<std::string> texts;
  const std::string text = kb::join_lines(doc->lines);
  for (const auto& p : split_passages(*doc, text, 300)) texts.emplace_back(p.text);
  EXPECT_EQ(texts, (std::vector<std::string>{
                       "Intro sentence one.", "Intro two.", "- first item without a period\n  continued here",
                       "- second item.", "Has two.", "```\nrun(a.b). Not. A. Sentence.\nsecond line\n```",
                       "| Pro | 250 GB |"}));
}

TEST(Chunker, EmptyAndWordlessDocumentsGiveNoChunks) {
  auto empty = load_markdown("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(make_chunks(*empty, {}).empty());
  auto rules = load_markdown("\n***\n|---|\n   \n");
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(make_chunks(*rules, {}).empty());
}

TEST(Chunker, OneHugeWordIsCutIntoChunksThatFit) {
  auto doc = load_text(std::string(200000, 'a') + "\nlast line here\n");
  ASSERT_TRUE(doc.ok());
  auto chunks = make_chunks(*doc, {300, 50});
  ASSERT_GT(chunks.size(), 50u);
  for (const auto& c : chunks) EXPECT_LE(tokens(c.text), 300);
  EXPECT_EQ(chunks.back().last_line, 2);
}

}  // namespace
namespace {}  // namespace
}  // namespace groundline::ingest
