#include "llm/json_matcher.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "core/utf8.h"

namespace groundline::llm {

using namespace json_schema;
using Frame = JsonMatcher::Frame;

namespace {

enum Kind : uint8_t {
  kDocumentFrame,
  kObjectFrame,
  kKeyFrame,
  kArrayFrame,
  kStringFrame,
  kNumberFrame,
  kWordFrame
};

// Phases. Document: before and after the value.
enum : uint8_t { kBefore, kAfter };
// Objects and arrays (arrays skip the key phases).
enum : uint8_t { kOpen, kAfterKey, kAfterColon, kAfterValue, kAfterComma };
// Numbers, by the last thing read.
enum : uint8_t { kNumberStart, kSign, kZero, kInt, kDot, kFrac, kExpMark, kExpSign, kExp };

// Flags. Keys:
constexpr uint8_t kMustBeRequired = 1;  // no room left for a key that is not required
constexpr uint8_t kUndeclared = 2;      // no declared name begins with the text
// Strings and numbers:
constexpr uint8_t kListed = 4;      // only the enum values of the shape
constexpr uint8_t kHasPattern = 8;  // strings
// Numbers:
constexpr uint8_t kNegative = 16;
constexpr uint8_t kNonzero = 32;  // a nonzero digit has been read
constexpr uint8_t kExpNegative = 64;
constexpr uint8_t kExpDigits = 128;

// Lexer states of Frame::Text::escape.
enum : uint8_t {
  kPlain,
  kBackslash,
  kHex0,
  kHex3 = kHex0 + 3,
  kPairBackslash,
  kPairU,
  kLow0,
  kLow3 = kLow0 + 3
};

constexpr uint32_t kAdditional = 0xFFFFFFFFu;
constexpr size_t kMaxReadings = 256;
constexpr int32_t kDigitCap = 1 << 30;
constexpr int32_t kExponentCap = 100000000;
const char* const kWords[] = {"null", "true", "false"};

Frame make_frame(uint8_t kind, uint32_t node) {
  Frame f;
  std::memset(static_cast<void*>(&f), 0, sizeof f);
  f.kind = kind;
  f.node = node;
  return f;
}

bool is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint64_t bits_between(uint32_t low, uint32_t high) {
  auto below = [](uint32_t n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; };
  return below(high) & ~below(low);
}

// Narrows [low, high), entries that agree before position `at`, to those
// whose byte at `at` is `c`; byte_at(i) is -1 where entry i has ended.
template <class ByteAt>
void narrow(uint32_t& low, uint32_t& high, int c, ByteAt byte_at) {
  auto first_where = [&](uint32_t from, uint32_t to, auto before) {
    while (from < to) {
      uint32_t mid = from + (to - from) / 2;
      if (before(byte_at(mid)))
        from = mid + 1;
      else
        to = mid;
    }
    return from;
  };
  uint32_t first = first_where(low, high, [&](int b) { return b < c; });
  high = first_where(first, high, [&](int b) { return b <= c; });
  low = first;
}

// The code point of `text` that begins at byte `at`, or -1 at its end.
int32_t code_point_at(const std::string& text, uint32_t at) {
  if (at >= text.size()) return -1;
  size_t pos = at;
  return core::decode_utf8(text, pos);
}

// ---- Strings: a lexer shared by keys and string values, feeding decoded
// UTF-8 bytes to a sink (the constraints) and asking it, inside escapes,
// whether some code point of a range could come next.

enum class Lex { kMore, kClosed, kDead };

template <class Sink>
bool feed_code_point(uint32_t cp, Sink& sink) {
  std::string bytes;
  core::append_utf8(bytes, static_cast<int32_t>(cp));
  for (size_t i = 0; i < bytes.size(); ++i)
    if (!sink.content(static_cast<uint8_t>(bytes[i]), i == 0)) return false;
  return true;
}

// After `digits` hex digits `value` of a \u escape: some code point left?
template <class Sink>
bool escape_can_continue(uint32_t value, int digits, Sink& sink) {
  uint32_t shift = 4 * static_cast<uint32_t>(4 - digits);
  uint32_t lo = value << shift, hi = ((value + 1) << shift) - 1;
  bool ok = false;
  auto clip = [&](uint32_t a, uint32_t b) {
    a = std::max(a, lo), b = std::min(b, hi);
    if (a <= b && !ok) ok = sink.can_take(a, b);
  };
  clip(0, 0xD7FF);
  clip(0xE000, 0xFFFF);
  uint32_t a = std::max(lo, 0xD800u), b = std::min(hi, 0xDBFFu);
  if (a <= b && !ok)
    ok = sink.can_take(0x10000 + ((a - 0xD800) << 10), 0x10000 + ((b - 0xD800) << 10) + 0x3FF);
  return ok;
}

// The same for the low half of a surrogate pair.
template <class Sink>
bool low_half_can_continue(uint32_t high, uint32_t value, int digits, Sink& sink) {
  uint32_t shift = 4 * static_cast<uint32_t>(4 - digits);
  uint32_t a = std::max(value << shift, 0xDC00u), b = std::min(((value + 1) << shift) - 1, 0xDFFFu);
  if (a > b) return false;
  uint32_t base = 0x10000 + ((high - 0xD800) << 10);
  return sink.can_take(base + (a - 0xDC00), base + (b - 0xDC00));
}

bool start_utf8(Frame::Text& t, uint8_t c) {
  t.utf8_low = 0x80, t.utf8_high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    t.utf8_left = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    t.utf8_left = 2;
    if (c == 0xE0) t.utf8_low = 0xA0;   // no overlong forms
    if (c == 0xED) t.utf8_high = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    t.utf8_left = 3;
    if (c == 0xF0) t.utf8_low = 0x90;
    if (c == 0xF4) t.utf8_high = 0x8F;  // nothing above U+10FFFF
  } else {
    return false;
  }
  return true;
}

int32_t simple_escape(uint8_t c) {
  switch (c) {
    case '"':
    case '\\':
    case '/':
      return c;
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return -1;
  }
}

template <class Sink>
Lex lex_plain(Frame::Text& t, uint8_t c, Sink& sink) {
  if (c == '"') return Lex::kClosed;
  if (c == '\\') {
    t.escape = kBackslash;
    return sink.can_take(0, 0x10FFFF) ? Lex::kMore : Lex::kDead;
  }
  if (c < 0x20) return Lex::kDead;
  if (c >= 0x80 && !start_utf8(t, c)) return Lex::kDead;
  return sink.content(c, true) ? Lex::kMore : Lex::kDead;
}

template <class Sink>
Lex lex_hex(Frame::Text& t, uint8_t c, Sink& sink) {
  int digit = hex_value(c);
  if (digit < 0) return Lex::kDead;
  t.hex = static_cast<uint16_t>(t.hex * 16 + digit);
  bool low_half = t.escape >= kLow0;
  int digits = t.escape - (low_half ? kLow0 : kHex0) + 1;
  if (digits < 4) {
    ++t.escape;
    bool ok = low_half ? low_half_can_continue(t.high_surrogate, t.hex, digits, sink)
                       : escape_can_continue(t.hex, digits, sink);
    return ok ? Lex::kMore : Lex::kDead;
  }
  uint32_t unit = t.hex;
  if (low_half) {
    if (unit < 0xDC00 || unit > 0xDFFF) return Lex::kDead;
    t.escape = kPlain;
    uint32_t cp = 0x10000 + ((uint32_t{t.high_surrogate} - 0xD800) << 10) + (unit - 0xDC00);
    return feed_code_point(cp, sink) ? Lex::kMore : Lex::kDead;
  }
  if (unit >= 0xDC00 && unit <= 0xDFFF) return Lex::kDead;  // a lone low half
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    t.high_surrogate = t.hex;
    t.escape = kPairBackslash;
    return Lex::kMore;  // escape_can_continue saw that some pair works
  }
  t.escape = kPlain;
  return feed_code_point(unit, sink) ? Lex::kMore : Lex::kDead;
}

template <class Sink>
Lex lex(Frame::Text& t, uint8_t c, Sink& sink) {
  if (t.utf8_left) {
    if (c < t.utf8_low || c > t.utf8_high) return Lex::kDead;
    --t.utf8_left;
    t.utf8_low = 0x80, t.utf8_high = 0xBF;
    return sink.content(c, false) ? Lex::kMore : Lex::kDead;
  }
  switch (t.escape) {
    case kPlain:
      return lex_plain(t, c, sink);
    case kBackslash: {
      if (c == 'u') {
        t.escape = kHex0, t.hex = 0;
        return Lex::kMore;  // lex_plain asked about every code point
      }
      int32_t cp = simple_escape(c);
      t.escape = kPlain;
      return cp >= 0 && feed_code_point(static_cast<uint32_t>(cp), sink) ? Lex::kMore : Lex::kDead;
    }
    case kPairBackslash:
      t.escape = kPairU;
      return c == '\\' ? Lex::kMore : Lex::kDead;
    case kPairU:
      t.escape = kLow0, t.hex = 0;
      return c == 'u' ? Lex::kMore : Lex::kDead;
    default:
      return lex_hex(t, c, sink);
  }
}

// The constraints of a string value.
struct StringSink {
  const JsonSchema& schema;
  const Shape& shape;
  Frame& frame;

  const std::vector<std::string>& listed() const { return schema.string_set(shape.strings); }

  bool content(uint8_t c, bool lead) {
    Frame::Text& t = frame.text;
    if (frame.flags & kListed) {
      const auto& set = listed();
      uint32_t at = t.matched++;
      narrow(t.low, t.high, c, [&](uint32_t i) { return at < set[i].size() ? uint8_t(set[i][at]) : -1; });
      return t.low < t.high;
    }
    if (lead && ++t.length > shape.max_length) return false;
    if (!(frame.flags & kHasPattern)) return true;
    const PatternAutomaton& p = schema.pattern(shape.pattern);
    t.pattern = p.next(t.pattern, c);
    return p.can_accept_within(t.pattern, shape.min_length > t.length ? shape.min_length - t.length : 0,
                               shape.max_length - t.length);
  }

  bool can_take(uint32_t first, uint32_t last) {
    const Frame::Text& t = frame.text;
    if (frame.flags & kListed) {
      const auto& set = listed();
      for (uint32_t i = t.low; i < t.high; ++i) {
        int32_t cp = code_point_at(set[i], t.matched);
        if (cp >= 0 && static_cast<uint32_t>(cp) >= first && static_cast<uint32_t>(cp) <= last) return true;
      }
      return false;
    }
    if (t.length >= shape.max_length) return false;
    if (!(frame.flags & kHasPattern)) return true;
    const PatternAutomaton& p = schema.pattern(shape.pattern);
    std::vector<uint32_t> states;
    p.states_after_code_point(t.pattern, first, last, states);
    uint32_t length = t.length + 1;
    for (uint32_t s : states)
      if (p.can_accept_within(s, shape.min_length > length ? shape.min_length - length : 0,
                              shape.max_length - length))
        return true;
    return false;
  }

  bool can_close() const {
    const Frame::Text& t = frame.text;
    if (frame.flags & kListed) return t.low < t.high && listed()[t.low].size() == t.matched;
    if (t.length < shape.min_length) return false;
    return !(frame.flags & kHasPattern) || schema.pattern(shape.pattern).accepting(t.pattern);
  }
};

// The constraints of an object's key: a declared property not yet written,
// or any other name where additionalProperties allows one.
struct KeySink {
  const JsonSchema& schema;
  const Shape& shape;
  Frame& key;
  const Frame::Object& object;

  bool others_allowed() const {
    return !(key.flags & kMustBeRequired) && schema.node(shape.additional).inhabited;
  }
  uint64_t declared_allowed() const {
    uint64_t free = shape.usable & ~object.seen;
    return key.flags & kMustBeRequired ? free & shape.required : free;
  }
  uint64_t candidates() const {
    return key.flags & kUndeclared ? 0 : bits_between(key.text.low, key.text.high) & declared_allowed();
  }

  bool content(uint8_t c, bool) {
    Frame::Text& t = key.text;
    uint32_t at = t.matched++;
    if (!(key.flags & kUndeclared)) {
      const auto& p = shape.properties;
      narrow(t.low, t.high, c,
             [&](uint32_t i) { return at < p[i].name.size() ? uint8_t(p[i].name[at]) : -1; });
      if (t.low >= t.high) key.flags |= kUndeclared;
    }
    return others_allowed() || candidates() != 0;
  }

  bool can_take(uint32_t first, uint32_t last) {
    if (others_allowed()) return true;
    uint64_t open = candidates();
    for (uint32_t i = key.text.low; open && i < key.text.high; ++i) {
      if (!((open >> i) & 1)) continue;
      int32_t cp = code_point_at(shape.properties[i].name, key.text.matched);
      if (cp >= 0 && static_cast<uint32_t>(cp) >= first && static_cast<uint32_t>(cp) <= last) return true;
    }
    return false;
  }

  // The property the whole key names (kAdditional for an undeclared
  // name), or -1 when it may not appear here.
  int64_t property() const {
    const Frame::Text& t = key.text;
    bool exact =
        !(key.flags & kUndeclared) && t.low < t.high && shape.properties[t.low].name.size() == t.matched;
    if (exact) return (declared_allowed() >> t.low) & 1 ? int64_t{t.low} : -1;
    return others_allowed() ? int64_t{kAdditional} : -1;
  }
};

// ---- Numbers.

constexpr int64_t kFar = int64_t{1} << 40;  // beyond any exponent a number can reach
constexpr int32_t kPortableDigits = 18;     // integers below 10^18 fit 64 bits
constexpr int64_t kPortableExponent = 300;  // other numbers stay within a double's range

int64_t point_of(const Frame::Number& n) {
  return n.int_significant > 0 ? n.int_significant : -int64_t{n.leading_zeros};
}

// The value is 0.digits x 10^exponent_of.
int64_t exponent_of(const Frame& f) {
  const Frame::Number& n = f.number;
  return point_of(n) + (f.flags & kExpNegative ? -int64_t{n.exponent} : int64_t{n.exponent});
}

bool integral(const Frame& f) {
  return !(f.flags & kNonzero) || exponent_of(f) >= f.number.last_nonzero;
}

// Written with a point or an exponent.
bool decorated(const Frame& f) {
  return f.phase >= kDot;
}

// Whether the exponent being written can end as some X in [lo, hi].
bool exponent_within(const Frame& f, int64_t lo, int64_t hi) {
  if (lo > hi) return false;
  if (f.phase == kExpMark) return true;  // any sign and digits to come
  bool negative = f.flags & kExpNegative;
  int64_t low = std::max<int64_t>(negative ? -hi : lo, 0), high = negative ? -lo : hi;
  if (low > high) return false;
  int64_t typed = f.number.exponent;
  if (typed == 0) return true;  // leading zeros are allowed, so any magnitude
  // Magnitudes that begin with the typed digits: typed * scale + r, r < scale.
  for (int64_t scale = 1; scale <= kFar && typed <= high / scale; scale *= 10)
    if (typed * scale + scale - 1 >= low) return true;
  return false;
}

// Whether `d` can still be what is being written, when portable numbers
// want integral values as plain digits below 10^18 and others with a
// decimal exponent within +-300.
bool portable_candidate(const JsonSchema& schema, const Frame& f, const Decimal& d) {
  if (!schema.portable_numbers()) return true;
  if (!d.integral()) return d.exponent >= -kPortableExponent && d.exponent <= kPortableExponent;
  if (decorated(f)) return false;
  if (d.digits.empty()) return true;
  return d.exponent <= kPortableDigits && f.phase != kZero && f.number.significant <= d.exponent;
}

bool bounded(const Shape& s) {
  return s.min_integer != -kIntegerLimit || s.max_integer != kIntegerLimit;
}

int64_t signed_value(const Frame& f) {
  return f.flags & kNegative ? -f.number.value : f.number.value;
}

// The number read so far is a whole allowed value.
bool number_ends(const JsonSchema& schema, const Frame& f) {
  if (f.phase != kZero && f.phase != kInt && f.phase != kFrac && f.phase != kExp) return false;
  const Shape& s = schema.node(f.node).shape;
  bool whole = integral(f);
  int64_t e = exponent_of(f);
  if (!(s.types & (whole ? kInteger : kFraction))) return false;
  if (schema.portable_numbers()) {
    bool portable = whole ? !decorated(f) && f.number.int_significant <= kPortableDigits
                          : e >= -kPortableExponent && e <= kPortableExponent;
    if (!portable) return false;
    if (whole && bounded(s) && (signed_value(f) < s.min_integer || signed_value(f) > s.max_integer))
      return false;
  }
  if (!(f.flags & kListed)) return true;
  const auto& set = schema.number_set(s.numbers);
  if (!(f.flags & kNonzero)) return !set.empty() && set[0].digits.empty();
  bool negative = f.flags & kNegative;
  for (uint32_t i = f.number.low; i < f.number.high; ++i)
    if (set[i].digits.size() <= static_cast<size_t>(f.number.significant) && set[i].exponent == e &&
        set[i].negative == negative)
      return true;
  return false;
}

// Whether the plain integer begun so far can still end within the bounds:
// its digits followed by k more, for some k, up to 18 digits in all.
bool integer_bounds_possible(const Shape& s, const Frame& f) {
  bool negative = f.flags & kNegative;
  auto overlaps = [&](int64_t first, int64_t last) {  // magnitudes
    int64_t lo = negative ? -last : first, hi = negative ? -first : last;
    return lo <= s.max_integer && hi >= s.min_integer;
  };
  if (f.phase == kZero) return overlaps(0, 0);
  if (f.phase == kSign) return overlaps(0, kIntegerLimit);
  int64_t value = f.number.value, scale = 1;
  for (int32_t digits = f.number.int_significant; digits <= kPortableDigits; ++digits, scale *= 10) {
    if (overlaps(value, value + (scale - 1))) return true;
    if (value > kIntegerLimit / 10) break;
    value *= 10;
  }
  return false;
}

bool listed_number_possible(const JsonSchema& schema, const Frame& f) {
  const auto& set = schema.number_set(schema.node(f.node).shape.numbers);
  bool negative = f.flags & kNegative, nonzero = f.flags & kNonzero;
  if (set.empty()) return false;
  if (f.phase < kExpMark) {  // more digits and any exponent may follow
    for (uint32_t i = nonzero ? f.number.low : 0; i < (nonzero ? f.number.high : set.size()); ++i)
      if ((set[i].negative == negative || set[i].digits.empty()) && portable_candidate(schema, f, set[i]))
        return true;
    return false;
  }
  if (!nonzero) return set[0].digits.empty() && portable_candidate(schema, f, set[0]);
  for (uint32_t i = f.number.low; i < f.number.high; ++i) {
    const Decimal& d = set[i];
    int64_t needed = d.exponent - point_of(f.number);
    if (d.digits.size() <= static_cast<size_t>(f.number.significant) && d.negative == negative &&
        portable_candidate(schema, f, d) && exponent_within(f, needed, needed))
      return true;
  }
  return false;
}

// Whether the number so far can still become a value the shape allows.
bool number_possible(const JsonSchema& schema, const Frame& f) {
  if (f.flags & kListed) return listed_number_possible(schema, f);
  const Shape& s = schema.node(f.node).shape;
  bool portable = schema.portable_numbers();
  bool wants_integer = s.types & kInteger, wants_fraction = s.types & kFraction;
  if (portable) wants_integer = wants_integer && !decorated(f) && f.number.int_significant <= kPortableDigits;
  if (!wants_integer && !wants_fraction) return false;
  if (portable && bounded(s)) return wants_integer && integer_bounds_possible(s, f);  // bounds: integers only
  if (f.phase < kExpMark) return true;              // more digits and any exponent to come
  if (!(f.flags & kNonzero)) return wants_integer;  // zero, whatever the exponent
  int64_t point = point_of(f.number), last = f.number.last_nonzero;
  if (wants_integer && exponent_within(f, last - point, kFar)) return true;
  int64_t lo = portable ? -kPortableExponent - point : -kFar,
          hi = portable ? kPortableExponent - point : kFar;
  return wants_fraction && exponent_within(f, lo, std::min(hi, last - point - 1));
}

void significant_digit(const JsonSchema& schema, Frame& f, int digit) {
  Frame::Number& n = f.number;
  f.flags |= kNonzero;
  if (f.flags & kListed) {
    const auto& set = schema.number_set(schema.node(f.node).shape.numbers);
    uint32_t at = static_cast<uint32_t>(n.significant);
    narrow(n.low, n.high, '0' + digit,
           [&](uint32_t i) { return at < set[i].digits.size() ? set[i].digits[at] : '0'; });
  }
  n.significant = std::min(n.significant + 1, kDigitCap);
  if (digit != 0) n.last_nonzero = n.significant;
  if (f.phase <= kInt && n.value <= kIntegerLimit / 10) n.value = n.value * 10 + digit;  // the integer part
}

// ---- One reading's stack: feeds a byte to the innermost open value.

enum class Step { kOk, kDead, kFork, kNumberEnded };

class Walker {
 public:
  Walker(const JsonSchema& schema, std::vector<Frame>& frames) : schema_(schema), frames_(frames) {}

  // kFork: the value of union node fork_node() begins with `c`; each of
  // its shapes is to be tried with begin_shape on a copy of the stack.
  Step step(uint8_t c) {
    for (;;) {
      Step s = step_top(c);
      if (s != Step::kNumberEnded) return s;
      frames_.pop_back();  // a number ends at the first byte that is not part of it
    }
  }
  uint32_t fork_node() const { return fork_node_; }

  bool begin_shape(uint32_t id, uint8_t c) {
    const Shape& s = schema_.node(id).shape;
    switch (c) {
      case '{':
        return open(s.types & kObject, kObjectFrame, id);
      case '[':
        return open(s.types & kArray, kArrayFrame, id);
      case '"':
        return open_string(s, id);
      case 't':
      case 'f':
      case 'n':
        return open_word(s, id, c);
      default:
        break;
    }
    if (c != '-' && !(c >= '0' && c <= '9')) return false;
    if (!(s.types & kNumber)) return false;
    Frame f = make_frame(kNumberFrame, id);
    if (s.numbers >= 0) {
      f.flags |= kListed;
      f.number.high = static_cast<uint32_t>(schema_.number_set(s.numbers).size());
    }
    frames_.push_back(f);
    return step_top(c) == Step::kOk;
  }

 private:
  Frame& top() { return frames_.back(); }
  const Shape& shape_of(const Frame& f) const { return schema_.node(f.node).shape; }

  Step step_top(uint8_t c) {
    switch (top().kind) {
      case kDocumentFrame:
        return document(c);
      case kObjectFrame:
        return object(c);
      case kKeyFrame:
        return key(c);
      case kArrayFrame:
        return array(c);
      case kStringFrame:
        return string(c);
      case kNumberFrame:
        return number(c);
      default:
        return word(c);
    }
  }

  Step space(Frame& f) {
    if (f.whitespace >= schema_.max_whitespace()) return Step::kDead;
    ++f.whitespace;
    return Step::kOk;
  }

  void enter(Frame& f, uint8_t phase) {
    f.phase = phase;
    f.whitespace = 0;
  }

  bool open(bool allowed, uint8_t kind, uint32_t id) {
    if (allowed) frames_.push_back(make_frame(kind, id));
    return allowed;
  }

  bool open_string(const Shape& s, uint32_t id) {
    if (!(s.types & kString)) return false;
    Frame f = make_frame(kStringFrame, id);
    if (s.strings >= 0) {
      f.flags |= kListed;
      f.text.high = static_cast<uint32_t>(schema_.string_set(s.strings).size());
    } else if (s.pattern >= 0) {
      f.flags |= kHasPattern;
      f.text.pattern = schema_.pattern(s.pattern).start();
    }
    frames_.push_back(f);
    return true;
  }

  bool open_word(const Shape& s, uint32_t id, uint8_t c) {
    uint8_t word = c == 'n' ? 0 : c == 't' ? 1 : 2;
    static constexpr uint8_t kBits[] = {kNull, kTrue, kFalse};
    if (!(s.types & kBits[word])) return false;
    Frame f = make_frame(kWordFrame, id);
    f.word.word = word;
    f.word.at = 1;
    frames_.push_back(f);
    return true;
  }

  // The first byte of a value of `node`.
  Step begin_value(uint32_t node, uint8_t c) {
    const Node& n = schema_.node(node);
    if (!n.is_union) return begin_shape(node, c) ? Step::kOk : Step::kDead;
    uint32_t only = 0, starts = 0;
    for (uint32_t alt : n.alternatives)
      if (could_start(schema_.node(alt).shape, c)) only = alt, ++starts;
    if (starts == 0) return Step::kDead;
    if (starts == 1) return begin_shape(only, c) ? Step::kOk : Step::kDead;
    fork_node_ = node;
    return Step::kFork;
  }

  static bool could_start(const Shape& s, uint8_t c) {
    switch (c) {
      case '{':
        return s.types & kObject;
      case '[':
        return s.types & kArray;
      case '"':
        return s.types & kString;
      case 't':
        return s.types & kTrue;
      case 'f':
        return s.types & kFalse;
      case 'n':
        return s.types & kNull;
      default:
        return (c == '-' || (c >= '0' && c <= '9')) && (s.types & kNumber);
    }
  }

  Step document(uint8_t c) {
    Frame& f = top();
    if (is_space(c)) return space(f);
    if (f.phase == kAfter) return Step::kDead;
    enter(f, kAfter);
    return begin_value(schema_.root(), c);
  }

  // ---- Objects.

  bool must_be_required(const Frame& f, const Shape& s) const {
    uint64_t missing = s.required & ~f.object.seen;
    return uint64_t{f.object.count} + static_cast<uint64_t>(std::popcount(missing)) >= s.max_properties;
  }

  bool key_possible(const Frame& f, const Shape& s) const {
    if (f.object.count >= s.max_properties) return false;
    uint64_t free = s.usable & ~f.object.seen;
    if (must_be_required(f, s)) return (free & s.required) != 0;
    return free != 0 || schema_.node(s.additional).inhabited;
  }

  Step start_key(Frame& f, const Shape& s) {
    if (!key_possible(f, s)) return Step::kDead;
    Frame k = make_frame(kKeyFrame, f.node);
    if (must_be_required(f, s)) k.flags |= kMustBeRequired;
    k.text.high = static_cast<uint32_t>(s.properties.size());
    enter(f, kAfterKey);
    frames_.push_back(k);
    return Step::kOk;
  }

  Step close_object(const Frame& f, const Shape& s) {
    if ((s.required & ~f.object.seen) != 0 || f.object.count < s.min_properties) return Step::kDead;
    frames_.pop_back();
    return Step::kOk;
  }

  Step object(uint8_t c) {
    Frame& f = top();
    const Shape& s = shape_of(f);
    if (is_space(c)) return space(f);
    switch (f.phase) {
      case kOpen:
        if (c == '}') return close_object(f, s);
        return c == '"' ? start_key(f, s) : Step::kDead;
      case kAfterKey:
        if (c != ':') return Step::kDead;
        enter(f, kAfterColon);
        return Step::kOk;
      case kAfterColon: {
        enter(f, kAfterValue);
        uint32_t current = f.object.current;
        return begin_value(current == kAdditional ? s.additional : s.properties[current].node, c);
      }
      case kAfterValue:
        if (c == '}') return close_object(f, s);
        if (c != ',' || !key_possible(f, s)) return Step::kDead;
        enter(f, kAfterComma);
        return Step::kOk;
      default:
        return c == '"' ? start_key(f, s) : Step::kDead;
    }
  }

  Step key(uint8_t c) {
    Frame& k = top();
    Frame& parent = frames_[frames_.size() - 2];
    const Shape& s = shape_of(parent);
    KeySink sink{schema_, s, k, parent.object};
    Lex r = lex(k.text, c, sink);
    if (r != Lex::kClosed) return r == Lex::kMore ? Step::kOk : Step::kDead;
    int64_t property = sink.property();
    if (property < 0) return Step::kDead;
    parent.object.current = static_cast<uint32_t>(property);
    if (property != kAdditional) parent.object.seen |= uint64_t{1} << property;
    ++parent.object.count;
    frames_.pop_back();
    return Step::kOk;
  }

  // ---- Arrays.

  bool item_possible(const Frame& f, const Shape& s) const {
    return f.array.count < s.max_items && schema_.node(s.item(f.array.count)).inhabited;
  }

  Step array(uint8_t c) {
    Frame& f = top();
    const Shape& s = shape_of(f);
    if (is_space(c)) return space(f);
    if (f.phase == kAfterValue) {
      if (c == ']') return close_array(f, s);
      if (c != ',' || !item_possible(f, s)) return Step::kDead;
      enter(f, kAfterComma);
      return Step::kOk;
    }
    if (f.phase == kOpen && c == ']') return close_array(f, s);
    if (!item_possible(f, s)) return Step::kDead;
    enter(f, kAfterValue);
    uint32_t item = s.item(f.array.count++);
    return begin_value(item, c);
  }

  Step close_array(const Frame& f, const Shape& s) {
    if (f.array.count < s.min_items) return Step::kDead;
    frames_.pop_back();
    return Step::kOk;
  }

  // ---- Scalars.

  Step string(uint8_t c) {
    Frame& f = top();
    StringSink sink{schema_, shape_of(f), f};
    Lex r = lex(f.text, c, sink);
    if (r != Lex::kClosed) return r == Lex::kMore ? Step::kOk : Step::kDead;
    if (!sink.can_close()) return Step::kDead;
    frames_.pop_back();
    return Step::kOk;
  }

  Step word(uint8_t c) {
    Frame& f = top();
    std::string_view w = kWords[f.word.word];
    if (c != static_cast<uint8_t>(w[f.word.at])) return Step::kDead;
    if (++f.word.at == w.size()) frames_.pop_back();
    return Step::kOk;
  }

  Step number(uint8_t c) {
    Frame& f = top();
    bool digit = c >= '0' && c <= '9';
    switch (f.phase) {
      case kNumberStart:
        if (c == '-') {
          f.flags |= kNegative;
          f.phase = kSign;
          break;
        }
        [[fallthrough]];
      case kSign:
        if (!digit) return Step::kDead;
        if (c == '0') {
          f.phase = kZero;
        } else {
          significant_digit(schema_, f, c - '0');
          f.number.int_significant = f.number.significant;
          f.phase = kInt;
        }
        break;
      case kInt:
        if (digit) {
          significant_digit(schema_, f, c - '0');
          f.number.int_significant = f.number.significant;
          break;
        }
        [[fallthrough]];
      case kZero:
        if (c == '.') {
          f.phase = kDot;
          break;
        }
        [[fallthrough]];
      case kFrac:
        if (f.phase == kFrac && digit) {
          fraction_digit(f, c - '0');
          break;
        }
        if (c == 'e' || c == 'E') {
          f.phase = kExpMark;
          break;
        }
        return number_ends(schema_, f) ? Step::kNumberEnded : Step::kDead;
      case kDot:
        if (!digit) return Step::kDead;
        fraction_digit(f, c - '0');
        f.phase = kFrac;
        break;
      default:
        return exponent(f, c);
    }
    return number_possible(schema_, f) ? Step::kOk : Step::kDead;
  }

  void fraction_digit(Frame& f, int digit) {
    if (!(f.flags & kNonzero) && digit == 0) {
      f.number.leading_zeros = std::min(f.number.leading_zeros + 1, kDigitCap);
      return;
    }
    significant_digit(schema_, f, digit);
  }

  Step exponent(Frame& f, uint8_t c) {
    bool digit = c >= '0' && c <= '9';
    if (f.phase == kExpMark && (c == '+' || c == '-')) {
      if (c == '-') f.flags |= kExpNegative;
      f.phase = kExpSign;
    } else if (digit) {
      f.number.exponent = std::min(f.number.exponent * 10 + (c - '0'), kExponentCap);
      f.flags |= kExpDigits;
      f.phase = kExp;
    } else if (f.phase == kExp) {
      return number_ends(schema_, f) ? Step::kNumberEnded : Step::kDead;
    } else {
      return Step::kDead;
    }
    return number_possible(schema_, f) ? Step::kOk : Step::kDead;
  }

  const JsonSchema& schema_;
  std::vector<Frame>& frames_;  // this reading's stack is the tail
  uint32_t fork_node_ = 0;
};

}  // namespace

JsonMatcher::JsonMatcher(const JsonSchema& schema) : schema_(&schema) {
  frames_.push_back(make_frame(kDocumentFrame, schema.root()));
  ends_.push_back(1);
  if (!schema.node(schema.root()).inhabited) frames_.clear(), ends_.clear();
}

bool JsonMatcher::advance(uint8_t byte) {
  if (ends_.size() != 1) return advance_all(byte);
  Walker walker(*schema_, frames_);
  switch (walker.step(byte)) {
    case Step::kOk:
      ends_[0] = static_cast<uint32_t>(frames_.size());
      return true;
    case Step::kFork: {
      std::vector<Frame> reading = std::move(frames_);
      frames_.clear();
      ends_.clear();
      for (uint32_t alt : schema_->node(walker.fork_node()).alternatives) {
        frames_.insert(frames_.end(), reading.begin(), reading.end());
        if (Walker(*schema_, frames_).begin_shape(alt, byte))
          ends_.push_back(static_cast<uint32_t>(frames_.size()));
        else
          frames_.resize(ends_.empty() ? 0 : ends_.back());
      }
      merge_duplicates();
      return !ends_.empty();
    }
    default:
      frames_.clear();
      ends_.clear();
      return false;
  }
}

bool JsonMatcher::advance_all(uint8_t byte) {
  if (ends_.empty()) return false;
  std::vector<Frame> out;
  std::vector<uint32_t> out_ends;
  out.reserve(frames_.size() + 8);
  auto keep = [&] { out_ends.push_back(static_cast<uint32_t>(out.size())); };
  auto drop = [&] { out.resize(out_ends.empty() ? 0 : out_ends.back()); };
  for (size_t i = 0, begin = 0; i < ends_.size(); begin = ends_[i++]) {
    out.insert(out.end(), frames_.begin() + static_cast<long>(begin), frames_.begin() + ends_[i]);
    Walker walker(*schema_, out);
    Step s = walker.step(byte);
    if (s == Step::kOk) {
      keep();
      continue;
    }
    if (s == Step::kDead) {
      drop();
      continue;
    }
    std::vector<Frame> reading(out.begin() + (out_ends.empty() ? 0 : out_ends.back()), out.end());
    drop();
    for (uint32_t alt : schema_->node(walker.fork_node()).alternatives) {
      out.insert(out.end(), reading.begin(), reading.end());
      if (Walker(*schema_, out).begin_shape(alt, byte))
        keep();
      else
        drop();
    }
  }
  frames_ = std::move(out);
  ends_ = std::move(out_ends);
  merge_duplicates();
  return !ends_.empty();
}

void JsonMatcher::merge_duplicates() {
  if (ends_.size() < 2) return;
  std::vector<Frame> out;
  std::vector<uint32_t> out_ends;
  auto same = [&](size_t a_begin, size_t a_end, size_t b_begin, size_t b_end) {
    return a_end - a_begin == b_end - b_begin &&
           std::memcmp(static_cast<const void*>(&frames_[a_begin]),
                       static_cast<const void*>(&frames_[b_begin]), (a_end - a_begin) * sizeof(Frame)) == 0;
  };
  for (size_t i = 0; i < ends_.size(); ++i) {
    size_t begin = i ? ends_[i - 1] : 0, end = ends_[i];
    bool repeated = false;
    for (size_t j = 0; j < i && !repeated; ++j) repeated = same(j ? ends_[j - 1] : 0, ends_[j], begin, end);
    if (repeated) continue;
    out.insert(out.end(), frames_.begin() + static_cast<long>(begin),
               frames_.begin() + static_cast<long>(end));
    out_ends.push_back(static_cast<uint32_t>(out.size()));
    if (out_ends.size() == kMaxReadings) break;  // the rest are dropped
  }
  frames_ = std::move(out);
  ends_ = std::move(out_ends);
}

bool JsonMatcher::advance(std::string_view bytes) {
  for (char c : bytes)
    if (!advance(static_cast<uint8_t>(c))) return false;
  return true;
}

bool JsonMatcher::complete() const {
  for (size_t i = 0, begin = 0; i < ends_.size(); begin = ends_[i++]) {
    const Frame& top = frames_[ends_[i] - 1];
    if (top.kind == kDocumentFrame && top.phase == kAfter) return true;
    if (top.kind == kNumberFrame && ends_[i] - begin == 2 && number_ends(*schema_, top)) return true;
  }
  return false;
}

bool JsonMatcher::finished() const {
  if (ends_.empty()) return false;
  for (size_t i = 0, begin = 0; i < ends_.size(); begin = ends_[i++]) {
    const Frame& top = frames_[ends_[i] - 1];
    if (ends_[i] - begin != 1 || top.phase != kAfter) return false;
  }
  return true;
}

int64_t JsonMatcher::free_text_room() const {
  if (ends_.size() != 1) return -1;
  const Frame& top = frames_.back();
  if (top.kind != kStringFrame || (top.flags & (kListed | kHasPattern)) || top.text.escape != kPlain ||
      top.text.utf8_left != 0)
    return -1;
  return int64_t{schema_->node(top.node).shape.max_length} - top.text.length;
}

}  // namespace groundline::llm
