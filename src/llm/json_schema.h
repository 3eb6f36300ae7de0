// A JSON Schema compiled for constrained decoding: a graph of nodes that
// JsonMatcher (json_matcher.h) walks byte by byte, so that a model's output
// can be forced to be a valid instance.
//
// A node is a union ("any of these shapes") or a shape: the JSON types it
// allows and, per type, the constraints on values of that type. Keywords
// become shapes; allOf and $ref siblings intersect shapes (distributing
// over unions); anyOf is a union; enum and const are unions of exact
// shapes (their strings and numbers kept as sorted lists). After building,
// every node knows whether some finite value matches it, so the matcher
// never starts a value, property or item that cannot be finished.
//
// Supported keywords: type, enum, const, properties, required,
// additionalProperties, minProperties, maxProperties, items (a schema, or
// an array with additionalItems), prefixItems (2020-12), minItems,
// maxItems, minLength, maxLength, pattern (json_pattern.h), allOf, anyOf,
// oneOf (only when no value can match two branches: branches of different
// types, disjoint enum/const values, or objects whose shared required
// property has disjoint values), $ref to "#" or "#/..." (recursion
// allowed, but not through allOf or $ref siblings), definitions and $defs;
// minimum, maximum, exclusiveMinimum and exclusiveMaximum only beside
// "type": "integer" and with portable_numbers (integers as plain digits,
// whose bounds the matcher can keep exactly).
// Ignored, as they do not constrain: title, description, examples,
// default, $schema, $comment, format, readOnly, writeOnly, deprecated,
// contentMediaType, contentEncoding, $anchor, $vocabulary, $id at the root,
// and keywords JSON Schema does not define; uniqueItems false. Anything
// else that constrains (multipleOf, uniqueItems, contains, not, if,
// patternProperties, propertyNames, dependencies, ...) makes compile()
// fail with `<JSON pointer>: unsupported keyword "<name>"`. Limits that
// fail the same way: more than 64 named properties in one object, schemas
// nested deeper than 64, oneOf branches that may overlap, remote $ref.
//
// Semantics that differ from a full validator, by design:
// - Numbers are compared as exact decimals (enum [0.1] accepts 0.1 and
//   1e-1, not 0.10000000000000001); integers are numbers with no fraction
//   (1.0 is an integer, as in draft 6 and later, unless portable_numbers).
// - Duplicate keys: a declared property may appear once; undeclared keys
//   (additionalProperties) are not remembered, so one may repeat. Each of
//   its values matches additionalProperties, so whichever one a parser
//   keeps, the document is valid.
// - Whitespace: at most `max_whitespace` bytes in a row wherever JSON
//   allows whitespace (before and after the document, around : and , and
//   inside brackets), so a model cannot spin on spaces or blank lines.
//   The default, 2, allows `{"a": 1, "b": [1, 2]}` and a line break but
//   not indentation; 0 forces compact JSON; pretty-printing needs about
//   1 + 2 x depth.
//
// A compiled schema is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "llm/json_pattern.h"

namespace groundline::llm {

struct JsonSchemaOptions {
  enum class Draft { kAuto, k4, k6, k7, k2019, k2020 };
  Draft draft = Draft::kAuto;  // kAuto: from "$schema", else draft 7
  int max_whitespace = 2;      // bytes in a row, 0..255
  // Numbers every consumer reads back as what they are, for generation:
  // integral values only as plain digits below 10^18 (1.0, 1e2 and 15e-1
  // are refused, as parsers that tell integers by their spelling would
  // read them as floats), other values with a decimal exponent within
  // +-300 (a double). Off, the matcher follows JSON Schema exactly.
  bool portable_numbers = false;
};

// The compiled form, read by JsonMatcher.
namespace json_schema {

constexpr uint32_t kUnbounded = 0xFFFFFFFFu;
constexpr uint32_t kEmptyNode = 0;  // matches nothing
constexpr uint32_t kAnyNode = 1;    // matches any JSON value
constexpr size_t kMaxProperties = 64;
constexpr int64_t kIntegerLimit = 999999999999999999;  // portable integers have at most 18 digits

enum TypeBit : uint8_t {
  kNull = 1,
  kTrue = 2,
  kFalse = 4,
  kString = 8,
  kInteger = 16,   // numbers without a fraction
  kFraction = 32,  // numbers with one
  kObject = 64,
  kArray = 128,
};
constexpr uint8_t kAllTypes = 0xFF;
constexpr uint8_t kNumber = kInteger | kFraction;

// A number as 0.digits x 10^exponent, digits without leading or trailing
// zeros; zero has no digits and is not negative.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
  bool operator==(const Decimal&) const = default;
  bool integral() const { return digits.empty() || exponent >= static_cast<int64_t>(digits.size()); }
};

struct Property {
  std::string name;
  uint32_t node;
};

struct Shape {
  uint8_t types = kAllTypes;
  // Strings (lengths in code points).
  uint32_t min_length = 0, max_length = kUnbounded;
  int32_t pattern = -1;  // index in JsonSchema::patterns(), or none
  int32_t strings = -1;  // index in string_sets(): the only strings allowed
  // Numbers.
  int32_t numbers = -1;  // index in number_sets(): the only numbers allowed
  // Integer bounds (minimum, maximum, exclusive...; portable numbers only).
  int64_t min_integer = -kIntegerLimit, max_integer = kIntegerLimit;
  // Objects.
  std::vector<Property> properties;  // sorted by name (bytes), at most 64
  uint64_t required = 0;             // bits of `properties`
  uint64_t usable = 0;               // bits of properties whose node has values
  uint32_t additional = kAnyNode;    // names not in `properties`; kEmptyNode: none
  uint32_t min_properties = 0, max_properties = kUnbounded;
  // Arrays.
  std::vector<uint32_t> prefix;  // nodes of the first items
  uint32_t items = kAnyNode;     // items after the prefix; kEmptyNode: none
  uint32_t min_items = 0, max_items = kUnbounded;

  uint32_t item(size_t index) const { return index < prefix.size() ? prefix[index] : items; }
};

struct Node {
  bool is_union = false;
  std::vector<uint32_t> alternatives;  // shape nodes, when a union
  Shape shape;                         // when not
  bool inhabited = false;              // some finite value matches
};

}  // namespace json_schema

class JsonSchema {
 public:
  // The compiled schema, or an error naming the JSON pointer at fault.
  static Result<JsonSchema> compile(const nlohmann::json& schema, const JsonSchemaOptions& options = {});

  uint32_t root() const { return root_; }
  const json_schema::Node& node(uint32_t id) const { return nodes_[id]; }
  const PatternAutomaton& pattern(int32_t id) const { return patterns_[static_cast<size_t>(id)]; }
  const std::vector<std::string>& string_set(int32_t id) const {
    return string_sets_[static_cast<size_t>(id)];
  }
  const std::vector<json_schema::Decimal>& number_set(int32_t id) const {
    return number_sets_[static_cast<size_t>(id)];
  }
  int max_whitespace() const { return max_whitespace_; }
  bool portable_numbers() const { return portable_numbers_; }
  size_t node_count() const { return nodes_.size(); }

 private:
  friend class SchemaCompiler;
  std::vector<json_schema::Node> nodes_;
  std::vector<PatternAutomaton> patterns_;
  std::vector<std::vector<std::string>> string_sets_;  // sorted by bytes
  // Sorted by digits as if padded with zeros, so the numbers that begin
  // with given digits are adjacent.
  std::vector<std::vector<json_schema::Decimal>> number_sets_;
  uint32_t root_ = json_schema::kEmptyNode;
  int max_whitespace_ = 2;
  bool portable_numbers_ = false;
};

// The exact decimal value of a JSON number's text (which must be valid).
json_schema::Decimal decimal_of(std::string_view number);

}  // namespace groundline::llm
