#include "core/string_ids.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace groundline::core {
namespace {

TEST(StringIds, AgreesWithAStdMapThroughGrowth) {
  StringIds ids;
  std::map<std::string, int32_t> reference;
  std::mt19937 rng(5);
  for (int i = 0; i < 50000; ++i) {
    std::string key = "k" + std::to_string(rng() % 20000);
    if (i % 7 == 0) key += std::string(rng() % 40, 'x');  // longer keys too
    const int32_t* found = ids.find(key);
    auto it = reference.find(key);
    ASSERT_EQ(found != nullptr, it != reference.end()) << key;
    if (found) {
      EXPECT_EQ(*found, it->second);
    } else {
      ids.insert(key, StringIds::hash(key), i);
      reference[key] = i;
    }
  }
  EXPECT_EQ(ids.size(), reference.size());
}

TEST(StringIds, EmptyKeyPrefixesAndClear) {
  StringIds ids;
  ids.insert("", StringIds::hash(""), 1);
  ids.insert("ab", StringIds::hash("ab"), 2);
  EXPECT_EQ(*ids.find(""), 1);
  EXPECT_EQ(ids.find("a"), nullptr);
  EXPECT_EQ(*ids.find("ab"), 2);
  ids.clear();
  EXPECT_EQ(ids.find("ab"), nullptr);
  EXPECT_EQ(ids.size(), 0u);
}

}  // namespace
}  // namespace groundline::core
