// JSON-Schema-Test-Suite (the Debian package json-schema-test-suite): for
// every schema compile() accepts, every valid instance must be a complete
// match and every invalid one must be refused, written compactly (as
// nlohmann's dump() writes it) and pretty-printed. Schemas compile() refuses
// count as unsupported; the supported share is printed per draft.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "llm/json_matcher.h"
#include "llm/test_support.h"
#include "tests/test_files.h"

namespace groundline::llm {
namespace {

using testing::valijson_accepts;

using nlohmann::json;
const std::filesystem::path kSuite = "/usr/share/json-schema-test-suite/tests";

struct Tally {
  int schemas = 0, supported = 0, instances = 0, checked = 0;
  std::map<std::string, int> reasons;  // why schemas were refused
  std::vector<std::string> failures;
};

bool matches(const JsonSchema& schema, const std::string& text) {
  JsonMatcher matcher(schema);
  return matcher.advance(text) && matcher.complete();
}

// The keyword named in a refusal, for the summary.
std::string reason_of(const std::string& message) {
  auto open = message.find("unsupported keyword \"");
  if (open != std::string::npos) {
    auto start = open + 21;
    return message.substr(start, message.find('"', start) - start);
  }
  if (message.find("$ref") != std::string::npos) return "$ref (remote or anchor)";
  return message.substr(message.find(": ") + 2, 60);
}

void check_case(const json& c, const std::string& file, JsonSchemaOptions::Draft draft, Tally& tally) {
  ++tally.schemas;
  tally.instances += static_cast<int>(c["tests"].size());
  auto schema = JsonSchema::compile(c["schema"], {draft, 16});
  if (!schema.ok()) {
    ++tally.reasons[reason_of(schema.message())];
    return;
  }
  ++tally.supported;
  for (const auto& t : c["tests"]) {
    ++tally.checked;
    bool valid = t["valid"].get<bool>();
    for (int indent : {-1, 1}) {
      std::string text = t["data"].dump(indent);
      if (matches(*schema, text) == valid) continue;
      tally.failures.push_back(file + ": " + c["description"].get<std::string>() + " / " +
                               t["description"].get<std::string>() + ": " + text +
                               (valid ? " should match" : " should not match"));
      break;
    }
  }
}

Tally run_draft(const std::filesystem::path& folder, JsonSchemaOptions::Draft draft) {
  Tally tally;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files)
    for (const auto& c : json::parse(testing::read_file(file.string())))
      check_case(c, file.filename().string(), draft, tally);
  return tally;
}

TEST(JsonSchemaSuite, EverySupportedSchemaClassifiesEveryInstanceCorrectly) {
  if (!std::filesystem::exists(kSuite))
    GTEST_SKIP() << kSuite << " is missing: install the Debian package json-schema-test-suite";
  using Draft = JsonSchemaOptions::Draft;
  const std::pair<const char*, Draft> drafts[] = {{"draft4", Draft::k4},
                                                  {"draft6", Draft::k6},
                                                  {"draft7", Draft::k7},
                                                  {"draft2019-09", Draft::k2019},
                                                  {"draft2020-12", Draft::k2020}};
  std::vector<std::string> failures;
  for (const auto& [name, draft] : drafts) {
    if (!std::filesystem::exists(kSuite / name)) continue;
    Tally t = run_draft(kSuite / name, draft);
    std::printf("%-13s schemas %3d/%3d supported (%.0f%%), instances %3d/%3d (%.0f%%)\n", name, t.supported,
                t.schemas, 100.0 * t.supported / std::max(1, t.schemas), t.checked, t.instances,
                100.0 * t.checked / std::max(1, t.instances));
    std::string reasons;
    for (const auto& [reason, count] : t.reasons)
      reasons += " " + reason + " x" + std::to_string(count) + ";";
    std::printf("  unsupported:%s\n", reasons.c_str());
    failures.insert(failures.end(), t.failures.begin(), t.failures.end());
  }
  for (const auto& f : failures) ADD_FAILURE() << f;
}

// Random byte walks over every supported draft-7 schema: wherever the
// matcher has accepted the text so far, some byte continues it or it is
// complete, and complete text parses and is valid for valijson.
TEST(JsonSchemaSuite, RandomWalksOverSupportedSchemasNeverGetStuck) {
  if (!std::filesystem::exists(kSuite / "draft7"))
    GTEST_SKIP() << kSuite << " is missing: install the Debian package json-schema-test-suite";
  std::string alphabet = "\n\"\\\xC3\xA9";
  for (char c = 0x20; c < 0x7F; ++c) alphabet += c;
  std::mt19937 random(5);
  int walks = 0, completed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSuite / "draft7")) {
    if (entry.path().extension() != ".json") continue;
    for (const auto& c : json::parse(testing::read_file(entry.path().string()))) {
      auto schema = JsonSchema::compile(c["schema"], {JsonSchemaOptions::Draft::k7, 2, true});
      if (!schema.ok() || !schema->node(schema->root()).inhabited) continue;  // no instance at all
      for (int walk = 0; walk < 40; ++walk, ++walks) {
        JsonMatcher m(*schema);
        std::string text;
        for (int step = 0; step < 200 && !m.finished(); ++step) {
          std::vector<char> next;
          for (char b : alphabet)
            if (JsonMatcher(m).advance(static_cast<uint8_t>(b))) next.push_back(b);
          ASSERT_TRUE(!next.empty() || m.complete()) << c["schema"].dump() << " stuck after " << text;
          if (next.empty() || (m.complete() && random() % 3 == 0)) break;
          text += next[random() % next.size()];
          ASSERT_TRUE(m.advance(static_cast<uint8_t>(text.back())));
        }
        if (!m.complete()) continue;
        ++completed;
        json document = json::parse(text, nullptr, false);
        ASSERT_FALSE(document.is_discarded()) << text;
        EXPECT_TRUE(valijson_accepts(c["schema"], document)) << c["schema"].dump() << " gave " << text;
      }
    }
  }
  std::printf("%d of %d random walks completed\n", completed, walks);
}

}  // namespace
}  // namespace groundline::llm
