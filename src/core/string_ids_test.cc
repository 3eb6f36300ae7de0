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

TEST(StringIds, KeysAroundTheInlineLengthAndWithZeroBytes) {
  StringIds ids;
  const std::vector<std::string> keys = {
      "12345678", "123456789",          "1234567",           std::string("a\0", 2), std::string("a\0\0", 3),
      "a",        std::string(8, '\0'), std::string(9, '\0')};
  for (size_t i = 0; i < keys.size(); ++i)
    ids.insert(keys[i], StringIds::hash(keys[i]), static_cast<int32_t>(i));
  for (size_t i = 0; i < keys.size(); ++i) {
    const int32_t* found = ids.find(keys[i]);
    ASSERT_NE(found, nullptr) << i;
    EXPECT_EQ(*found, static_cast<int32_t>(i));
  }
  EXPECT_EQ(ids.find("12345670"), nullptr);
  EXPECT_EQ(ids.find(std::string(7, '\0')), nullptr);
}

}  // namespace
}  // namespace groundline::core
