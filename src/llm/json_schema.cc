#include "llm/json_schema.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/utf8.h"

namespace groundline::llm {

using nlohmann::json;
using namespace json_schema;

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 200000;
constexpr size_t kMaxAlternatives = 1024;
constexpr int kMaxDisjointDepth = 16;

const std::set<std::string, std::less<>> kUnsupported = {"multipleOf",        "contains",
                                                         "patternProperties", "propertyNames",
                                                         "dependencies",      "dependentRequired",
                                                         "dependentSchemas",  "not",
                                                         "unevaluatedItems",  "unevaluatedProperties",
                                                         "$recursiveRef",     "$recursiveAnchor",
                                                         "$dynamicRef",       "$dynamicAnchor"};

std::string where(const std::string& pointer) {
  return pointer.empty() ? "(root)" : pointer;
}

std::string child(const std::string& pointer, const std::string& key) {
  std::string out = pointer + "/";
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string child(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

Error fail(const std::string& pointer, const std::string& why) {
  return make_error(where(pointer) + ": " + why);
}

Error unsupported(const std::string& pointer, const std::string& keyword) {
  return fail(pointer, "unsupported keyword \"" + keyword + "\"");
}

// Digits compared as if both were padded with zeros on the right.
bool padded_less(const Decimal& a, const Decimal& b) {
  size_t n = std::max(a.digits.size(), b.digits.size());
  for (size_t k = 0; k < n; ++k) {
    char x = k < a.digits.size() ? a.digits[k] : '0', y = k < b.digits.size() ? b.digits[k] : '0';
    if (x != y) return x < y;
  }
  return std::pair(a.exponent, a.negative) < std::pair(b.exponent, b.negative);
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

JsonSchemaOptions::Draft draft_of(const json& root, JsonSchemaOptions::Draft asked) {
  using Draft = JsonSchemaOptions::Draft;
  if (asked != Draft::kAuto) return asked;
  if (!root.is_object() || !root.contains("$schema") || !root["$schema"].is_string()) return Draft::k7;
  const std::string uri = root["$schema"].get<std::string>();
  if (uri.find("draft-04") != std::string::npos) return Draft::k4;
  if (uri.find("draft-06") != std::string::npos) return Draft::k6;
  if (uri.find("2019-09") != std::string::npos) return Draft::k2019;
  if (uri.find("2020-12") != std::string::npos) return Draft::k2020;
  return Draft::k7;
}

bool has_ref(const json& value) {
  if (value.is_object() && value.contains("$ref")) return true;
  if (value.is_structured())
    for (const auto& item : value)
      if (has_ref(item)) return true;
  return false;
}

bool is_any(const Shape& s) {
  return s.types == kAllTypes && s.min_length == 0 && s.max_length == kUnbounded && s.pattern < 0 &&
         s.strings < 0 && s.numbers < 0 && s.min_integer == -kIntegerLimit &&
         s.max_integer == kIntegerLimit && s.properties.empty() && s.additional == kAnyNode &&
         s.min_properties == 0 && s.max_properties == kUnbounded && s.prefix.empty() && s.items == kAnyNode &&
         s.min_items == 0 && s.max_items == kUnbounded;
}

}  // namespace

Decimal decimal_of(std::string_view text) {
  Decimal d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') d.negative = true, ++i;
  std::string digits;
  int64_t point = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    digits += text[i], ++point;
  if (i < text.size() && text[i] == '.')
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) digits += text[i];
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    bool negative = ++i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
      exponent = std::min<int64_t>(exponent * 10 + (text[i] - '0'), int64_t{1} << 40);
    if (negative) exponent = -exponent;
  }
  size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) return Decimal{};
  digits.erase(0, lead);
  digits.erase(digits.find_last_not_of('0') + 1);
  d.digits = std::move(digits);
  d.exponent = point - static_cast<int64_t>(lead) + exponent;
  return d;
}

// Builds the node graph of one schema document.
class SchemaCompiler {
 public:
  SchemaCompiler(const json& root, const JsonSchemaOptions& options, JsonSchema& out)
      : root_(root), draft_(draft_of(root, options.draft)), out_(out) {
    out_.max_whitespace_ = std::clamp(options.max_whitespace, 0, 255);
    out_.portable_numbers_ = portable_ = options.portable_numbers;
    has_refs_ = has_ref(root);
  }

  Status run() {
    if (draft_ == Draft::kAuto) return make_error("bad draft");
    out_.nodes_.push_back(Node{true, {}, {}, false});  // kEmptyNode
    Node any;
    any.shape.additional = kAnyNode;
    any.shape.items = kAnyNode;
    out_.nodes_.push_back(any);  // kAnyNode
    try {
      GL_ASSIGN_OR_RETURN(out_.root_, schema_at(root_, "", 0));
    } catch (const json::exception& e) {
      return make_error(std::string("schema: ") + e.what());
    }
    filter_literals();
    find_inhabited();
    refine();
    return check_one_ofs();
  }

 private:
  using Draft = JsonSchemaOptions::Draft;

  Node& node(uint32_t id) { return out_.nodes_[id]; }

  uint32_t add_node(Node n) {
    out_.nodes_.push_back(std::move(n));
    return static_cast<uint32_t>(out_.nodes_.size() - 1);
  }

  uint32_t add_shape(Shape s) {
    if (is_any(s)) return kAnyNode;
    Node n;
    n.shape = std::move(s);
    return add_node(std::move(n));
  }

  std::vector<uint32_t> alternatives_of(uint32_t id) const {
    const Node& n = out_.nodes_[id];
    return n.is_union ? n.alternatives : std::vector<uint32_t>{id};
  }

  // ---- Schemas and keywords.

  Result<uint32_t> schema_at(const json& schema, const std::string& pointer, int depth) {
    if (depth > kMaxDepth) return fail(pointer, "schemas nest deeper than " + std::to_string(kMaxDepth));
    if (out_.nodes_.size() > kMaxNodes) return fail(pointer, "the schema is too large");
    if (schema.is_boolean()) return schema.get<bool>() ? kAnyNode : kEmptyNode;
    if (!schema.is_object()) return fail(pointer, "a schema must be an object or a boolean");
    if (auto it = by_pointer_.find(pointer); it != by_pointer_.end()) {
      if (building_.contains(it->second)) referenced_.insert(it->second);
      return it->second;
    }
    // The node is reserved first, so that a $ref back to this schema met
    // while compiling it has an id to point to.
    uint32_t reserved = add_node(Node{true, {}, {}, false});
    by_pointer_[pointer] = reserved;
    building_.insert(reserved);
    auto result = keywords(schema, pointer, depth);
    building_.erase(reserved);
    if (!result.ok()) return result;
    by_pointer_[pointer] = *result;
    if (building_.contains(*result) || *result == reserved) {
      // A $ref to an enclosing schema: fine unless the references loop
      // back here without a schema in between.
      if (referenced_.contains(reserved) || *result == reserved)
        return fail(pointer, "$ref refers to itself with no schema in between");
      return *result;
    }
    node(reserved) = node(*result);  // references made while building point here
    return *result;
  }

  Status check_keywords(const json& schema, const std::string& pointer) {
    for (const auto& [key, value] : schema.items()) {
      if (kUnsupported.contains(key)) return unsupported(pointer, key);
      if (key == "uniqueItems" && value != json(false)) return unsupported(pointer, key);
      bool id = key == "$id" || (key == "id" && draft_ == Draft::k4);
      if (id && !pointer.empty() && has_refs_ && value.is_string() &&
          !value.get<std::string>().starts_with("#"))
        return unsupported(pointer, key);  // it would change what $ref resolves against
    }
    if (schema.contains("if") && (schema.contains("then") || schema.contains("else")))
      return unsupported(pointer, "if");
    return {};
  }

  Result<uint32_t> keywords(const json& schema, const std::string& pointer, int depth) {
    GL_TRY(check_keywords(schema, pointer));
    bool ref_alone = draft_ == Draft::k4 || draft_ == Draft::k6 || draft_ == Draft::k7;
    if (schema.contains("$ref") && ref_alone) return reference(schema["$ref"], pointer, depth);
    GL_ASSIGN_OR_RETURN(Shape local, local_shape(schema, pointer, depth));
    uint32_t result = add_shape(std::move(local));
    if (schema.contains("enum")) {
      const json& values = schema["enum"];
      if (!values.is_array()) return fail(child(pointer, "enum"), "must be an array");
      GL_ASSIGN_OR_RETURN(uint32_t literal, literals(values, child(pointer, "enum"), depth));
      GL_ASSIGN_OR_RETURN(result, both(result, literal, pointer));
    }
    if (schema.contains("const")) {
      GL_ASSIGN_OR_RETURN(uint32_t literal,
                          literals(json::array({schema["const"]}), child(pointer, "const"), depth));
      GL_ASSIGN_OR_RETURN(result, both(result, literal, pointer));
    }
    GL_ASSIGN_OR_RETURN(result, combinations(schema, pointer, depth, result));
    if (schema.contains("$ref")) {
      GL_ASSIGN_OR_RETURN(uint32_t target, reference(schema["$ref"], pointer, depth));
      GL_ASSIGN_OR_RETURN(result, both(result, target, pointer));
    }
    return result;
  }

  // allOf, anyOf and oneOf, intersected with `result`.
  Result<uint32_t> combinations(const json& schema, const std::string& pointer, int depth, uint32_t result) {
    for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
      if (!schema.contains(keyword)) continue;
      const json& list = schema[keyword];
      std::string at = child(pointer, keyword);
      if (!list.is_array() || list.empty()) return fail(at, "must be a non-empty array of schemas");
      std::vector<uint32_t> branches;
      for (size_t i = 0; i < list.size(); ++i) {
        GL_ASSIGN_OR_RETURN(uint32_t branch, schema_at(list[i], child(at, i), depth + 1));
        branches.push_back(branch);
      }
      if (std::string_view(keyword) == "allOf") {
        for (uint32_t branch : branches) {
          GL_ASSIGN_OR_RETURN(result, both(result, branch, at));
        }
        continue;
      }
      if (std::string_view(keyword) == "oneOf") one_ofs_.push_back({at, branches});
      GL_ASSIGN_OR_RETURN(uint32_t any_of, either(branches, at));
      GL_ASSIGN_OR_RETURN(result, both(result, any_of, at));
    }
    return result;
  }

  Result<uint32_t> reference(const json& value, const std::string& pointer, int depth) {
    std::string at = child(pointer, "$ref");
    if (!value.is_string()) return fail(at, "must be a string");
    const std::string ref = value.get<std::string>();
    if (ref.empty() || ref[0] != '#')
      return fail(pointer, "unsupported $ref \"" + ref + "\" (only \"#\" and \"#/...\" are supported)");
    std::string fragment = percent_decoded(std::string_view(ref).substr(1));
    if (!fragment.empty() && fragment[0] != '/')
      return fail(pointer, "unsupported $ref \"" + ref + "\" (only \"#\" and \"#/...\" are supported)");
    json::json_pointer target;
    try {
      target = json::json_pointer(fragment);
      if (!root_.contains(target)) return fail(at, "\"" + ref + "\" refers to nothing");
    } catch (const json::exception&) {
      return fail(at, "\"" + ref + "\" is not a valid JSON pointer");
    }
    return schema_at(root_.at(target), target.to_string(), depth + 1);
  }

  Result<uint8_t> types_of(const json& type, const std::string& pointer) {
    static const std::map<std::string, uint8_t, std::less<>> kBits = {
        {"null", kNull},     {"boolean", kTrue | kFalse}, {"object", kObject}, {"array", kArray},
        {"number", kNumber}, {"integer", kInteger},       {"string", kString}};
    auto bits_of = [&](const json& name) -> int {
      if (!name.is_string()) return -1;
      auto it = kBits.find(name.get<std::string>());
      return it == kBits.end() ? -1 : it->second;
    };
    if (type.is_string()) {
      int bits = bits_of(type);
      if (bits < 0) return fail(pointer, "unknown type \"" + type.get<std::string>() + "\"");
      return static_cast<uint8_t>(bits);
    }
    if (!type.is_array()) return fail(pointer, "must be a type name or an array of them");
    uint8_t all = 0;
    for (const auto& name : type) {
      int bits = bits_of(name);
      if (bits < 0) return fail(pointer, "unknown type " + name.dump());
      all |= static_cast<uint8_t>(bits);
    }
    return all;
  }

  Result<uint32_t> count_of(const json& schema, const char* keyword, const std::string& pointer,
                            uint32_t otherwise) {
    if (!schema.contains(keyword)) return otherwise;
    const json& v = schema[keyword];
    std::string at = child(pointer, keyword);
    if (v.is_number_unsigned())
      return static_cast<uint32_t>(std::min<uint64_t>(v.get<uint64_t>(), kUnbounded - 1));
    if (v.is_number_integer()) return fail(at, "must not be negative");
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (!std::isfinite(d) || d < 0 || d != std::floor(d)) return fail(at, "must be a non-negative integer");
      return static_cast<uint32_t>(std::min<double>(d, kUnbounded - 1));
    }
    return fail(at, "must be a non-negative integer");
  }

  Result<Shape> local_shape(const json& schema, const std::string& pointer, int depth) {
    Shape s;
    if (schema.contains("type")) {
      GL_ASSIGN_OR_RETURN(s.types, types_of(schema["type"], child(pointer, "type")));
    }
    GL_TRY(string_keywords(schema, pointer, s));
    GL_TRY(number_keywords(schema, pointer, s));
    GL_TRY(object_keywords(schema, pointer, depth, s));
    GL_TRY(array_keywords(schema, pointer, depth, s));
    return s;
  }

  Status string_keywords(const json& schema, const std::string& pointer, Shape& s) {
    GL_ASSIGN_OR_RETURN(s.min_length, count_of(schema, "minLength", pointer, 0));
    GL_ASSIGN_OR_RETURN(s.max_length, count_of(schema, "maxLength", pointer, kUnbounded));
    if (!schema.contains("pattern")) return {};
    const json& p = schema["pattern"];
    if (!p.is_string()) return fail(child(pointer, "pattern"), "must be a string");
    const std::string text = p.get<std::string>();
    if (auto it = pattern_ids_.find(text); it != pattern_ids_.end()) {
      s.pattern = it->second;
      return {};
    }
    auto automaton = PatternAutomaton::compile(text);
    if (!automaton.ok()) return fail(child(pointer, "pattern"), automaton.message());
    out_.patterns_.push_back(std::move(automaton).value());
    s.pattern = pattern_ids_[text] = static_cast<int32_t>(out_.patterns_.size() - 1);
    return {};
  }

  // minimum, maximum and their exclusive forms, as integer bounds.
  Status number_keywords(const json& schema, const std::string& pointer, Shape& s) {
    const char* const keywords[] = {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"};
    const char* first = nullptr;
    for (const char* k : keywords)
      if (!first && schema.contains(k)) first = k;
    if (!first) return {};
    if (!portable_ || (s.types & kFraction) || !(s.types & kInteger))
      return fail(pointer, "unsupported keyword \"" + std::string(first) +
                               "\" (supported beside \"type\": \"integer\", with portable numbers)");
    bool draft4 = draft_ == Draft::k4;
    for (bool lower : {true, false}) {
      const char* inclusive = lower ? "minimum" : "maximum";
      const char* exclusive = lower ? "exclusiveMinimum" : "exclusiveMaximum";
      bool modifier = draft4 && schema.contains(exclusive) && schema[exclusive].is_boolean();
      if (schema.contains(inclusive)) {
        bool open = modifier && schema[exclusive].get<bool>();
        GL_ASSIGN_OR_RETURN(int64_t bound,
                            integer_bound(schema[inclusive], lower, open, child(pointer, inclusive)));
        tighten(s, lower, bound);
      }
      if (schema.contains(exclusive) && !modifier) {
        GL_ASSIGN_OR_RETURN(int64_t bound,
                            integer_bound(schema[exclusive], lower, true, child(pointer, exclusive)));
        tighten(s, lower, bound);
      }
    }
    return {};
  }

  static void tighten(Shape& s, bool lower, int64_t bound) {
    if (lower)
      s.min_integer = std::max(s.min_integer, bound);
    else
      s.max_integer = std::min(s.max_integer, bound);
  }

  // The least (or greatest) integer a bound allows, within the portable
  // range (a bound beyond it becomes one past it).
  static Result<int64_t> integer_bound(const json& v, bool lower, bool exclusive,
                                       const std::string& pointer) {
    if (!v.is_number()) return fail(pointer, "must be a number");
    long double d = v.is_number_unsigned()  ? static_cast<long double>(v.get<uint64_t>())
                    : v.is_number_integer() ? static_cast<long double>(v.get<int64_t>())
                                            : static_cast<long double>(v.get<double>());
    long double whole = lower ? std::ceil(d) : std::floor(d);
    if (exclusive && whole == d) whole += lower ? 1 : -1;
    const auto limit = static_cast<long double>(kIntegerLimit);
    return static_cast<int64_t>(std::clamp(whole, -limit - 1, limit + 1));
  }

  Status object_keywords(const json& schema, const std::string& pointer, int depth, Shape& s) {
    if (schema.contains("additionalProperties")) {
      GL_ASSIGN_OR_RETURN(s.additional, schema_at(schema["additionalProperties"],
                                                  child(pointer, "additionalProperties"), depth + 1));
    }
    std::map<std::string, uint32_t> named;
    if (schema.contains("properties")) {
      const json& properties = schema["properties"];
      std::string at = child(pointer, "properties");
      if (!properties.is_object()) return fail(at, "must be an object");
      for (const auto& [name, sub] : properties.items()) {
        GL_ASSIGN_OR_RETURN(named[name], schema_at(sub, child(at, name), depth + 1));
      }
    }
    std::set<std::string> required;
    if (schema.contains("required")) {
      const json& list = schema["required"];
      std::string at = child(pointer, "required");
      if (!list.is_array()) return fail(at, "must be an array of property names");
      for (const auto& name : list) {
        if (!name.is_string()) return fail(at, "must be an array of property names");
        required.insert(name.get<std::string>());
        named.emplace(name.get<std::string>(), s.additional);
      }
    }
    if (named.size() > kMaxProperties)
      return fail(pointer, "more than " + std::to_string(kMaxProperties) + " named properties in one object");
    for (const auto& [name, id] : named) {
      if (required.contains(name)) s.required |= uint64_t{1} << s.properties.size();
      s.properties.push_back({name, id});
    }
    GL_ASSIGN_OR_RETURN(s.min_properties, count_of(schema, "minProperties", pointer, 0));
    GL_ASSIGN_OR_RETURN(s.max_properties, count_of(schema, "maxProperties", pointer, kUnbounded));
    return {};
  }

  Result<std::vector<uint32_t>> schema_list(const json& list, const std::string& at, int depth) {
    if (!list.is_array()) return fail(at, "must be an array of schemas");
    std::vector<uint32_t> out;
    for (size_t i = 0; i < list.size(); ++i) {
      GL_ASSIGN_OR_RETURN(uint32_t item, schema_at(list[i], child(at, i), depth + 1));
      out.push_back(item);
    }
    return out;
  }

  Status array_keywords(const json& schema, const std::string& pointer, int depth, Shape& s) {
    bool tuple = schema.contains("items") && schema["items"].is_array() && draft_ != Draft::k2020;
    if (draft_ == Draft::k2020 && schema.contains("prefixItems")) {
      GL_ASSIGN_OR_RETURN(s.prefix, schema_list(schema["prefixItems"], child(pointer, "prefixItems"), depth));
    } else if (tuple) {
      GL_ASSIGN_OR_RETURN(s.prefix, schema_list(schema["items"], child(pointer, "items"), depth));
      if (schema.contains("additionalItems")) {
        GL_ASSIGN_OR_RETURN(
            s.items, schema_at(schema["additionalItems"], child(pointer, "additionalItems"), depth + 1));
      }
    }
    if (schema.contains("items") && !tuple) {
      GL_ASSIGN_OR_RETURN(s.items, schema_at(schema["items"], child(pointer, "items"), depth + 1));
    }
    GL_ASSIGN_OR_RETURN(s.min_items, count_of(schema, "minItems", pointer, 0));
    GL_ASSIGN_OR_RETURN(s.max_items, count_of(schema, "maxItems", pointer, kUnbounded));
    return {};
  }

  // ---- enum and const: unions of exact shapes.

  Result<uint32_t> literals(const json& values, const std::string& pointer, int depth) {
    if (depth > kMaxDepth) return fail(pointer, "values nest deeper than " + std::to_string(kMaxDepth));
    std::vector<std::string> strings;
    std::vector<Decimal> numbers;
    uint8_t scalars = 0;
    std::vector<uint32_t> alternatives;
    for (const auto& v : values) {
      if (v.is_null()) {
        scalars |= kNull;
      } else if (v.is_boolean()) {
        scalars |= v.get<bool>() ? kTrue : kFalse;
      } else if (v.is_string()) {
        strings.push_back(v.get<std::string>());
      } else if (v.is_number()) {
        numbers.push_back(decimal_of(v.dump()));
      } else {
        GL_ASSIGN_OR_RETURN(uint32_t exact, exact_structure(v, pointer, depth));
        alternatives.push_back(exact);
      }
    }
    if (!strings.empty()) alternatives.push_back(add_string_literals(std::move(strings)));
    if (!numbers.empty()) alternatives.push_back(add_number_literals(std::move(numbers)));
    if (scalars) {
      Shape s;
      s.types = scalars;
      alternatives.push_back(add_shape(std::move(s)));
    }
    return either(alternatives, pointer);
  }

  uint32_t add_string_literals(std::vector<std::string> strings) {
    std::sort(strings.begin(), strings.end());
    strings.erase(std::unique(strings.begin(), strings.end()), strings.end());
    out_.string_sets_.push_back(std::move(strings));
    Shape s;
    s.types = kString;
    s.strings = static_cast<int32_t>(out_.string_sets_.size() - 1);
    return add_shape(std::move(s));
  }

  uint32_t add_number_literals(std::vector<Decimal> numbers) {
    std::sort(numbers.begin(), numbers.end(), padded_less);
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    out_.number_sets_.push_back(std::move(numbers));
    Shape s;
    s.types = kNumber;
    s.numbers = static_cast<int32_t>(out_.number_sets_.size() - 1);
    return add_shape(std::move(s));
  }

  // An object or array literal: exactly these members, nothing else.
  Result<uint32_t> exact_structure(const json& value, const std::string& pointer, int depth) {
    Shape s;
    if (value.is_object()) {
      if (value.size() > kMaxProperties)
        return fail(pointer, "a value with more than " + std::to_string(kMaxProperties) + " properties");
      s.types = kObject;
      s.additional = kEmptyNode;
      for (const auto& [name, member] : value.items()) {
        GL_ASSIGN_OR_RETURN(uint32_t id, literals(json::array({member}), pointer, depth + 1));
        s.required |= uint64_t{1} << s.properties.size();
        s.properties.push_back({name, id});
      }
    } else {
      s.types = kArray;
      s.items = kEmptyNode;
      s.min_items = static_cast<uint32_t>(std::min<size_t>(value.size(), kUnbounded - 1));
      for (const auto& member : value) {
        GL_ASSIGN_OR_RETURN(uint32_t id, literals(json::array({member}), pointer, depth + 1));
        s.prefix.push_back(id);
      }
    }
    return add_shape(std::move(s));
  }

  // ---- Unions and intersections.

  Result<uint32_t> either(const std::vector<uint32_t>& branches, const std::string& pointer) {
    std::vector<uint32_t> alternatives;
    for (uint32_t b : branches) {
      if (building_.contains(b))
        return fail(pointer,
                    "a $ref back to an enclosing schema directly inside anyOf/oneOf is not supported");
      for (uint32_t a : alternatives_of(b))
        if (std::find(alternatives.begin(), alternatives.end(), a) == alternatives.end())
          alternatives.push_back(a);
    }
    if (alternatives.size() == 1) return alternatives[0];
    if (alternatives.size() > kMaxAlternatives) return fail(pointer, "too many alternatives");
    return add_node(Node{true, std::move(alternatives), {}, false});
  }

  Result<uint32_t> both(uint32_t a, uint32_t b, const std::string& pointer) {
    if (a == b || b == kAnyNode) return a;
    if (a == kAnyNode) return b;
    if (a == kEmptyNode || b == kEmptyNode) return kEmptyNode;
    if (building_.contains(a) || building_.contains(b))
      return fail(pointer,
                  "a recursive $ref combined with other keywords (allOf, $ref siblings) is not supported");
    if (out_.nodes_.size() > kMaxNodes) return fail(pointer, "the schema is too large");
    auto key = std::minmax(a, b);
    if (auto it = conjunctions_.find(key); it != conjunctions_.end()) return it->second;
    uint32_t id = add_node(Node{});
    conjunctions_[key] = id;
    building_.insert(id);
    auto built =
        node(a).is_union || node(b).is_union ? both_unions(a, b, pointer) : both_shapes(a, b, pointer);
    building_.erase(id);
    if (!built.ok()) return built.error();
    node(id) = std::move(built).value();
    return id;
  }

  Result<Node> both_unions(uint32_t a, uint32_t b, const std::string& pointer) {
    Node out{true, {}, {}, false};
    for (uint32_t x : alternatives_of(a))
      for (uint32_t y : alternatives_of(b)) {
        GL_ASSIGN_OR_RETURN(uint32_t r, both(x, y, pointer));
        for (uint32_t alt : alternatives_of(r))
          if (std::find(out.alternatives.begin(), out.alternatives.end(), alt) == out.alternatives.end())
            out.alternatives.push_back(alt);
        if (out.alternatives.size() > kMaxAlternatives)
          return fail(pointer, "too many combinations of anyOf/oneOf/enum branches");
      }
    return out;
  }

  Result<Node> both_shapes(uint32_t a_id, uint32_t b_id, const std::string& pointer) {
    const Shape a = node(a_id).shape, b = node(b_id).shape;
    Node out;
    Shape& r = out.shape;
    r.types = a.types & b.types;
    r.min_length = std::max(a.min_length, b.min_length);
    r.max_length = std::min(a.max_length, b.max_length);
    GL_ASSIGN_OR_RETURN(r.pattern, both_patterns(a.pattern, b.pattern, pointer));
    r.strings = both_sets(a.strings, b.strings, out_.string_sets_,
                          [](const std::string& x, const std::string& y) { return x == y; });
    r.numbers = both_sets(a.numbers, b.numbers, out_.number_sets_,
                          [](const Decimal& x, const Decimal& y) { return x == y; });
    r.min_integer = std::max(a.min_integer, b.min_integer);
    r.max_integer = std::min(a.max_integer, b.max_integer);
    if (r.types & kObject) GL_TRY(both_objects(a, b, r, pointer));
    if (r.types & kArray) GL_TRY(both_arrays(a, b, r, pointer));
    return out;
  }

  Result<int32_t> both_patterns(int32_t a, int32_t b, const std::string& pointer) {
    if (a < 0 || b < 0 || a == b) return std::max(a, b);
    auto key = std::minmax(a, b);
    if (auto it = pattern_pairs_.find(key); it != pattern_pairs_.end()) return it->second;
    auto joined = PatternAutomaton::intersect(out_.patterns_[static_cast<size_t>(a)],
                                              out_.patterns_[static_cast<size_t>(b)]);
    if (!joined.ok()) return fail(pointer, joined.message());
    out_.patterns_.push_back(std::move(joined).value());
    return pattern_pairs_[key] = static_cast<int32_t>(out_.patterns_.size() - 1);
  }

  // The members of both literal sets, keeping the first's order.
  template <class T, class Same>
  static int32_t both_sets(int32_t a, int32_t b, std::vector<std::vector<T>>& sets, Same same) {
    if (a < 0 || b < 0 || a == b) return std::max(a, b);
    std::vector<T> kept;
    for (const T& x : sets[static_cast<size_t>(a)])
      for (const T& y : sets[static_cast<size_t>(b)])
        if (same(x, y)) {
          kept.push_back(x);
          break;
        }
    sets.push_back(std::move(kept));
    return static_cast<int32_t>(sets.size() - 1);
  }

  static uint32_t property_node(const Shape& s, const std::string& name, bool* required) {
    for (size_t i = 0; i < s.properties.size(); ++i)
      if (s.properties[i].name == name) {
        *required = (s.required >> i) & 1;
        return s.properties[i].node;
      }
    *required = false;
    return s.additional;
  }

  Status both_objects(const Shape& a, const Shape& b, Shape& r, const std::string& pointer) {
    std::set<std::string> names;
    for (const auto& p : a.properties) names.insert(p.name);
    for (const auto& p : b.properties) names.insert(p.name);
    if (names.size() > kMaxProperties)
      return fail(pointer, "more than " + std::to_string(kMaxProperties) + " named properties in one object");
    for (const auto& name : names) {
      bool in_a, in_b;
      uint32_t x = property_node(a, name, &in_a), y = property_node(b, name, &in_b);
      GL_ASSIGN_OR_RETURN(uint32_t id, both(x, y, pointer));
      if (in_a || in_b) r.required |= uint64_t{1} << r.properties.size();
      r.properties.push_back({name, id});
    }
    GL_ASSIGN_OR_RETURN(r.additional, both(a.additional, b.additional, pointer));
    r.min_properties = std::max(a.min_properties, b.min_properties);
    r.max_properties = std::min(a.max_properties, b.max_properties);
    return {};
  }

  Status both_arrays(const Shape& a, const Shape& b, Shape& r, const std::string& pointer) {
    size_t n = std::max(a.prefix.size(), b.prefix.size());
    for (size_t i = 0; i < n; ++i) {
      GL_ASSIGN_OR_RETURN(uint32_t id, both(a.item(i), b.item(i), pointer));
      r.prefix.push_back(id);
    }
    GL_ASSIGN_OR_RETURN(r.items, both(a.items, b.items, pointer));
    r.min_items = std::max(a.min_items, b.min_items);
    r.max_items = std::min(a.max_items, b.max_items);
    return {};
  }

  // ---- Finishing: literal sets filtered, inhabited nodes, refined types.

  bool string_allowed(const Shape& s, const std::string& text) const {
    size_t length = core::utf8_length(text);
    if (length < s.min_length || length > s.max_length) return false;
    if (s.strings >= 0) {
      const auto& set = out_.string_sets_[static_cast<size_t>(s.strings)];
      if (!std::binary_search(set.begin(), set.end(), text)) return false;
    }
    if (s.pattern < 0) return true;
    const PatternAutomaton& p = out_.patterns_[static_cast<size_t>(s.pattern)];
    uint32_t state = p.start();
    for (char c : text)
      if (state != PatternAutomaton::kDead) state = p.next(state, static_cast<uint8_t>(c));
    return state != PatternAutomaton::kDead && p.accepting(state);
  }

  static bool number_allowed(const Shape& s, const Decimal& d, const JsonSchema& schema) {
    if (!(s.types & (d.integral() ? kInteger : kFraction))) return false;
    if (d.integral() && !within_bounds(s, d)) return false;
    if (s.numbers < 0) return true;
    const auto& set = schema.number_set(s.numbers);
    return std::find(set.begin(), set.end(), d) != set.end();
  }

  void filter_strings(Shape& s) {
    if (s.strings >= 0) {
      std::vector<std::string> kept;
      Shape unlisted = s;
      unlisted.strings = -1;
      for (const auto& text : out_.string_sets_[static_cast<size_t>(s.strings)])
        if (string_allowed(unlisted, text)) kept.push_back(text);
      if (kept.empty()) s.types &= static_cast<uint8_t>(~kString);
      out_.string_sets_.push_back(std::move(kept));
      s.strings = static_cast<int32_t>(out_.string_sets_.size() - 1);
      return;
    }
    bool possible = s.min_length <= s.max_length;
    if (possible && s.pattern >= 0) {
      const PatternAutomaton& p = out_.patterns_[static_cast<size_t>(s.pattern)];
      possible = p.can_accept_within(p.start(), s.min_length, s.max_length);
    }
    if (!possible) s.types &= static_cast<uint8_t>(~kString);
  }

  // Whether an integral `d` is within the shape's integer bounds.
  static bool within_bounds(const Shape& s, const Decimal& d) {
    if (s.min_integer == -kIntegerLimit && s.max_integer == kIntegerLimit) return true;
    if (d.exponent > 18) return false;
    std::string text = d.digits.empty()
                           ? "0"
                           : d.digits + std::string(static_cast<size_t>(d.exponent) - d.digits.size(), '0');
    int64_t v = std::stoll(text) * (d.negative ? -1 : 1);
    return v >= s.min_integer && v <= s.max_integer;
  }

  void filter_numbers(Shape& s) {
    if (s.numbers < 0) {
      if (s.min_integer > s.max_integer) s.types &= static_cast<uint8_t>(~kInteger);
      return;
    }
    std::vector<Decimal> kept;
    for (const auto& d : out_.number_sets_[static_cast<size_t>(s.numbers)])
      if ((s.types & (d.integral() ? kInteger : kFraction)) && (!d.integral() || within_bounds(s, d)))
        kept.push_back(d);
    if (kept.empty()) s.types &= static_cast<uint8_t>(~kNumber);
    out_.number_sets_.push_back(std::move(kept));
    s.numbers = static_cast<int32_t>(out_.number_sets_.size() - 1);
  }

  void filter_literals() {
    for (auto& n : out_.nodes_) {
      if (n.is_union) continue;
      if (n.shape.types & kString) filter_strings(n.shape);
      if (n.shape.types & kNumber) filter_numbers(n.shape);
    }
  }

  uint64_t usable_properties(const Shape& s) const {
    uint64_t usable = 0;
    for (size_t i = 0; i < s.properties.size(); ++i)
      if (out_.nodes_[s.properties[i].node].inhabited) usable |= uint64_t{1} << i;
    return usable;
  }

  bool object_possible(const Shape& s) const {
    uint64_t usable = usable_properties(s);
    auto required = static_cast<uint32_t>(std::popcount(s.required));
    if ((s.required & ~usable) != 0 || required > s.max_properties || s.min_properties > s.max_properties)
      return false;
    return out_.nodes_[s.additional].inhabited || std::popcount(usable) >= static_cast<int>(s.min_properties);
  }

  bool array_possible(const Shape& s) const {
    if (s.min_items > s.max_items) return false;
    size_t needed = std::min<size_t>(s.min_items, s.prefix.size() + 1);
    for (size_t i = 0; i < needed; ++i)
      if (!out_.nodes_[s.item(i)].inhabited) return false;
    return true;
  }

  bool possible(const Node& n) const {
    if (n.is_union)
      return std::any_of(n.alternatives.begin(), n.alternatives.end(),
                         [&](uint32_t a) { return out_.nodes_[a].inhabited; });
    const Shape& s = n.shape;
    if (s.types & ~(kObject | kArray)) return true;
    return ((s.types & kObject) && object_possible(s)) || ((s.types & kArray) && array_possible(s));
  }

  // Least fixed point: a node is inhabited when some finite value matches.
  void find_inhabited() {
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& n : out_.nodes_)
        if (!n.inhabited && possible(n)) n.inhabited = changed = true;
    }
  }

  void refine() {
    for (auto& n : out_.nodes_) {
      if (n.is_union) continue;
      Shape& s = n.shape;
      s.usable = usable_properties(s);
      if ((s.types & kObject) && !object_possible(s)) s.types &= static_cast<uint8_t>(~kObject);
      if ((s.types & kArray) && !array_possible(s)) s.types &= static_cast<uint8_t>(~kArray);
    }
  }

  // ---- oneOf: accepted only where no value can match two branches.

  Status check_one_ofs() {
    for (const auto& [pointer, branches] : one_ofs_)
      for (size_t i = 0; i < branches.size(); ++i)
        for (size_t j = i + 1; j < branches.size(); ++j)
          if (!disjoint(branches[i], branches[j], 0))
            return fail(pointer, "unsupported keyword \"oneOf\" (branches " + std::to_string(i) + " and " +
                                     std::to_string(j) + " may both match one value)");
    return {};
  }

  bool disjoint(uint32_t a, uint32_t b, int depth) const {
    if (depth > kMaxDisjointDepth) return false;
    for (uint32_t x : alternatives_of(a))
      for (uint32_t y : alternatives_of(b))
        if (out_.nodes_[x].inhabited && out_.nodes_[y].inhabited &&
            !disjoint_shapes(out_.nodes_[x].shape, out_.nodes_[y].shape, depth))
          return false;
    return true;
  }

  bool disjoint_shapes(const Shape& x, const Shape& y, int depth) const {
    uint8_t common = x.types & y.types;
    if (common & (kNull | kTrue | kFalse)) return false;
    if ((common & kString) && !disjoint_strings(x, y)) return false;
    if ((common & kNumber) && !disjoint_numbers(x, y) && !disjoint_numbers(y, x)) return false;
    if ((common & kObject) && !disjoint_objects(x, y, depth) && !disjoint_objects(y, x, depth)) return false;
    if ((common & kArray) && !disjoint_arrays(x, y, depth)) return false;
    return true;
  }

  bool disjoint_strings(const Shape& x, const Shape& y) const {
    if (x.max_length < y.min_length || y.max_length < x.min_length) return true;
    for (const Shape* listed : {&x, &y}) {
      if (listed->strings < 0) continue;
      const Shape& other = listed == &x ? y : x;
      bool shared = false;
      for (const auto& text : out_.string_sets_[static_cast<size_t>(listed->strings)])
        shared |= string_allowed(other, text);
      if (!shared) return true;
    }
    return false;
  }

  // Whether x lists its numbers and y allows none of them.
  bool disjoint_numbers(const Shape& x, const Shape& y) const {
    if (x.numbers < 0) return false;
    for (const auto& d : out_.number_sets_[static_cast<size_t>(x.numbers)])
      if (number_allowed(y, d, out_)) return false;
    return true;
  }

  // Whether a property x requires is forbidden by y or disjoint from
  // what y requires of it.
  bool disjoint_objects(const Shape& x, const Shape& y, int depth) const {
    if (x.max_properties < y.min_properties) return true;
    for (size_t i = 0; i < x.properties.size(); ++i) {
      if (!((x.required >> i) & 1)) continue;
      bool y_requires;
      uint32_t other = property_node(y, x.properties[i].name, &y_requires);
      if (!out_.nodes_[other].inhabited) return true;
      if (y_requires && disjoint(x.properties[i].node, other, depth + 1)) return true;
    }
    return false;
  }

  bool disjoint_arrays(const Shape& x, const Shape& y, int depth) const {
    if (x.max_items < y.min_items || y.max_items < x.min_items) return true;
    size_t both_have =
        std::min<size_t>({x.min_items, y.min_items, std::max(x.prefix.size(), y.prefix.size()) + 1});
    for (size_t i = 0; i < both_have; ++i)
      if (disjoint(x.item(i), y.item(i), depth + 1)) return true;
    return false;
  }

  const json& root_;
  Draft draft_;
  JsonSchema& out_;
  bool has_refs_ = false;
  bool portable_ = false;
  std::map<std::string, uint32_t> by_pointer_;
  std::set<uint32_t> building_;    // nodes reserved for schemas being compiled
  std::set<uint32_t> referenced_;  // reserved nodes referenced before they were done
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> conjunctions_;
  std::map<std::string, int32_t> pattern_ids_;
  std::map<std::pair<int32_t, int32_t>, int32_t> pattern_pairs_;
  std::vector<std::pair<std::string, std::vector<uint32_t>>> one_ofs_;
};

Result<JsonSchema> JsonSchema::compile(const json& schema, const JsonSchemaOptions& options) {
  JsonSchema out;
  SchemaCompiler compiler(schema, options, out);
  GL_TRY(compiler.run());
  return out;
}

}  // namespace groundline::llm
