// The `pattern` keyword of JSON Schema: a regular expression (a subset of
// ECMA-262, written by hand here) compiled to a deterministic automaton over
// the UTF-8 bytes of a string's code points, so that a string can be checked
// byte by byte as it is generated.
//
// A pattern matches a string when it matches some part of it, as JSON
// Schema says: `a` accepts "cab". `^` and `$` anchor at the start and end
// of the whole string (there is no multiline mode).
//
// Supported: literals; `.` (any code point but \n \r U+2028 U+2029);
// classes `[a-z0-9_-]` and negated `[^...]`; \d \w \s and \D \W \S (ASCII
// digits and word characters, ECMA-262's white space); escapes \t \n \v \f
// \r \0 \xHH \uHHHH \cX and escaped punctuation; groups `(...)`, `(?:...)`,
// `(?<name>...)`; alternation `|`; quantifiers * + ? {m} {m,} {m,n} (lazy
// forms too: they accept the same strings); anchors ^ $. Refused with an
// error that says why: look-around, back references, \b \B, \p{...},
// quantifiers above 1000, and automata over 4096 states.
//
// Every state the automaton can reach can still be completed to an accepted
// string: a byte that would leave no way to match is refused (kDead), so a
// generator that only takes live bytes never paints itself into a corner.
// An immutable automaton is safe to use from several threads.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace groundline::llm {

class PatternAutomaton {
 public:
  static constexpr uint32_t kDead = 0xFFFFFFFFu;
  static constexpr uint32_t kUnbounded = 0xFFFFFFFFu;

  // The automaton of `pattern`, or an error that names the offending part.
  static Result<PatternAutomaton> compile(std::string_view pattern);
  // Strings that both accept (both patterns must match).
  static Result<PatternAutomaton> intersect(const PatternAutomaton& a, const PatternAutomaton& b);

  // kDead when the pattern matches no string at all.
  uint32_t start() const { return start_; }
  uint32_t next(uint32_t state, uint8_t byte) const { return next_[size_t{state} * 256 + byte]; }
  bool accepting(uint32_t state) const { return accepting_[state] != 0; }
  // Fewest and most code points that lead from `state` to acceptance
  // (kUnbounded: as many as wanted).
  uint32_t min_to_accept(uint32_t state) const { return min_to_accept_[state]; }
  uint32_t max_to_accept(uint32_t state) const { return max_to_accept_[state]; }
  // Whether `lo` to `hi` more code points can lead from `state` to
  // acceptance. Exact when either bound is open (lo 0 or hi kUnbounded);
  // with both, it assumes the lengths in between have no gaps.
  bool can_accept_within(uint32_t state, uint64_t lo, uint64_t hi) const;
  // The states that one code point in [first, last] leads `state` to
  // (live ones only, no repeats), appended to `out`.
  void states_after_code_point(uint32_t state, uint32_t first, uint32_t last,
                               std::vector<uint32_t>& out) const;
  size_t state_count() const { return accepting_.size(); }

 private:
  PatternAutomaton() = default;
  // Redirects transitions into states that cannot accept to kDead and
  // computes the distances to acceptance.
  void finish();

  std::vector<uint32_t> next_;  // state * 256 + byte
  std::vector<uint8_t> accepting_;
  std::vector<uint32_t> min_to_accept_, max_to_accept_;
  uint32_t start_ = kDead;
  friend class PatternCompiler;
};

// The UTF-8 encodings of the code points in [first, last] as sequences of
// byte ranges: each sequence is up to four (low, high) byte pairs, and every
// code point in the range is spelled by exactly one sequence. Surrogates
// (U+D800..U+DFFF) are left out.
struct Utf8ByteRange {
  uint8_t low, high;
};
std::vector<std::vector<Utf8ByteRange>> utf8_byte_ranges(uint32_t first, uint32_t last);

}  // namespace groundline::llm
