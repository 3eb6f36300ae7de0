#include "llm/json_pattern.h"

#include <gtest/gtest.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/utf8.h"

namespace groundline::llm {
namespace {

bool accepts(const PatternAutomaton& p, std::string_view text) {
  uint32_t state = p.start();
  for (char c : text) {
    if (state == PatternAutomaton::kDead) return false;
    state = p.next(state, static_cast<uint8_t>(c));
  }
  return state != PatternAutomaton::kDead && p.accepting(state);
}

PatternAutomaton compiled(const std::string& pattern) {
  auto p = PatternAutomaton::compile(pattern);
  EXPECT_TRUE(p.ok()) << pattern << ": " << (p.ok() ? "" : p.message());
  return std::move(p).value();
}

TEST(JsonPattern, MatchesAnywhereUnlessAnchored) {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  const Case cases[] = {
      {"abc", "xxabcxx", true},
      {"^abc", "xxabc", false},
      {"abc$", "abcx", false},
      {"^abc$", "abc", true},
      {"^a|b$", "xab", true},
      {"^(a|b)$", "ab", false},
      {"^[a-z0-9_-]+$", "a-b_9", true},
      {"^[a-z0-9_-]+$", "a.b", false},
      {"^[^0-9]*$", "abc", true},
      {"^[^0-9]*$", "ab1", false},
      {"^\\d{3}$", "123", true},
      {"^\\d{3}$", "1234", false},
      {"^\\w+\\s\\w+$", "a_1 b", true},
      {"^\\S+$", "a b", false},
      {"^a{2,}$", "aaaa", true},
      {"^a{2,}$", "a", false},
      {"^a{1,2}b?$", "aab", true},
      {"^(ab)*$", "abab", true},
      {"^(?:ab)+c$", "c", false},
      {"^.$", "\xC3\xA9", true},
      {"^.$", "\n", false},
      {"^\\.$", ".", true},
      {"^[.]$", "x", false},
      {"^\\x41\\u0042$", "AB", true},
      {"^[\\d-]+$", "1-2", true},
      {"^a*?$", "aaa", true},
      {"", "anything", true},
      {"^$", "", true},
      {"^$", "x", false},
      {"^[]$", "", false},
      {"^\\u00e9+$", "\xC3\xA9\xC3\xA9", true},
      {"^[\\u00e0-\\u00ff]$", "\xC3\xA9", true},
      {"^\\ud83d\\ude00$", "\xF0\x9F\x98\x80", true},
      {"^a{0}b$", "b", true},
      {"^x{,2}$", "x{,2}", true},
      {"^[a\\]]+$", "a]", true},
      {"^\\cJ$", "\n", true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(accepts(compiled(c.pattern), c.text), c.match) << c.pattern << " / " << c.text;
}

TEST(JsonPattern, RefusesWhatItDoesNotSupport) {
  for (const char* bad :
       {"(?=a)", "(?!a)", "(?<=a)b", "(a)\\1", "\\bword", "\\p{L}", "(a", "a)", "[a-", "*a", "a**", "^*",
        "[z-a]", "a{3,2}", "a{1001}", "\\", "\\q", "\\u{1F600}", "(?<n>a)\\k<n>"}) {
    auto p = PatternAutomaton::compile(bad);
    EXPECT_FALSE(p.ok()) << bad;
  }
  auto blowup = PatternAutomaton::compile("(a|b)*a(a|b){14}");  // 2^15 states
  ASSERT_FALSE(blowup.ok());
  EXPECT_NE(blowup.message().find("automaton states"), std::string::npos) << blowup.message();
}

TEST(JsonPattern, KnowsHowFarAcceptanceIs) {
  auto p = compiled("^ab(c|de)$");
  EXPECT_EQ(p.min_to_accept(p.start()), 3u);
  EXPECT_EQ(p.max_to_accept(p.start()), 4u);
  EXPECT_FALSE(p.can_accept_within(p.start(), 0, 2));
  EXPECT_TRUE(p.can_accept_within(p.start(), 4, 10));
  auto open = compiled("^a+\xC3\xA9");  // unbounded after the match
  EXPECT_EQ(open.min_to_accept(open.start()), 2u);
  EXPECT_EQ(open.max_to_accept(open.start()), PatternAutomaton::kUnbounded);
  EXPECT_EQ(compiled("^a$").next(compiled("^a$").start(), 'b'), PatternAutomaton::kDead);
  std::vector<uint32_t> after;
  p.states_after_code_point(p.start(), 'a', 'z', after);
  EXPECT_EQ(after.size(), 1u);  // only 'a' is live
}

TEST(JsonPattern, IntersectionAcceptsWhatBothAccept) {
  auto both = PatternAutomaton::intersect(compiled("a"), compiled("^[a-c]{2}$"));
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(accepts(*both, "ba"));
  EXPECT_FALSE(accepts(*both, "bc"));
  EXPECT_FALSE(accepts(*both, "aaa"));
}

TEST(JsonPattern, Utf8RangesSpellEachCodePointOnce) {
  std::mt19937 random(1);
  for (int i = 0; i < 200; ++i) {
    uint32_t a = random() % 0x110000, b = random() % 0x110000;
    if (a > b) std::swap(a, b);
    auto sequences = utf8_byte_ranges(a, b);
    for (uint32_t cp : {a, b, a + (b - a) / 2}) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      std::string bytes;
      core::append_utf8(bytes, static_cast<int32_t>(cp));
      int spelled = 0;
      for (const auto& seq : sequences) {
        bool fits = seq.size() == bytes.size();
        for (size_t k = 0; fits && k < seq.size(); ++k)
          fits =
              static_cast<uint8_t>(bytes[k]) >= seq[k].low && static_cast<uint8_t>(bytes[k]) <= seq[k].high;
        spelled += fits;
      }
      EXPECT_EQ(spelled, 1) << std::hex << cp << " in " << a << ".." << b;
    }
  }
}

// PCRE2 as the reference (search semantics, UTF, $ only at the very end,
// CR and LF as line ends for '.'), on random strings.
class Pcre2 {
 public:
  explicit Pcre2(const std::string& pattern) {
    std::unique_ptr<pcre2_compile_context, decltype(&pcre2_compile_context_free)> context(
        pcre2_compile_context_create(nullptr), &pcre2_compile_context_free);
    pcre2_set_newline(context.get(), PCRE2_NEWLINE_ANYCRLF);
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                          PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &error, &offset, context.get());
    match_ = pcre2_match_data_create(1, nullptr);
  }
  ~Pcre2() {
    pcre2_match_data_free(match_);
    pcre2_code_free(code_);
  }
  bool search(const std::string& text) const {
    return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, match_,
                       nullptr) >= 0;
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* match_ = nullptr;
};

TEST(JsonPattern, AgreesWithPcre2OnRandomStrings) {
  const char* patterns[] = {"^[a-c]+$",         "ab|ba",      "^(a|bc)*d?$", "a.c",          "^[^a]b{1,3}$",
                            "^\\d+(\\.\\d+)?$", "(ab){2,}",   "^a?b?c?$",    "c$",           "^.{2,4}$",
                            "[\xC3\xA9x]{2}",   "^(a|\\n)+$", "b\\.",        "^[a-c\\d]{3}", "a(b|c|)d"};
  const std::vector<std::string> letters = {"a", "b",  "c", "d",        "1",
                                            ".", "\n", "x", "\xC3\xA9", "\xE6\x97\xA5"};
  std::mt19937 random(7);
  for (const char* pattern : patterns) {
    auto mine = compiled(pattern);
    Pcre2 reference(pattern);
    for (int i = 0; i < 400; ++i) {
      std::string text;
      for (int n = static_cast<int>(random() % 8); n > 0; --n) text += letters[random() % letters.size()];
      EXPECT_EQ(accepts(mine, text), reference.search(text)) << pattern << " on \"" << text << "\"";
    }
  }
}

}  // namespace
}  // namespace groundline::llm
