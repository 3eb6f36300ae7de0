#include "ingest/metadata.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ingest/loaders.h"

namespace groundline::ingest {
namespace {

IngestConfig acme_config() {
  auto config = parse_config(
      "products: [Starter, Pro, Enterprise]\n"
      "error_codes:\n  pattern: '\\bE[0-9]{3}\\b'\n  categories:\n"
      "    - {prefix: E1, category: authentication}\n    - {prefix: E4, category: billing}\n"
      "    - {prefix: E41, category: tax}\n"
      "chunking: {tokens: 120, overlap: 20}\nmax_file_mb: 2\n",
      "groundline.yaml");
  EXPECT_TRUE(config.ok()) << config.message();
  return *config;
}

bool has_tag(const std::vector<kb::Tag>& tags, const std::string& key, const std::string& value) {
  return std::find(tags.begin(), tags.end(), kb::Tag{key, value}) != tags.end();
}

TEST(Config, ReadsEverySetting) {
  auto config = acme_config();
  EXPECT_EQ(config.products.size(), 3u);
  EXPECT_EQ(config.code_categories.size(), 3u);
  EXPECT_EQ(config.chunking.max_tokens, 120);
  EXPECT_EQ(config.chunking.overlap_tokens, 20);
  EXPECT_EQ(config.max_file_bytes, 2 << 20);
  EXPECT_NE(config.fingerprint(), IngestConfig{}.fingerprint());
}

TEST(Config, ErrorsNameTheFileAndTheField) {
  auto bad_yaml = parse_config("products: [a\n", "kb.yaml");
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_EQ(bad_yaml.message().rfind("kb.yaml:", 0), 0u) << bad_yaml.message();
  auto bad_pattern = parse_config("error_codes:\n  pattern: '(unclosed'\n", "kb.yaml");
  ASSERT_FALSE(bad_pattern.ok());
  EXPECT_NE(bad_pattern.message().find("error_codes.pattern"), std::string::npos);
  auto bad_number = parse_config("chunking: {tokens: many}\n", "kb.yaml");
  EXPECT_FALSE(bad_number.ok());
  EXPECT_TRUE(parse_config("", "empty.yaml").ok());
}

TEST(Metadata, ErrorCodesWithTheirCategoryByLongestPrefix) {
  auto extractor = MetadataExtractor::create(acme_config());
  ASSERT_TRUE(extractor.ok());
  auto codes = extractor->codes_in("E402 then E101, again E402, and E4021 is not a code; E415.");
  EXPECT_EQ(codes, (std::vector<std::string>{"E402", "E101", "E415"}));
  EXPECT_EQ(extractor->category_of("E402"), "billing");
  EXPECT_EQ(extractor->category_of("E415"), "tax");
  EXPECT_EQ(extractor->category_of("E101"), "authentication");
  EXPECT_EQ(extractor->category_of("E999"), "");
}

TEST(Metadata, DefaultPatternFindsCommonCodeStyles) {
  auto extractor = MetadataExtractor::create(IngestConfig{});
  ASSERT_TRUE(extractor.ok());
  EXPECT_EQ(extractor->codes_in("ERR-1042 and ERROR_503 and E12, not SE402, e402 or E1"),
            (std::vector<std::string>{"ERR-1042", "ERROR_503", "E12"}));
}

TEST(Metadata, DatesInSeveralFormats) {
  auto extractor = MetadataExtractor::create(IngestConfig{});
  ASSERT_TRUE(extractor.ok());
  EXPECT_EQ(
      extractor->dates_in("Released 2026-03-14; updated March 4, 2026 and 9 Sept 2025. Not 2026-13-01."),
      (std::vector<std::string>{"2026-03-14", "2026-03-04", "2025-09-09"}));
  EXPECT_EQ(parse_date("2026-02-03T10:00:00Z"), "2026-02-03");
  EXPECT_EQ(parse_date("Feb 30, 2026"), "");
  EXPECT_EQ(parse_date("yesterday"), "");
}

TEST(Metadata, FrontMatterBecomesTags) {
  auto extractor = MetadataExtractor::create(acme_config());
  auto doc = load_markdown(
      "---\ntitle: Pro\nproduct: [Pro, Enterprise]\nplan: pro\ncategory: Billing\ntags: [limits]\n"
      "last_updated: 2026-01-05\nvisibility: internal\nowner: docs-team\ndescription: long text\n---\nText "
      "E101.\n");
  ASSERT_TRUE(doc.ok());
  auto tags = extractor->document_tags(*doc);
  ASSERT_TRUE(tags.ok()) << tags.message();
  EXPECT_TRUE(has_tag(*tags, "product", "pro"));
  EXPECT_TRUE(has_tag(*tags, "product", "enterprise"));
  EXPECT_TRUE(has_tag(*tags, "plan", "pro"));
  EXPECT_TRUE(has_tag(*tags, "category", "billing"));
  EXPECT_FALSE(has_tag(*tags, "category", "authentication"));  // front matter wins
  EXPECT_TRUE(has_tag(*tags, "tag", "limits"));
  EXPECT_TRUE(has_tag(*tags, "updated", "2026-01-05"));
  EXPECT_TRUE(has_tag(*tags, "visibility", "internal"));
  EXPECT_TRUE(has_tag(*tags, "owner", "docs-team"));
  EXPECT_FALSE(has_tag(*tags, "description", "long text"));
}

TEST(Metadata, ExtractedWhenFrontMatterIsAbsent) {
  auto extractor = MetadataExtractor::create(acme_config());
  auto doc = load_markdown(
      "# Payment errors\n\nOn Starter and Pro plans, E402 and E403 mean a declined card; "
      "E101 is a login error.\nUpdated 2025-11-02, reviewed January 10, 2026.\n");
  ASSERT_TRUE(doc.ok());
  auto tags = extractor->document_tags(*doc);
  ASSERT_TRUE(tags.ok());
  EXPECT_TRUE(has_tag(*tags, "product", "starter"));
  EXPECT_TRUE(has_tag(*tags, "product", "pro"));
  EXPECT_FALSE(has_tag(*tags, "product", "enterprise"));
  EXPECT_TRUE(has_tag(*tags, "category", "billing"));  // two billing codes outvote one
  EXPECT_TRUE(has_tag(*tags, "updated", "2026-01-10"));
  EXPECT_TRUE(has_tag(*tags, "visibility", "public"));
}

TEST(Metadata, BadDateInFrontMatterIsAnErrorNamingTheField) {
  auto extractor = MetadataExtractor::create(acme_config());
  auto doc = load_markdown("---\nupdated: last tuesday\n---\ntext\n");
  ASSERT_TRUE(doc.ok());
  auto tags = extractor->document_tags(*doc);
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.message().find("'updated'"), std::string::npos) << tags.message();
}

TEST(Metadata, ChunksGetTheirOwnCodesAndCategories) {
  auto extractor = MetadataExtractor::create(acme_config());
  kb::Chunk chunk;
  chunk.text = "If you see E101 after E415, sign in again.";
  extractor->tag_chunk(chunk, {{"product", "pro"}});
  EXPECT_EQ(chunk.codes, (std::vector<std::string>{"E101", "E415"}));
  EXPECT_TRUE(has_tag(chunk.tags, "code", "E101"));
  EXPECT_TRUE(has_tag(chunk.tags, "category", "authentication"));
  EXPECT_TRUE(has_tag(chunk.tags, "category", "tax"));
  EXPECT_TRUE(has_tag(chunk.tags, "product", "pro"));
}

TEST(Metadata, HostileProductNamesAreMatchedLiterally) {
  IngestConfig config;
  config.products = {"C++ (SDK)", "a.b"};
  auto extractor = MetadataExtractor::create(config);
  ASSERT_TRUE(extractor.ok()) << extractor.message();
  EXPECT_EQ(extractor->products_in("uses a.b but not axb"), (std::vector<std::string>{"a.b"}));
}

}  // namespace
}  // namespace groundline::ingest

namespace groundline::ingest {
namespace {

TEST(Config, RoundTripsThroughJson) {
  IngestConfig config;
  config.products = {"Pro", "Starter"};
  config.code_categories = {{"E4", "billing"}};
  config.chunking = {200, 30};
  config.max_file_bytes = 1234;
  auto back = config_from_json(config_to_json(config));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->fingerprint(), config.fingerprint());
  EXPECT_EQ(back->max_file_bytes, 1234);
  EXPECT_FALSE(config_from_json("[1, 2").ok());
  EXPECT_FALSE(config_from_json(R"({"code_categories": [{"prefix": 4}]})").ok());
}

}  // namespace
}  // namespace groundline::ingest
