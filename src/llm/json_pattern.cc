#include "llm/json_pattern.h"

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "core/utf8.h"

namespace groundline::llm {

namespace {

constexpr uint32_t kLastCodePoint = 0x10FFFF;
constexpr uint32_t kMaxRepeat = 1000;
constexpr size_t kMaxNfaStates = 100000;
constexpr size_t kMaxDfaStates = 4096;
constexpr int kMaxGroupDepth = 64;
constexpr uint32_t kInfinite = PatternAutomaton::kUnbounded;

// A set of code points as sorted, disjoint ranges.
class CodeSet {
 public:
  CodeSet() = default;
  CodeSet(uint32_t first, uint32_t last) : ranges_{{first, last}} {}

  void add(uint32_t first, uint32_t last) {
    ranges_.push_back({first, last});
    normalize();
  }
  void add(const CodeSet& other) {
    ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
    normalize();
  }
  CodeSet complement() const {
    CodeSet out;
    uint32_t from = 0;
    for (auto [first, last] : ranges_) {
      if (first > from) out.ranges_.push_back({from, first - 1});
      from = last + 1;
    }
    if (from <= kLastCodePoint) out.ranges_.push_back({from, kLastCodePoint});
    return out;
  }
  const std::vector<std::pair<uint32_t, uint32_t>>& ranges() const { return ranges_; }

 private:
  void normalize() {
    std::sort(ranges_.begin(), ranges_.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (auto r : ranges_) {
      if (!merged.empty() && r.first <= merged.back().second + 1)
        merged.back().second = std::max(merged.back().second, r.second);
      else
        merged.push_back(r);
    }
    ranges_ = std::move(merged);
  }
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
};

CodeSet digits() {
  return CodeSet('0', '9');
}

CodeSet word_characters() {
  CodeSet set('0', '9');
  set.add('A', 'Z');
  set.add('a', 'z');
  set.add('_', '_');
  return set;
}

// ECMA-262's WhiteSpace and LineTerminator.
CodeSet white_space() {
  CodeSet set('\t', '\r');
  for (uint32_t c : {0x20u, 0xA0u, 0x1680u, 0x202Fu, 0x205Fu, 0x3000u, 0xFEFFu}) set.add(c, c);
  set.add(0x2000, 0x200A);
  set.add(0x2028, 0x2029);
  return set;
}

CodeSet any_but_line_ends() {
  CodeSet ends('\n', '\n');
  ends.add('\r', '\r');
  ends.add(0x2028, 0x2029);
  return ends.complement();
}

// The parsed pattern.
struct Ast {
  enum class Kind { kSet, kConcat, kAlternate, kRepeat, kStart, kEnd };
  explicit Ast(Kind k) : kind(k) {}
  Kind kind;
  CodeSet set;
  std::vector<Ast> children;
  uint32_t min = 0, max = 0;  // kRepeat; max kInfinite when open
};

// Recursive descent over the pattern's code points.
class PatternParser {
 public:
  explicit PatternParser(std::string_view pattern) : pattern_(pattern) {}

  Result<Ast> parse() {
    for (size_t at = 0; at < pattern_.size();) {
      int32_t c = core::decode_utf8(pattern_, at);
      if (c < 0) return fail("is not valid UTF-8");
      text_.push_back(static_cast<uint32_t>(c));
    }
    GL_ASSIGN_OR_RETURN(Ast ast, alternation());
    if (!done()) return fail("has an unmatched ')'");
    return ast;
  }

 private:
  bool done() const { return at_ >= text_.size(); }
  uint32_t peek(size_t ahead = 0) const { return at_ + ahead < text_.size() ? text_[at_ + ahead] : 0; }
  Error fail(const std::string& why) const {
    return make_error("pattern \"" + std::string(pattern_) + "\" " + why + " (at character " +
                      std::to_string(at_) + ")");
  }

  Result<Ast> alternation() {
    Ast alt{Ast::Kind::kAlternate};
    for (;;) {
      GL_ASSIGN_OR_RETURN(Ast branch, sequence());
      alt.children.push_back(std::move(branch));
      if (done() || peek() != '|') break;
      ++at_;
    }
    if (alt.children.size() == 1) return std::move(alt.children[0]);
    return alt;
  }

  Result<Ast> sequence() {
    Ast seq{Ast::Kind::kConcat};
    while (!done() && peek() != '|' && peek() != ')') {
      GL_ASSIGN_OR_RETURN(Ast atom, this->atom());
      GL_ASSIGN_OR_RETURN(Ast item, quantified(std::move(atom)));
      seq.children.push_back(std::move(item));
    }
    return seq;
  }

  // {m}, {m,} or {m,n} at the cursor: true and the bounds, consumed.
  bool braces(uint32_t& min, uint32_t& max) {
    size_t at = at_ + 1;
    auto number = [&](uint32_t& value) {
      size_t from = at;
      uint64_t v = 0;
      while (at < text_.size() && text_[at] >= '0' && text_[at] <= '9') {
        v = std::min<uint64_t>(v * 10 + (text_[at] - '0'), uint64_t{kInfinite} - 1);
        ++at;
      }
      value = static_cast<uint32_t>(v);
      return at > from;
    };
    if (!number(min)) return false;
    max = min;
    if (at < text_.size() && text_[at] == ',') {
      ++at;
      if (!number(max)) max = kInfinite;
    }
    if (at >= text_.size() || text_[at] != '}') return false;
    at_ = at + 1;
    return true;
  }

  Result<Ast> quantified(Ast atom) {
    uint32_t min = 0, max = 0;
    if (done()) return atom;
    if (peek() == '*') {
      max = kInfinite, ++at_;
    } else if (peek() == '+') {
      min = 1, max = kInfinite, ++at_;
    } else if (peek() == '?') {
      max = 1, ++at_;
    } else if (peek() != '{' || !braces(min, max)) {
      return atom;
    }
    if (atom.kind == Ast::Kind::kStart || atom.kind == Ast::Kind::kEnd) return fail("repeats an anchor");
    if (min > max) return fail("has a quantifier whose minimum exceeds its maximum");
    if (min > kMaxRepeat || (max != kInfinite && max > kMaxRepeat))
      return fail("repeats more than " + std::to_string(kMaxRepeat) + " times");
    if (!done() && peek() == '?') ++at_;  // lazy: the same strings
    if (!done() && (peek() == '*' || peek() == '+' || peek() == '?')) return fail("has nothing to repeat");
    Ast repeat{Ast::Kind::kRepeat};
    repeat.min = min;
    repeat.max = max;
    repeat.children.push_back(std::move(atom));
    return repeat;
  }

  Result<Ast> group() {
    ++at_;  // (
    if (peek() == '?') {
      if (peek(1) == ':') {
        at_ += 2;
      } else if (peek(1) == '<' && peek(2) != '=' && peek(2) != '!') {
        at_ += 2;
        while (!done() && peek() != '>') ++at_;
        if (done()) return fail("has an unterminated group name");
        ++at_;
      } else {
        return fail("uses look-around, which is not supported");
      }
    }
    if (++depth_ > kMaxGroupDepth) return fail("nests groups too deeply");
    GL_ASSIGN_OR_RETURN(Ast inner, alternation());
    --depth_;
    if (done() || peek() != ')') return fail("has an unterminated group");
    ++at_;
    return inner;
  }

  Result<Ast> atom() {
    uint32_t c = peek();
    auto set_of = [](CodeSet set) {
      Ast a{Ast::Kind::kSet};
      a.set = std::move(set);
      return a;
    };
    switch (c) {
      case '(':
        return group();
      case '[':
        return klass();
      case '.':
        ++at_;
        return set_of(any_but_line_ends());
      case '^':
        ++at_;
        return Ast{Ast::Kind::kStart};
      case '$':
        ++at_;
        return Ast{Ast::Kind::kEnd};
      case '\\': {
        GL_ASSIGN_OR_RETURN(CodeSet set, escape(false));
        return set_of(std::move(set));
      }
      case '*':
      case '+':
      case '?':
        return fail("has nothing to repeat");
      case '{': {
        uint32_t min, max;
        size_t at = at_;
        if (braces(min, max)) {
          at_ = at;
          return fail("has nothing to repeat");
        }
        break;
      }
      default:
        break;
    }
    ++at_;
    return set_of(CodeSet(c, c));
  }

  Result<uint32_t> hex_digits(int count) {
    uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      uint32_t c = peek();
      int digit = c >= '0' && c <= '9'   ? static_cast<int>(c - '0')
                  : c >= 'a' && c <= 'f' ? static_cast<int>(c - 'a' + 10)
                  : c >= 'A' && c <= 'F' ? static_cast<int>(c - 'A' + 10)
                                         : -1;
      if (done() || digit < 0) return fail("has a bad hexadecimal escape");
      value = value * 16 + static_cast<uint32_t>(digit);
      ++at_;
    }
    return value;
  }

  // \uHHHH, joined with a following \uHHHH when the two are a surrogate pair.
  Result<uint32_t> unicode_escape() {
    if (peek() == '{') return fail("uses \\u{...}, which is not supported");
    GL_ASSIGN_OR_RETURN(uint32_t unit, hex_digits(4));
    if (unit >= 0xD800 && unit <= 0xDBFF && peek() == '\\' && peek(1) == 'u') {
      size_t at = at_;
      at_ += 2;
      auto low = hex_digits(4);
      if (low.ok() && *low >= 0xDC00 && *low <= 0xDFFF)
        return 0x10000 + ((unit - 0xD800) << 10) + (*low - 0xDC00);
      at_ = at;
    }
    return unit;
  }

  // After a backslash; `in_class` changes \b (a backspace there).
  Result<CodeSet> escape(bool in_class) {
    ++at_;
    if (done()) return fail("ends with a lone backslash");
    uint32_t c = peek();
    ++at_;
    auto one = [](uint32_t cp) { return CodeSet(cp, cp); };
    switch (c) {
      case 'd':
        return digits();
      case 'D':
        return digits().complement();
      case 'w':
        return word_characters();
      case 'W':
        return word_characters().complement();
      case 's':
        return white_space();
      case 'S':
        return white_space().complement();
      case 't':
        return one('\t');
      case 'n':
        return one('\n');
      case 'v':
        return one('\v');
      case 'f':
        return one('\f');
      case 'r':
        return one('\r');
      case 'b':
        if (in_class) return one('\b');
        return fail("uses \\b (word boundary), which is not supported");
      case 'B':
        return fail("uses \\B (word boundary), which is not supported");
      case '0':
        if (peek() >= '0' && peek() <= '9') return fail("uses an octal escape, which is not supported");
        return one(0);
      case 'x': {
        GL_ASSIGN_OR_RETURN(uint32_t v, hex_digits(2));
        return one(v);
      }
      case 'u': {
        GL_ASSIGN_OR_RETURN(uint32_t v, unicode_escape());
        return one(v);
      }
      case 'c': {
        uint32_t letter = peek();
        if (!((letter >= 'a' && letter <= 'z') || (letter >= 'A' && letter <= 'Z')))
          return fail("has a bad \\c escape");
        ++at_;
        return one(letter % 32);
      }
      case 'p':
      case 'P':
        return fail("uses \\p (Unicode properties), which is not supported");
      case 'k':
        return fail("uses a named back reference, which is not supported");
      default:
        break;
    }
    if (c >= '1' && c <= '9') return fail("uses a back reference, which is not supported");
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return fail("has an unknown escape");
    return one(c);
  }

  // One member of a class: a set, and whether it is a single code point
  // (which may begin or end a range).
  Result<std::pair<CodeSet, bool>> class_atom() {
    if (peek() == '\\') {
      GL_ASSIGN_OR_RETURN(CodeSet set, escape(true));
      bool single = set.ranges().size() == 1 && set.ranges()[0].first == set.ranges()[0].second;
      return std::pair{std::move(set), single};
    }
    uint32_t c = peek();
    ++at_;
    return std::pair{CodeSet(c, c), true};
  }

  Result<Ast> klass() {
    ++at_;  // [
    bool negated = !done() && peek() == '^';
    if (negated) ++at_;
    CodeSet set;
    while (!done() && peek() != ']') {
      GL_ASSIGN_OR_RETURN(auto first, class_atom());
      if (peek() == '-' && peek(1) != ']' && at_ + 1 < text_.size()) {
        ++at_;
        GL_ASSIGN_OR_RETURN(auto last, class_atom());
        if (!first.second || !last.second) {
          set.add(first.first);  // annex B: a class escape next to '-' is no range
          set.add('-', '-');
          set.add(last.first);
          continue;
        }
        uint32_t from = first.first.ranges()[0].first, to = last.first.ranges()[0].first;
        if (from > to) return fail("has a class range out of order");
        set.add(from, to);
      } else {
        set.add(first.first);
      }
    }
    if (done()) return fail("has an unterminated character class");
    ++at_;  // ]
    Ast a{Ast::Kind::kSet};
    a.set = negated ? set.complement() : std::move(set);
    return a;
  }

  std::string_view pattern_;
  std::vector<uint32_t> text_;
  size_t at_ = 0;
  int depth_ = 0;
};

// Thompson's construction over bytes; ^ and $ are edges taken only at the
// start and at the end of the string.
struct Nfa {
  struct Edge {
    uint8_t low, high;
    uint32_t target;
  };
  struct State {
    std::vector<Edge> edges;
    std::vector<uint32_t> empty, at_start, at_end;
  };
  std::vector<State> states;

  uint32_t add() {
    states.emplace_back();
    return static_cast<uint32_t>(states.size() - 1);
  }
};

struct Fragment {
  uint32_t in, out;
};

class NfaBuilder {
 public:
  Result<Fragment> build(const Ast& ast) {
    if (nfa.states.size() > kMaxNfaStates) return make_error("the pattern is too complex");
    switch (ast.kind) {
      case Ast::Kind::kSet:
        return set(ast.set);
      case Ast::Kind::kStart:
      case Ast::Kind::kEnd: {
        Fragment f{nfa.add(), nfa.add()};
        auto& list = ast.kind == Ast::Kind::kStart ? nfa.states[f.in].at_start : nfa.states[f.in].at_end;
        list.push_back(f.out);
        return f;
      }
      case Ast::Kind::kConcat:
        return concat(ast.children);
      case Ast::Kind::kAlternate: {
        Fragment f{nfa.add(), nfa.add()};
        for (const auto& child : ast.children) {
          GL_ASSIGN_OR_RETURN(Fragment c, build(child));
          nfa.states[f.in].empty.push_back(c.in);
          nfa.states[c.out].empty.push_back(f.out);
        }
        return f;
      }
      case Ast::Kind::kRepeat:
        return repeat(ast);
    }
    return make_error("bad pattern");
  }

  Fragment set(const CodeSet& codes) {
    Fragment f{nfa.add(), nfa.add()};
    for (auto [first, last] : codes.ranges())
      for (const auto& sequence : utf8_byte_ranges(first, last)) {
        uint32_t at = f.in;
        for (size_t i = 0; i < sequence.size(); ++i) {
          uint32_t to = i + 1 == sequence.size() ? f.out : nfa.add();
          nfa.states[at].edges.push_back({sequence[i].low, sequence[i].high, to});
          at = to;
        }
      }
    return f;
  }

  Result<Fragment> concat(const std::vector<Ast>& items) {
    uint32_t in = nfa.add(), at = in;
    for (const auto& item : items) {
      GL_ASSIGN_OR_RETURN(Fragment f, build(item));
      nfa.states[at].empty.push_back(f.in);
      at = f.out;
    }
    return Fragment{in, at};
  }

  Result<Fragment> repeat(const Ast& ast) {
    uint32_t in = nfa.add(), at = in;
    for (uint32_t i = 0; i < ast.min; ++i) {
      GL_ASSIGN_OR_RETURN(Fragment f, build(ast.children[0]));
      nfa.states[at].empty.push_back(f.in);
      at = f.out;
    }
    if (ast.max == kInfinite) {
      GL_ASSIGN_OR_RETURN(Fragment f, build(ast.children[0]));
      nfa.states[at].empty.push_back(f.in);
      nfa.states[f.out].empty.push_back(at);
      return Fragment{in, at};
    }
    uint32_t out = nfa.add();
    for (uint32_t i = ast.min; i < ast.max; ++i) {
      GL_ASSIGN_OR_RETURN(Fragment f, build(ast.children[0]));
      nfa.states[at].empty.push_back(f.in);
      nfa.states[at].empty.push_back(out);
      at = f.out;
    }
    nfa.states[at].empty.push_back(out);
    return Fragment{in, out};
  }

  Nfa nfa;
};

// States reachable from a set by empty edges (and ^ / $ edges where
// allowed); the marks are reused between calls.
class Closure {
 public:
  explicit Closure(const Nfa& nfa) : nfa_(nfa), mark_(nfa.states.size(), 0) {}

  std::vector<uint32_t> operator()(std::vector<uint32_t> unvisited, bool at_start, bool at_end) {
    if (++stamp_ == 0) {  // the stamps wrapped: clear the marks once
      std::fill(mark_.begin(), mark_.end(), 0);
      stamp_ = 1;
    }
    std::vector<uint32_t> set;
    while (!unvisited.empty()) {
      uint32_t s = unvisited.back();
      unvisited.pop_back();
      if (mark_[s] == stamp_) continue;
      mark_[s] = stamp_;
      set.push_back(s);
      const auto& state = nfa_.states[s];
      unvisited.insert(unvisited.end(), state.empty.begin(), state.empty.end());
      if (at_start) unvisited.insert(unvisited.end(), state.at_start.begin(), state.at_start.end());
      if (at_end) unvisited.insert(unvisited.end(), state.at_end.begin(), state.at_end.end());
    }
    std::sort(set.begin(), set.end());
    return set;
  }

 private:
  const Nfa& nfa_;
  std::vector<uint32_t> mark_;
  uint32_t stamp_ = 0;
};

uint32_t cost_of(unsigned byte) {
  return (byte & 0xC0) == 0x80 ? 0 : 1;  // a continuation byte finishes a code point already counted
}

void split_utf8(uint32_t first, uint32_t last, std::vector<std::vector<Utf8ByteRange>>& out) {
  if (first > last) return;
  if (first <= 0xDFFF && last >= 0xD800) {
    if (first < 0xD800) split_utf8(first, 0xD7FF, out);
    if (last > 0xDFFF) split_utf8(0xE000, last, out);
    return;
  }
  for (uint32_t limit : {0x7Fu, 0x7FFu, 0xFFFFu})
    if (first <= limit && last > limit) {
      split_utf8(first, limit, out);
      split_utf8(limit + 1, last, out);
      return;
    }
  // Split until every byte position spans a whole range of its values.
  for (int i = 1; i < 4; ++i) {
    uint32_t mask = (1u << (6 * i)) - 1;
    if ((first & ~mask) == (last & ~mask)) continue;
    if ((first & mask) != 0) {
      split_utf8(first, first | mask, out);
      split_utf8((first | mask) + 1, last, out);
      return;
    }
    if ((last & mask) != mask) {
      split_utf8(first, (last & ~mask) - 1, out);
      split_utf8(last & ~mask, last, out);
      return;
    }
  }
  std::string a, b;
  core::append_utf8(a, static_cast<int32_t>(first));
  core::append_utf8(b, static_cast<int32_t>(last));
  std::vector<Utf8ByteRange> sequence;
  for (size_t k = 0; k < a.size(); ++k)
    sequence.push_back({static_cast<uint8_t>(a[k]), static_cast<uint8_t>(b[k])});
  out.push_back(std::move(sequence));
}

}  // namespace

std::vector<std::vector<Utf8ByteRange>> utf8_byte_ranges(uint32_t first, uint32_t last) {
  std::vector<std::vector<Utf8ByteRange>> out;
  split_utf8(first, std::min(last, kLastCodePoint), out);
  return out;
}

// Builds the automaton: parse, NFA, subset construction.
class PatternCompiler {
 public:
  static Result<PatternAutomaton> compile(std::string_view pattern) {
    GL_ASSIGN_OR_RETURN(Ast ast, PatternParser(pattern).parse());
    // Unanchored search: any code points, the pattern, any code points.
    Ast search{Ast::Kind::kConcat};
    Ast anything{Ast::Kind::kRepeat};
    anything.max = kInfinite;
    Ast any_code_point{Ast::Kind::kSet};
    any_code_point.set = CodeSet(0, kLastCodePoint);
    anything.children.push_back(std::move(any_code_point));
    search.children.push_back(anything);
    search.children.push_back(std::move(ast));
    search.children.push_back(anything);
    NfaBuilder builder;
    auto fragment = builder.build(search);
    if (!fragment.ok()) return make_error("pattern \"" + std::string(pattern) + "\" is too complex");
    auto automaton = determinize(builder.nfa, *fragment);
    if (!automaton.ok())
      return make_error("pattern \"" + std::string(pattern) + "\": " + automaton.message());
    return automaton;
  }

  static Result<PatternAutomaton> determinize(const Nfa& nfa, Fragment fragment) {
    PatternAutomaton out;
    Closure closure(nfa);
    std::map<std::pair<std::vector<uint32_t>, bool>, uint32_t> ids;
    std::vector<std::pair<std::vector<uint32_t>, bool>> sets;
    auto id_of = [&](std::vector<uint32_t> set, bool initial) -> Result<uint32_t> {
      auto key = std::pair{std::move(set), initial};
      if (auto it = ids.find(key); it != ids.end()) return it->second;
      if (sets.size() >= kMaxDfaStates)
        return make_error("more than " + std::to_string(kMaxDfaStates) + " automaton states");
      auto id = static_cast<uint32_t>(sets.size());
      ids.emplace(key, id);
      sets.push_back(std::move(key));
      return id;
    };
    GL_ASSIGN_OR_RETURN(out.start_, id_of(closure({fragment.in}, true, false), true));
    for (size_t d = 0; d < sets.size(); ++d) {
      auto [set, initial] = sets[d];
      auto ends = closure(set, initial, true);
      out.accepting_.push_back(std::binary_search(ends.begin(), ends.end(), fragment.out) ? 1 : 0);
      std::vector<std::vector<uint32_t>> by_byte(256);
      for (uint32_t s : set)
        for (const auto& e : nfa.states[s].edges)
          for (unsigned b = e.low; b <= e.high; ++b) by_byte[b].push_back(e.target);
      out.next_.resize(sets.size() * 256, PatternAutomaton::kDead);
      for (unsigned b = 0; b < 256; ++b) {
        if (by_byte[b].empty()) continue;
        GL_ASSIGN_OR_RETURN(uint32_t to, id_of(closure(std::move(by_byte[b]), false, false), false));
        out.next_[d * 256 + b] = to;
      }
    }
    out.next_.resize(sets.size() * 256, PatternAutomaton::kDead);
    out.finish();
    return out;
  }
};

Result<PatternAutomaton> PatternAutomaton::compile(std::string_view pattern) {
  return PatternCompiler::compile(pattern);
}

Result<PatternAutomaton> PatternAutomaton::intersect(const PatternAutomaton& a, const PatternAutomaton& b) {
  PatternAutomaton out;
  if (a.start_ == kDead || b.start_ == kDead) {
    out.next_.assign(256, kDead);
    out.accepting_.assign(1, 0);
    out.finish();
    return out;
  }
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> ids;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  auto id_of = [&](uint32_t x, uint32_t y) -> uint32_t {
    auto [it, fresh] = ids.emplace(std::pair{x, y}, static_cast<uint32_t>(pairs.size()));
    if (fresh) pairs.push_back({x, y});
    return it->second;
  };
  out.start_ = id_of(a.start_, b.start_);
  for (size_t p = 0; p < pairs.size(); ++p) {
    if (pairs.size() > kMaxDfaStates)
      return make_error("two patterns together need more than " + std::to_string(kMaxDfaStates) +
                        " automaton states");
    auto [x, y] = pairs[p];
    out.accepting_.push_back(a.accepting(x) && b.accepting(y) ? 1 : 0);
    out.next_.resize(pairs.size() * 256, kDead);
    for (unsigned byte = 0; byte < 256; ++byte) {
      uint32_t nx = a.next(x, static_cast<uint8_t>(byte)), ny = b.next(y, static_cast<uint8_t>(byte));
      if (nx != kDead && ny != kDead) out.next_[p * 256 + byte] = id_of(nx, ny);
    }
  }
  out.next_.resize(pairs.size() * 256, kDead);
  out.finish();
  return out;
}

void PatternAutomaton::finish() {
  const size_t n = accepting_.size();
  // Distinct (target, cost) moves of each state, and the reverse of them.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> moves(n), back(n);
  for (size_t s = 0; s < n; ++s) {
    for (unsigned b = 0; b < 256; ++b) {
      uint32_t t = next_[s * 256 + b];
      if (t == kDead) continue;
      std::pair move{t, cost_of(b)};
      if (std::find(moves[s].begin(), moves[s].end(), move) == moves[s].end()) moves[s].push_back(move);
    }
    for (auto [t, cost] : moves[s]) back[t].push_back({static_cast<uint32_t>(s), cost});
  }
  // Fewest code points to acceptance (0-1 breadth-first search backwards);
  // states that never reach it are dead.
  min_to_accept_.assign(n, kInfinite);
  std::deque<uint32_t> queue;
  for (size_t s = 0; s < n; ++s)
    if (accepting_[s]) min_to_accept_[s] = 0, queue.push_back(static_cast<uint32_t>(s));
  while (!queue.empty()) {
    uint32_t t = queue.front();
    queue.pop_front();
    for (auto [s, cost] : back[t])
      if (min_to_accept_[t] + cost < min_to_accept_[s]) {
        min_to_accept_[s] = min_to_accept_[t] + cost;
        cost ? queue.push_back(s) : queue.push_front(s);
      }
  }
  for (size_t s = 0; s < n; ++s)
    for (unsigned b = 0; b < 256; ++b) {
      uint32_t& t = next_[s * 256 + b];
      if (t != kDead && min_to_accept_[t] == kInfinite) t = kDead;
    }
  if (start_ != kDead && min_to_accept_[start_] == kInfinite) start_ = kDead;
  // Most code points: unbounded when a cycle is reachable among live states.
  max_to_accept_.assign(n, 0);
  std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the path, 2 done
  auto longest = [&](auto& self, uint32_t s) -> void {
    color[s] = 1;
    uint32_t best = 0;
    for (auto [t, cost] : moves[s]) {
      if (min_to_accept_[t] == kInfinite) continue;
      if (color[t] == 0) self(self, t);
      if (color[t] == 1 || max_to_accept_[t] == kInfinite) {
        best = kInfinite;
        break;
      }
      best = std::max(best, max_to_accept_[t] + cost);
    }
    max_to_accept_[s] = best;
    color[s] = 2;
  };
  for (size_t s = 0; s < n; ++s)
    if (color[s] == 0 && min_to_accept_[s] != kInfinite) longest(longest, static_cast<uint32_t>(s));
}

bool PatternAutomaton::can_accept_within(uint32_t state, uint64_t lo, uint64_t hi) const {
  if (state == kDead) return false;
  if (min_to_accept_[state] > hi) return false;
  return max_to_accept_[state] == kUnbounded || max_to_accept_[state] >= lo;
}

void PatternAutomaton::states_after_code_point(uint32_t state, uint32_t first, uint32_t last,
                                               std::vector<uint32_t>& out) const {
  if (state == kDead) return;
  for (const auto& sequence : utf8_byte_ranges(first, last)) {
    std::vector<uint32_t> at{state};
    for (const auto& range : sequence) {
      std::vector<uint32_t> next;
      for (uint32_t s : at)
        for (unsigned b = range.low; b <= range.high; ++b) {
          uint32_t t = this->next(s, static_cast<uint8_t>(b));
          if (t != kDead && std::find(next.begin(), next.end(), t) == next.end()) next.push_back(t);
        }
      at = std::move(next);
    }
    for (uint32_t s : at)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
}

}  // namespace groundline::llm
