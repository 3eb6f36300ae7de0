// Checks text against a compiled JSON Schema one byte at a time, as a
// model writes it: a pushdown automaton whose stack frames are the open
// values (document, object, key, array, string, number, literal word),
// each pointing at its node of the schema graph (json_schema.h).
//
// anyOf and enum may leave several readings open at once (a string that
// begins two enum values, two object shapes that agree so far); the state
// is then one stack per reading ("thread"), and a reading that a byte
// contradicts is dropped. Identical readings are merged. There is usually
// one, a few frames deep, so a copy is a couple of small vectors. Past 256
// open readings (overlapping anyOf branches nested deep) the later ones
// are dropped: what is accepted can still be completed, but a valid text
// that needed a dropped reading is refused.
//
// The promise constrained decoding relies on: advance() accepts a byte only
// if the text so far can still be completed to a valid instance (a string
// under maxLength, a required property not yet written, an integer that has
// written "1.5e-" ... are all refused at the byte that would make the
// instance impossible). So a generator that only takes accepted bytes can
// always finish, and complete() says when it may.
//
// A matcher borrows its schema, which must outlive it. A matcher is a value:
// copy it to try bytes without losing the state. Not thread-safe; copies are
// independent.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "llm/json_schema.h"

namespace groundline::llm {

class JsonMatcher {
 public:
  explicit JsonMatcher(const JsonSchema& schema);

  // Feeds one byte. False when no valid instance begins with the text so
  // far plus this byte; the matcher is then dead (every later call fails),
  // so copy it first to try alternatives.
  bool advance(uint8_t byte);
  // All bytes in turn; false (dead) at the first refused.
  bool advance(std::string_view bytes);

  // The text so far is a whole valid instance (trailing whitespace allowed).
  bool complete() const;
  // Complete, and nothing but whitespace may follow (an object or array
  // has closed; a top-level number could still grow, so it is not
  // finished).
  bool finished() const;
  bool dead() const { return ends_.empty(); }

  // Inside a string with no pattern or enum, between characters: how many
  // more code points it may take (json_schema::kUnbounded less the length
  // without maxLength). Any text without a quote, backslash or control
  // character is then accepted up to that length. -1 anywhere else.
  int64_t free_text_room() const;

  // How many readings are open (1 unless anyOf or enum leave a choice).
  size_t readings() const { return ends_.size(); }

  // One open value: plain bytes, compared as such to merge readings (frames are
  // zero-filled when made). The kinds and phases are in json_matcher.cc.
  struct Frame {
    struct Text {                   // strings and keys
      uint32_t length;              // code points so far
      uint32_t pattern;             // automaton state
      uint32_t low, high;           // candidates (enum strings, property names) that begin with the text
      uint32_t matched;             // bytes of the decoded text
      uint16_t hex;                 // \u digits so far
      uint16_t high_surrogate;      // of a pair whose low half is due
      uint8_t escape;               // lexer state
      uint8_t utf8_left;            // continuation bytes still due
      uint8_t utf8_low, utf8_high;  // range of the next one
    };
    struct Object {
      uint64_t seen;     // declared properties written
      uint32_t count;    // keys written
      uint32_t current;  // property of the key just read
    };
    struct Array {
      uint32_t count;  // items begun
    };
    struct Number {
      int64_t value;            // magnitude of the integer part while it has at most 18 digits
      int32_t significant;      // digits from the first nonzero one
      int32_t last_nonzero;     // significant digits up to the last nonzero one
      int32_t int_significant;  // significant digits before the point
      int32_t leading_zeros;    // zeros after "0." before the first nonzero digit
      int32_t exponent;         // digits after e, as a magnitude
      uint32_t low, high;       // candidates (enum numbers) that begin with the digits
    };
    struct Word {
      uint8_t word, at;  // null/true/false, letters matched
    };

    uint32_t node;
    uint8_t kind, phase, whitespace, flags;
    union {
      Text text;
      Object object;
      Array array;
      Number number;
      Word word;
    };
  };

 private:
  bool advance_all(uint8_t byte);
  void merge_duplicates();

  const JsonSchema* schema_;
  std::vector<Frame> frames_;   // the readings' stacks, one after another
  std::vector<uint32_t> ends_;  // where each reading ends in frames_
};

}  // namespace groundline::llm
