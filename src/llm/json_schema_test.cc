#include "llm/json_schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "llm/json_matcher.h"
#include "llm/test_support.h"

namespace groundline::llm {
namespace {

using testing::valijson_accepts;

using nlohmann::json;

JsonSchema compiled(const std::string& schema, JsonSchemaOptions options = {}) {
  auto out = JsonSchema::compile(json::parse(schema), options);
  EXPECT_TRUE(out.ok()) << schema << ": " << (out.ok() ? "" : out.message());
  return std::move(out).value();
}

bool matches(const JsonSchema& schema, std::string_view text) {
  JsonMatcher m(schema);
  return m.advance(text) && m.complete();
}

std::string compile_error(const std::string& schema) {
  auto out = JsonSchema::compile(json::parse(schema));
  return out.ok() ? "(compiled)" : out.message();
}

struct Case {
  const char* schema;
  const char* text;
  bool valid;
};

void expect_cases(const std::vector<Case>& cases, JsonSchemaOptions options = {}) {
  for (const auto& c : cases) {
    auto schema = JsonSchema::compile(json::parse(c.schema), options);
    ASSERT_TRUE(schema.ok()) << c.schema << ": " << schema.message();
    EXPECT_EQ(matches(*schema, c.text), c.valid) << c.schema << " with " << c.text;
  }
}

TEST(JsonSchema, StringsDecodeEscapesAndCountCodePoints) {
  expect_cases({
      {R"({"type":"string","maxLength":2})", R"("ab")", true},
      {R"({"type":"string","maxLength":2})", R"("abc")", false},
      {R"({"type":"string","maxLength":2})", "\"\xC3\xA9\xE6\x97\xA5\"", true},  // two code points
      {R"({"type":"string","maxLength":1})", R"("\ud83d\ude00")", true},         // one pair, one code point
      {R"({"type":"string","minLength":2})", R"("\n")", false},
      {R"({"type":"string"})", R"("\" \\ \/ \b \f \n \r \t \u0041")", true},
      {R"({"type":"string"})", R"("\x")", false},
      {R"({"type":"string"})", R"("\ud800")", false},           // a lone high surrogate
      {R"({"type":"string"})", R"("\udc00")", false},           // a lone low half
      {R"({"type":"string"})", "\"a\x01\"", false},             // control character
      {R"({"type":"string"})", "\"\xC0\xAF\"", false},          // overlong UTF-8
      {R"({"type":"string"})", "\"\xED\xA0\x80\"", false},      // encoded surrogate
      {R"({"type":"string"})", "\"\xF4\x90\x80\x80\"", false},  // above U+10FFFF
      {R"({"enum":["caf\u00e9"]})", R"("caf\u00e9")", true},
      {R"({"enum":["caf\u00e9"]})", "\"caf\xC3\xA9\"", true},
      {R"({"const":"a\"b"})", R"("a\u0022b")", true},
      {R"({"type":"string","pattern":"^[a-z]+-\\d{2,3}$"})", R"("ab-12")", true},
      {R"({"type":"string","pattern":"^[a-z]+-\\d{2,3}$"})", R"("ab-1234")", false},
      {R"({"type":"string","pattern":"b+"})", R"("abbbc")", true},  // unanchored
      {R"({"type":"string","pattern":"b+"})", R"("ac")", false},
      {R"({"type":"string","pattern":"^\\u00e9$"})", R"("\u00e9")", true},
  });
}

TEST(JsonSchema, NumbersFollowTheirValueNotTheirSpelling) {
  expect_cases({
      {R"({"type":"integer"})", "12", true},
      {R"({"type":"integer"})", "-0", true},
      {R"({"type":"integer"})", "1.0", true},
      {R"({"type":"integer"})", "1.5e1", true},
      {R"({"type":"integer"})", "150e-2", false},
      {R"({"type":"integer"})", "1.5", false},
      {R"({"type":"integer"})", "01", false},
      {R"({"type":"number"})", "-1.5E+3", true},
      {R"({"type":"number"})", "1.", false},
      {R"({"type":"number"})", ".5", false},
      {R"({"type":"number"})", "1e", false},
      {R"({"enum":[100]})", "1e2", true},
      {R"({"enum":[100]})", "0.001e5", true},
      {R"({"enum":[100]})", "1e3", false},
      {R"({"enum":[0]})", "-0.0e7", true},
      {R"({"enum":[0.25,-3]})", "-3", true},
      {R"({"enum":[0.25,-3]})", "3", false},
      {R"({"enum":[0.25,-3]})", "25e-2", true},
  });
  JsonSchemaOptions plain;
  plain.portable_numbers = true;
  expect_cases({{R"({"type":"integer"})", "1.0", false},
                {R"({"type":"integer"})", "12", true},
                {R"({"type":"integer"})", "999999999999999999", true},
                {R"({"type":"integer"})", "1000000000000000000", false},
                {R"({"type":"number"})", "1e2", false},
                {R"({"type":"number"})", "1.5", true},
                {R"({"type":"number"})", "1.5e-301", true},
                {R"({"type":"number"})", "1.5e-302", false},  // 0.15e-301: beyond a double's reach
                {R"({"enum":[1, 1.5]})", "1.50", true},
                {R"({"enum":[1, 1.5]})", "1.0", false},
                {R"({"type":"integer","minimum":1,"maximum":10})", "0", false},
                {R"({"type":"integer","minimum":1,"maximum":10})", "1", true},
                {R"({"type":"integer","minimum":1,"maximum":10})", "10", true},
                {R"({"type":"integer","minimum":1,"maximum":10})", "11", false},
                {R"({"type":"integer","minimum":1,"maximum":10})", "-1", false},
                {R"({"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":100})", "99", true},
                {R"({"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":100})", "100", false},
                {R"({"type":"integer","minimum":-5.5,"maximum":-1})", "-5", true},
                {R"({"type":"integer","minimum":-5.5,"maximum":-1})", "-6", false},
                {R"({"type":"integer","minimum":-5.5,"maximum":-1})", "-0", false},
                {R"({"type":"integer","enum":[1,5,50],"maximum":10})", "50", false},
                {R"({"type":"integer","enum":[1,5,50],"maximum":10})", "5", true}},
               plain);
  plain.draft = JsonSchemaOptions::Draft::k4;
  expect_cases({{R"({"type":"integer","minimum":3,"exclusiveMinimum":true})", "3", false},
                {R"({"type":"integer","minimum":3,"exclusiveMinimum":true})", "4", true}},
               plain);
}

TEST(JsonSchema, ObjectsTakePropertiesInAnyOrderOnceEach) {
  const char* person = R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},
                           "required":["name"],"additionalProperties":false})";
  expect_cases({
      {person, R"({"name":"a","age":3})", true},
      {person, R"({"age":3,"name":"a"})", true},
      {person, R"({"age":3})", false},                // required name missing
      {person, R"({"name":"a","name":"b"})", false},  // duplicate
      {person, R"({"name":"a","nick":"b"})", false},  // undeclared
      {person, R"({"na\u006de":"a"})", true},         // an escaped key is the same key
      {person, R"({"name":"a",})", false},
      {R"({"type":"object","additionalProperties":{"type":"integer"}})", R"({"x":1,"y":2})", true},
      {R"({"type":"object","additionalProperties":{"type":"integer"}})", R"({"x":"1"})", false},
      {R"({"type":"object","maxProperties":1})", R"({"a":1,"b":2})", false},
      {R"({"type":"object","minProperties":2})", R"({"a":1})", false},
      {R"({"required":["a"],"maxProperties":1})", R"({"b":1})", false},
      {R"({"properties":{"a":false}})", R"({"a":1})", false},
      {R"({"properties":{"a":false}})", R"({"b":1})", true},
  });
}

TEST(JsonSchema, ArraysCombinatorsAndReferences) {
  expect_cases({
      {R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2})", "[1,2]", true},
      {R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2})", "[]", false},
      {R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2})", "[1,2,3]", false},
      {R"({"items":[{"type":"string"}],"additionalItems":false})", R"(["a"])", true},
      {R"({"items":[{"type":"string"}],"additionalItems":false})", R"(["a",1])", false},
      {R"({"anyOf":[{"type":"string","maxLength":1},{"type":"string","pattern":"^xy"}]})", R"("xyz")", true},
      {R"({"anyOf":[{"type":"string","maxLength":1},{"type":"string","pattern":"^xy"}]})", R"("ab")", false},
      {R"({"allOf":[{"type":"string"},{"maxLength":2}]})", R"("abc")", false},
      {R"({"allOf":[{"pattern":"a"},{"pattern":"b"}]})", R"("ba")", true},
      {R"({"allOf":[{"pattern":"a"},{"pattern":"b"}]})", R"("aa")", false},
      {R"({"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer"}},"required":["kind"]},
                    {"type":"object","properties":{"kind":{"const":"b"},"x":{"type":"string"}},"required":["kind"]}]})",
       R"({"x":"s","kind":"b"})", true},
      {R"({"definitions":{"n":{"type":"integer"}},"type":"array","items":{"$ref":"#/definitions/n"}})",
       "[1,2]", true},
      {R"({"$defs":{"n":{"type":"integer"}},"items":{"$ref":"#/$defs/n"}})", R"([1,"2"])", false},
      {R"({"type":"object","properties":{"next":{"$ref":"#"}},"additionalProperties":false})",
       R"({"next":{"next":{}}})", true},
      {R"({"type":"object","properties":{"next":{"$ref":"#"}},"additionalProperties":false})",
       R"({"next":{"nxt":{}}})", false},
      {"true", R"({"anything":[1,"x",null]})", true},
      {"false", "1", false},
  });
}

TEST(JsonSchema, WhitespaceIsBoundedAtEachPlace) {
  JsonSchemaOptions options;
  options.max_whitespace = 2;
  expect_cases({{R"({"type":"array"})", " [ 1 ,\n2 ] ", true},
                {R"({"type":"array"})", "[   1]", false},
                {R"({"type":"array"})", "[1]\n\n\n", false},
                {R"({"type":"string"})", "\"   many   \"", true}},
               options);
  options.max_whitespace = 0;
  expect_cases({{R"({"type":"object"})", R"({"a":1})", true}, {R"({"type":"object"})", R"({"a": 1})", false}},
               options);
}

TEST(JsonSchema, RefusesABytePastWhichNoInstanceCanBeFinished) {
  auto s = compiled(R"({"type":"object","properties":{"id":{"type":"string","maxLength":2}},
                        "required":["id"],"additionalProperties":false})");
  JsonMatcher m(s);
  ASSERT_TRUE(m.advance("{\"i"));
  EXPECT_FALSE(JsonMatcher(m).advance('x'));  // no property begins "ix"
  ASSERT_TRUE(m.advance("d\":\"ab"));
  EXPECT_FALSE(JsonMatcher(m).advance('c'));  // a third code point
  auto integer = compiled(R"({"type":"integer"})");
  JsonMatcher n(integer);
  ASSERT_TRUE(n.advance("1.5e"));
  EXPECT_FALSE(JsonMatcher(n).advance('-'));  // 1.5e-k is never an integer
  EXPECT_TRUE(JsonMatcher(n).advance('1'));
  EXPECT_FALSE(n.complete());
  JsonSchemaOptions portable;
  portable.portable_numbers = true;
  auto quantity = compiled(R"({"type":"integer","minimum":2,"maximum":10})", portable);
  JsonMatcher q(quantity);
  EXPECT_FALSE(JsonMatcher(q).advance('0'));
  EXPECT_FALSE(JsonMatcher(q).advance('-'));
  ASSERT_TRUE(q.advance('1'));
  EXPECT_FALSE(q.complete());                 // 1 is below the minimum
  EXPECT_FALSE(JsonMatcher(q).advance('1'));  // 11 is above the maximum
  EXPECT_TRUE(JsonMatcher(q).advance('0'));
  auto pattern = compiled(R"({"type":"string","pattern":"^ab$","maxLength":5})");
  JsonMatcher p(pattern);
  EXPECT_FALSE(JsonMatcher(p).advance("\"b"));
  EXPECT_TRUE(JsonMatcher(p).advance("\"\\u0061"));  // an escaped 'a'
  EXPECT_FALSE(JsonMatcher(p).advance("\"\\u0062"));
}

TEST(JsonSchema, OverlappingBranchesKeepFewReadings) {
  auto s = compiled(R"({"$defs":{"n":{"anyOf":[{"type":"array","items":{"$ref":"#/$defs/n"}},
                        {"type":"array","items":{"$ref":"#/$defs/n"},"maxItems":9}]}},"$ref":"#/$defs/n"})",
                    {JsonSchemaOptions::Draft::k2020, 2, false});
  JsonMatcher m(s);
  ASSERT_TRUE(m.advance("[[[["));
  EXPECT_EQ(m.readings(), 16u);  // each bracket could be either branch
  ASSERT_TRUE(m.advance(std::string(20, '[')));
  EXPECT_LE(m.readings(), 256u);
  ASSERT_TRUE(m.advance(std::string(24, ']')));
  EXPECT_TRUE(m.finished());
  auto enums = compiled(R"({"enum":["ab","abc","abd",{"k":1},{"k":2}]})");
  JsonMatcher e(enums);
  ASSERT_TRUE(e.advance(R"({"k")"));
  EXPECT_EQ(e.readings(), 2u);
  ASSERT_TRUE(e.advance(":2}"));
  EXPECT_EQ(e.readings(), 1u);
}

TEST(JsonSchema, FinishedOnlyWhenNothingButWhitespaceMayFollow) {
  auto object = compiled(R"({"type":"object"})");
  JsonMatcher m(object);
  ASSERT_TRUE(m.advance("{}"));
  EXPECT_TRUE(m.complete());
  EXPECT_TRUE(m.finished());
  auto number = compiled(R"({"type":"integer"})");
  JsonMatcher n(number);
  ASSERT_TRUE(n.advance("12"));
  EXPECT_TRUE(n.complete());
  EXPECT_FALSE(n.finished());  // "123" is still possible
}

TEST(JsonSchema, UnsupportedKeywordsNameTheirPointer) {
  EXPECT_EQ(compile_error(R"({"properties":{"age":{"type":"integer","multipleOf":2}}})"),
            "/properties/age: unsupported keyword \"multipleOf\"");
  EXPECT_EQ(compile_error(R"({"items":{"uniqueItems":true}})"),
            "/items: unsupported keyword \"uniqueItems\"");
  EXPECT_EQ(compile_error(R"({"not":{}})"), "(root): unsupported keyword \"not\"");
  EXPECT_EQ(compile_error(R"({"properties":{"a/b":{"contains":{}}}})"),
            "/properties/a~1b: unsupported keyword \"contains\"");
  EXPECT_EQ(compile_error(R"({"type":"integer","minimum":1})"),
            "(root): unsupported keyword \"minimum\" (supported beside \"type\": \"integer\", with portable "
            "numbers)");
  EXPECT_NE(compile_error(R"({"oneOf":[{"type":"integer"},{"type":"number"}]})").find("oneOf"),
            std::string::npos);
  EXPECT_EQ(compile_error(R"({"title":"t","description":"d","examples":[1],"default":2,"$comment":"c",
                              "format":"email","x-vendor":true})"),
            "(compiled)");
}

TEST(JsonSchema, MalformedSchemasGiveClearErrors) {
  EXPECT_EQ(compile_error(R"({"maxLength":-1})"), "/maxLength: must not be negative");
  EXPECT_EQ(compile_error(R"({"minItems":1.5})"), "/minItems: must be a non-negative integer");
  EXPECT_EQ(compile_error(R"({"type":"strin"})"), "/type: unknown type \"strin\"");
  EXPECT_EQ(compile_error(R"({"type":7})"), "/type: must be a type name or an array of them");
  EXPECT_EQ(compile_error(R"({"properties":[]})"), "/properties: must be an object");
  EXPECT_EQ(compile_error(R"({"required":"a"})"), "/required: must be an array of property names");
  EXPECT_EQ(compile_error(R"({"items":3})"), "/items: a schema must be an object or a boolean");
  EXPECT_EQ(compile_error(R"({"anyOf":[]})"), "/anyOf: must be a non-empty array of schemas");
  EXPECT_EQ(compile_error(R"({"enum":3})"), "/enum: must be an array");
  EXPECT_EQ(compile_error(R"({"$ref":"#/definitions/missing"})"),
            "/$ref: \"#/definitions/missing\" refers to nothing");
  EXPECT_NE(compile_error(R"({"$ref":"http://example.com/s.json"})").find("unsupported $ref"),
            std::string::npos);
  EXPECT_NE(compile_error(R"({"$ref":"#"})").find("itself"), std::string::npos);
  EXPECT_NE(compile_error(R"({"pattern":"(a"})").find("/pattern: pattern \"(a\" has an unterminated group"),
            std::string::npos);
  EXPECT_NE(compile_error(R"j({"pattern":"(?=a)"})j").find("look-around"), std::string::npos);
  EXPECT_NE(compile_error(R"({"pattern":"(a)\\1"})").find("back reference"), std::string::npos);
  json wide = {{"properties", json::object()}};
  for (int i = 0; i < 65; ++i) wide["properties"]["p" + std::to_string(i)] = json::object();
  EXPECT_NE(compile_error(wide.dump()).find("more than 64"), std::string::npos);
}

TEST(JsonSchema, DeepNestingIsRefusedNotACrash) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += R"({"items":)";
  deep += "{}";
  for (int i = 0; i < 5000; ++i) deep += "}";
  EXPECT_NE(compile_error(deep).find("nest deeper than 64"), std::string::npos);
  std::string deep_enum = R"({"enum":[)" + std::string(3000, '[') + std::string(3000, ']') + "]}";
  EXPECT_NE(compile_error(deep_enum).find("nest deeper than 64"), std::string::npos);
  // Text nested far deeper than any schema still only grows a stack.
  auto any = compiled("{}");
  JsonMatcher m(any);
  EXPECT_TRUE(m.advance(std::string(100000, '[') + std::string(100000, ']')));
  EXPECT_TRUE(m.complete());
}

// ---- Random walks: from any state the matcher allows, some byte is
// allowed or the instance is complete, and a complete text is valid for an
// independent validator (valijson).

const char* const kWalkSchemas[] = {
    R"({"type":"object","properties":{"action":{"enum":["refund","escalate","close"]},
        "ticket":{"type":"string","pattern":"^T-[0-9]{4}$"},"amount":{"type":"number"},
        "count":{"type":"integer","minimum":1,"maximum":20},
        "notify":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string","maxLength":5},"maxItems":3}},
        "required":["action","ticket"],"additionalProperties":false})",
    R"({"anyOf":[{"type":"integer"},{"type":"array","items":{"enum":[1.5,"x",null,[1]]},"minItems":1}]})",
    R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":{"$ref":"#"}},"maxProperties":1}},
        "required":["a"],"additionalProperties":false})",
    R"({"type":"object","minProperties":2,"maxProperties":3,"additionalProperties":{"type":"integer"}})",
    R"({"type":"string","minLength":3,"maxLength":6,"pattern":"^(ab|c)+$"})",
};

// Bytes to try: enough to write any JSON text of the schemas above.
std::string walk_alphabet() {
  std::string bytes = " \n{}[]:,\"\\-+.eE0123456789abcdefnrtuxlsTA_";
  bytes += "\xC3\xA9";  // é
  return bytes;
}

TEST(JsonSchema, RandomWalksNeverGetStuckAndFinishValid) {
  const std::string alphabet = walk_alphabet();
  std::mt19937 random(42);
  int finished = 0;
  for (const char* text : kWalkSchemas) {
    json schema_json = json::parse(text);
    JsonSchemaOptions options;
    options.portable_numbers = true;
    auto schema = JsonSchema::compile(schema_json, options);
    ASSERT_TRUE(schema.ok()) << schema.message();
    for (int walk = 0; walk < 200; ++walk) {
      JsonMatcher m(*schema);
      std::string out;
      for (int step = 0; step < 300 && !m.finished(); ++step) {
        std::vector<char> next;
        for (char c : alphabet)
          if (JsonMatcher(m).advance(static_cast<uint8_t>(c))) next.push_back(c);
        ASSERT_TRUE(!next.empty() || m.complete()) << text << " stuck after " << out;
        if (next.empty() || (m.complete() && random() % 4 == 0)) break;
        char c = next[random() % next.size()];
        ASSERT_TRUE(m.advance(static_cast<uint8_t>(c)));
        out += c;
      }
      if (!m.complete()) continue;
      ++finished;
      json document = json::parse(out, nullptr, false);
      ASSERT_FALSE(document.is_discarded()) << out;
      EXPECT_TRUE(valijson_accepts(schema_json, document)) << text << " produced " << out;
    }
  }
  EXPECT_GT(finished, 200);
}

}  // namespace
}  // namespace groundline::llm
