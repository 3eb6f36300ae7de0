#include "eval/importers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/evaluation.h"
#include "eval/questions.h"
#include "ingest/ingest.h"
#include "tests/test_files.h"

namespace groundline::eval {
namespace {

using nlohmann::json;
using testing::TempDir;

std::string corpus_line(const std::string& id, const std::string& title, const std::string& text) {
  return json{{"_id", id}, {"title", title}, {"text", text}}.dump() + "\n";
}

std::string query_line(const std::string& id, const std::string& text) {
  return json{{"_id", id}, {"text", text}}.dump() + "\n";
}

// A BEIR folder at DIR/beir.
std::string write_beir(const TempDir& dir, const std::string& corpus, const std::string& queries,
                       const std::string& qrels, const std::string& split = "test") {
  dir.write("beir/corpus.jsonl", corpus);
  dir.write("beir/queries.jsonl", queries);
  dir.write("beir/qrels/" + split + ".tsv", qrels);
  return dir / "beir";
}

ImportOptions options_for(const TempDir& dir) {
  ImportOptions options;
  options.out = dir / "out";
  return options;
}

bool has_problem(const ImportReport& report, const std::string& needle) {
  for (const auto& p : report.problems)
    if (p.find(needle) != std::string::npos) return true;
  return false;
}

std::string problems_of(const ImportReport& report) {
  std::string all;
  for (const auto& p : report.problems) all += p + "\n";
  return all;
}

// The imported documents, ingested as `groundline ingest OUT/docs` would.
class IngestedImport {
 public:
  explicit IngestedImport(const TempDir& dir) {
    auto store = kb::Store::open(dir / "kb.db");
    if (!store.ok()) {
      ADD_FAILURE() << store.message();
      return;
    }
    store_ = std::move(store).value();
    auto report = ingest::ingest_folder(*store_, dir / "out/docs", {});
    if (!report.ok()) {
      ADD_FAILURE() << report.message();
      return;
    }
    for (const auto& f : report->failures) ADD_FAILURE() << f.path << ": " << f.reason;
    auto documents = store_->documents();
    if (!documents.ok()) {
      ADD_FAILURE() << documents.message();
      return;
    }
    for (const auto& d : *documents) documents_[d.path] = d;
  }

  bool has(const std::string& path) const { return documents_.contains(path); }
  int line_count(const std::string& path) const { return documents_.at(path).line_count; }
  kb::VersionText text(const std::string& path) const {
    return *store_->version_text(documents_.at(path).id);
  }
  // The lines of a gold range joined by spaces.
  std::string gold_text(const GoldRange& g) const {
    auto lines = text(g.doc).lines;
    std::string joined;
    for (int i = g.first_line; i <= g.last_line; ++i) joined += (joined.empty() ? "" : " ") + lines.at(i - 1);
    return joined;
  }

 private:
  std::unique_ptr<kb::Store> store_;
  std::map<std::string, kb::DocumentRecord> documents_;
};

// The lines of a written document, as its file holds them.
std::vector<std::string> written_lines(const TempDir& dir, const std::string& doc) {
  std::string bytes = testing::read_file(dir / ("out/docs/" + doc));
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t end = bytes.find('\n', pos);
    lines.push_back(bytes.substr(pos, end - pos));
    pos = end == std::string::npos ? bytes.size() : end + 1;
  }
  return lines;
}

std::vector<LabelledQuestion> load_imported(const TempDir& dir) {
  auto questions = load_questions(dir / "out/questions.jsonl");
  EXPECT_TRUE(questions.ok()) << questions.message();
  return questions.ok() ? *questions : std::vector<LabelledQuestion>{};
}

const LabelledQuestion& by_id(const std::vector<LabelledQuestion>& questions, const std::string& id) {
  for (const auto& q : questions)
    if (q.id == id) return q;
  throw std::runtime_error("no question " + id);
}

TEST(ImportBeir, EveryGoldRangeIsAWholeIngestedDocument) {
  TempDir dir;
  auto folder = write_beir(dir,
                           corpus_line("d1", "Storage limits", "Pro has 250 GB.\nStarter has 100 GB.") +
                               corpus_line("d2", "", "Untitled page about refunds.") +
                               corpus_line("doc/3 x", "Odd id", "A document with an unsafe id.") +
                               corpus_line("d4", "Distractor", "Nothing relevant here."),
                           query_line("q1", "How much storage?") + query_line("q2", "Which id is odd?") +
                               query_line("q3", "Not relevant anywhere") + query_line("q4", "No judgements"),
                           "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t1\nq2\tdoc/3 x\t2\nq3\td4\t0\n");
  auto report = import_beir(folder, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->documents, 4u);
  EXPECT_EQ(report->questions, 2u);
  EXPECT_EQ(report->problem_count, 0u) << problems_of(*report);

  auto questions = load_imported(dir);
  ASSERT_EQ(questions.size(), 2u);
  const auto& q1 = by_id(questions, "q1");
  EXPECT_EQ(q1.question, "How much storage?");
  EXPECT_EQ(q1.type, "beir");
  EXPECT_TRUE(q1.answerable);
  EXPECT_TRUE(q1.answer_facts.empty());
  ASSERT_EQ(q1.gold.size(), 2u);
  EXPECT_EQ(q1.gold[0].doc, "d1.md");
  EXPECT_EQ(q1.gold[1].doc, "d2.md");
  EXPECT_TRUE(by_id(questions, "q2").gold[0].doc.starts_with("doc_3_x-"));

  IngestedImport kb(dir);
  for (const auto& q : questions)
    for (const auto& g : q.gold) {
      ASSERT_TRUE(kb.has(g.doc)) << g.doc;
      EXPECT_EQ(g.first_line, 1);
      EXPECT_EQ(g.last_line, kb.line_count(g.doc)) << g.doc;
    }
  EXPECT_EQ(kb.text("d1.md").lines,
            (std::vector<std::string>{"# Storage limits", "", "Pro has 250 GB.", "Starter has 100 GB."}));
  EXPECT_EQ(kb.text("d2.md").lines, (std::vector<std::string>{"Untitled page about refunds."}));
  auto problems = check_gold(dir / "kb.db", questions);
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
}

TEST(ImportBeir, ReadsTheSplitNamedByOption) {
  TempDir dir;
  auto folder = write_beir(dir, corpus_line("d1", "T", "Text."), query_line("q1", "Question?"),
                           "query-id\tcorpus-id\tscore\nq1\td1\t1\n", "dev");
  auto missing = import_beir(folder, options_for(dir));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("qrels/test.tsv: no such file"), std::string::npos) << missing.message();
  auto options = options_for(dir);
  options.split = "dev";
  auto report = import_beir(folder, options);
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->questions, 1u);
}

TEST(ImportBeir, ReportsBadLinesWithTheirLineNumbersAndSkipsThem) {
  TempDir dir;
  auto folder =
      write_beir(dir,
                 corpus_line("d1", "One", "First.") + "{broken\n" + corpus_line("d2", "Two", "Second.") +
                     R"({"title": "no id", "text": "x"})"
                     "\n" +
                     corpus_line("d1", "Again", "Repeat.") +
                     R"({"_id": "d3", "title": ["a list"], "text": "x"})"
                     "\n",
                 query_line("q1", "First?") + "[1, 2]\n" + query_line("q2", "Second?") +
                     query_line("q1", "First again?") + query_line("q3", "  "),
                 "query-id\tcorpus-id\tscore\n"
                 "q1\td1\t1\n"
                 "q1\td1\n"
                 "q2\tmissing\t1\n"
                 "q9\td2\t1\n"
                 "q2\td2\tabc\n"
                 "q2\td2\t1\n"
                 "q3\td2\t1\n");
  auto report = import_beir(folder, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  std::string corpus = folder + "/corpus.jsonl:", queries = folder + "/queries.jsonl:";
  std::string qrels = folder + "/qrels/test.tsv:";
  for (const auto& expected :
       {corpus + "2: not a JSON object", corpus + "4: no '_id'", corpus + "5: document 'd1' is repeated",
        corpus + "6: 'title' and 'text' must be text", queries + "2: not a JSON object",
        queries + "4: query 'q1' is repeated", queries + "5: query 'q3' has no text",
        qrels + "3: expected 3 tab-separated columns (query-id, corpus-id, score), found 2",
        qrels + "4: unknown document 'missing'", qrels + "5: unknown query 'q9'",
        qrels + "6: score 'abc' is not a number"})
    EXPECT_TRUE(has_problem(*report, expected)) << expected << "\nnot in:\n" << problems_of(*report);
  EXPECT_EQ(report->problem_count, 11u) << problems_of(*report);
  EXPECT_EQ(report->documents, 2u);
  auto questions = load_imported(dir);
  ASSERT_EQ(questions.size(), 2u);
  EXPECT_EQ(by_id(questions, "q1").gold.size(), 1u);
  EXPECT_EQ(by_id(questions, "q2").gold[0].doc, "d2.md");
}

// Text lines that look like Markdown structure, or like nothing at all; each
// carries a marker "Ln" so that its line can be found after ingest.
std::vector<std::string> hostile_lines() {
  return {"# L0 not a heading",
          "## L1 nor this",
          "| L2 | a table? |",
          "|---|---|",
          "---",
          "```",
          "L6 after a fence",
          "~~~ L7 fence",
          "- L8 not a list",
          "* L9 nor this",
          "+ L10 nor this",
          "1. L11 nor this",
          "2) L12 nor this",
          "L13 a paragraph line",
          "===",
          "> L15 quote",
          "<div class=\"x\">L16 html</div>",
          "<!-- L17 an unclosed comment",
          "    L18 indented four",
          "\tL19 tabbed",
          "L20 tabs\tinside  and  double  spaces  ",
          std::string("L21 nul") + '\0' + "byte and bell\a",
          "L22 e\xCC\x81 decomposed",
          "",
          "L24 last"};
}

TEST(ImportBeir, HostileTextKeepsItsLineNumbers) {
  TempDir dir;
  std::string text;
  for (const auto& line : hostile_lines()) text += line + "\n";
  text.replace(text.find("\nL13"), 1, "\r\n");  // Windows and old Mac line ends count once
  text.replace(text.find("\n> L15"), 1, "\r");
  auto folder = write_beir(dir,
                           corpus_line("hostile", "Hostile", text) +
                               corpus_line("front", "---", "---\ntitle: not front matter\n---\nL3 body"),
                           query_line("q1", "hostile?") + query_line("q2", "front?"),
                           "query-id\tcorpus-id\tscore\nq1\thostile\t1\nq2\tfront\t1\n");
  auto report = import_beir(folder, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->problem_count, 0u) << problems_of(*report);
  auto questions = load_imported(dir);
  IngestedImport kb(dir);

  auto hostile = kb.text("hostile.md");
  ASSERT_EQ(hostile.lines.size(), hostile_lines().size() + 2);
  EXPECT_EQ(by_id(questions, "q1").gold[0].last_line, static_cast<int>(hostile.lines.size()));
  ASSERT_EQ(hostile.headings.size(), 1u);
  EXPECT_EQ(hostile.headings[0].text, "Hostile");
  for (size_t i = 0; i < hostile_lines().size(); ++i) {
    auto marker = "L" + std::to_string(i) + " ";
    if (hostile_lines()[i].find(marker) == std::string::npos) continue;
    EXPECT_NE(hostile.lines[i + 2].find(marker), std::string::npos)
        << "line " << i + 3 << ": " << hostile.lines[i + 2];
  }
  EXPECT_EQ(hostile.lines[22], "L20 tabs inside and double spaces");
  EXPECT_EQ(hostile.lines[23], "L21 nulbyte and bell");
  EXPECT_EQ(hostile.lines[24], "L22 \xC3\xA9 decomposed");
  EXPECT_EQ(written_lines(dir, "hostile.md"), hostile.lines);

  auto front = kb.text("front.md");
  EXPECT_EQ(front.lines, (std::vector<std::string>{"\\---", "title: not front matter", "\\---", "L3 body"}));
  EXPECT_TRUE(front.headings.empty());
  EXPECT_EQ(by_id(questions, "q2").gold[0].last_line, 4);
}

TEST(ImportBeir, DamagedHugeAndEmptyDocumentsStillIngest) {
  TempDir dir;
  std::string huge;
  for (int i = 0; huge.size() < (1 << 20); ++i)
    huge += "Line " + std::to_string(i) + " of a long document.\n";
  huge += std::string(200000, 'x');  // one very long word, without a line end
  auto folder = write_beir(
      dir,
      std::string("{\"_id\": \"bad-utf8\", \"title\": \"Caf\xFF\", \"text\": \"Broken \xC3( bytes\"}\n") +
          corpus_line("nul", "Nul", std::string("before") + '\0' + "after") +
          "{\"_id\": \"raw-nul\", \"text\": \"a\x01" + std::string(1, '\0') + "b\"}\n" +
          corpus_line("huge", "Huge", huge) + corpus_line("empty", "", "") + corpus_line("!!!", "", "  ..."),
      query_line("q1", "utf8?") + query_line("q2", "nul?") + query_line("q3", "huge?") +
          query_line("q4", "empty?") + query_line("q5", "punctuation?"),
      "query-id\tcorpus-id\tscore\nq1\tbad-utf8\t1\nq2\tnul\t1\nq3\thuge\t1\nq4\tempty\t1\nq5\t!!!\t1\n");
  auto report = import_beir(folder, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_TRUE(has_problem(*report, "corpus.jsonl:1: invalid UTF-8 replaced by U+FFFD"))
      << problems_of(*report);
  EXPECT_TRUE(has_problem(*report, "corpus.jsonl:3: not a JSON object")) << problems_of(*report);
  EXPECT_EQ(report->problem_count, 2u) << problems_of(*report);
  auto questions = load_imported(dir);
  ASSERT_EQ(questions.size(), 5u);
  IngestedImport kb(dir);
  for (const auto& q : questions) {
    ASSERT_TRUE(kb.has(q.gold[0].doc)) << q.gold[0].doc;
    EXPECT_EQ(q.gold[0].last_line, kb.line_count(q.gold[0].doc)) << q.id;
  }
  EXPECT_EQ(kb.text("bad-utf8.md").lines[0], "# Caf\uFFFD");
  EXPECT_EQ(kb.text("nul.md").lines[2], "beforeafter");
  EXPECT_EQ(kb.text("huge.md").lines.back(), std::string(200000, 'x'));
  EXPECT_EQ(kb.text("empty.md").lines, (std::vector<std::string>{"# Document empty"}));
  EXPECT_EQ(kb.text(by_id(questions, "q5").gold[0].doc).lines,
            (std::vector<std::string>{"# Document !!!", "", "..."}));
}

TEST(ImportBeir, FailsWithoutInputAndKeepsAnEarlierImportUnlessForced) {
  TempDir dir;
  auto missing = import_beir(dir / "nowhere", options_for(dir));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no such folder"), std::string::npos) << missing.message();

  auto folder = write_beir(dir, corpus_line("d1", "T", "Text."), query_line("q1", "Question?"),
                           "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
  ASSERT_TRUE(import_beir(folder, options_for(dir)).ok());
  auto again = import_beir(folder, options_for(dir));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("--force"), std::string::npos) << again.message();
  auto options = options_for(dir);
  options.force = true;
  EXPECT_TRUE(import_beir(folder, options).ok());

  dir.write("beir/corpus.jsonl", "");
  auto empty = import_beir(folder, options);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("corpus.jsonl: no document could be read"), std::string::npos)
      << empty.message();
  EXPECT_FALSE(std::filesystem::exists(dir / "out/docs"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/questions.jsonl"));
}

TEST(ImportBeir, ShardsBigCorporaIntoSubfolders) {
  TempDir dir;
  std::string corpus;
  for (int i = 0; i < 2100; ++i)
    corpus += corpus_line("d" + std::to_string(i), "", "Text " + std::to_string(i));
  auto folder =
      write_beir(dir, corpus, query_line("q1", "Question?"), "query-id\tcorpus-id\tscore\nq1\td7\t1\n");
  auto report = import_beir(folder, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->documents, 2100u);
  auto gold = load_imported(dir).at(0).gold.at(0);
  EXPECT_EQ(gold.doc.size(), std::string("ab/d7.md").size()) << gold.doc;
  EXPECT_TRUE(gold.doc.ends_with("/d7.md")) << gold.doc;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / ("out/docs/" + gold.doc)));
  size_t largest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "out/docs")) {
    ASSERT_TRUE(entry.is_directory()) << entry.path();
    auto files = std::distance(std::filesystem::directory_iterator(entry.path()), {});
    largest = std::max(largest, static_cast<size_t>(files));
  }
  EXPECT_LT(largest, 100u);
}

json squad_answer(const std::string& text, int start) {
  return {{"text", text}, {"answer_start", start}};
}

json squad_question(const std::string& id, const std::string& question, json answers) {
  return {{"id", id}, {"question", question}, {"answers", std::move(answers)}};
}

// Two articles; the first one's paragraphs hold an answer twice (found by
// its character offset after a two-byte character), an answer with a
// wrong offset, and Markdown-like lines.
json squad_fixture() {
  json cafe = {{"title", "Caf\u00e9 Culture"},
               {"paragraphs",
                {{{"context", "Caf\u00e9s opened in 1650.\nA second line: 1650 again."},
                  {"qas",
                   {squad_question("q1", "When, on the second line?", {squad_answer("1650", 37)}),
                    squad_question("q2", "When (wrong offset)?", {squad_answer("1650", 999)})}}},
                 {{"context", "# Not a heading\n```\nThe first caf\u00e9 was in Oxford.\n---"},
                  {"qas", {squad_question("q3", "Where?", {squad_answer("Oxford", 42)})}}}}}};
  json sea = {{"title", "Sea"},
              {"paragraphs",
               {{{"context", "The sea is blue.\n\nDeep water looks deep blue from above."},
                 {"qas",
                  {squad_question("q4", "What colour?",
                                  {squad_answer("blue", 11), squad_answer("blue", 11),
                                   squad_answer("deep blue", 35)})}}}}}};
  return {{"version", "1.1"}, {"data", {cafe, sea}}};
}

TEST(ImportSquad, GoldLinesHoldTheAnswerAfterIngest) {
  TempDir dir;
  auto file = dir.write("squad.json", squad_fixture().dump(2));
  auto report = import_squad(file, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->documents, 2u);
  EXPECT_EQ(report->questions, 4u);
  EXPECT_EQ(report->problem_count, 0u) << problems_of(*report);

  auto questions = load_imported(dir);
  ASSERT_EQ(questions.size(), 4u);
  IngestedImport kb(dir);
  for (const auto& q : questions) {
    EXPECT_EQ(q.type, "squad");
    EXPECT_TRUE(q.answerable);
    ASSERT_EQ(q.answer_facts.size(), 1u);
    EXPECT_EQ(q.reference_answer, q.answer_facts[0]);
    ASSERT_FALSE(q.gold.empty()) << q.id;
    for (const auto& g : q.gold) {
      ASSERT_TRUE(kb.has(g.doc)) << g.doc;
      EXPECT_NE(kb.gold_text(g).find(q.answer_facts[0]), std::string::npos)
          << q.id << ": " << kb.gold_text(g);
    }
  }
  auto cafe = kb.text(questions[0].gold[0].doc);
  EXPECT_EQ(cafe.lines, (std::vector<std::string>{"# Caf\u00e9 Culture", "", "Caf\u00e9s opened in 1650.",
                                                  "A second line: 1650 again.", "", "\\# Not a heading",
                                                  "\\```", "The first caf\u00e9 was in Oxford.", "\\---"}));
  ASSERT_EQ(cafe.headings.size(), 1u);
  EXPECT_EQ(by_id(questions, "q1").gold[0].first_line, 4);
  EXPECT_EQ(by_id(questions, "q2").gold[0].first_line, 3);
  EXPECT_EQ(by_id(questions, "q3").gold[0].first_line, 8);
  const auto& q4 = by_id(questions, "q4");
  ASSERT_EQ(q4.gold.size(), 2u);
  EXPECT_EQ(q4.gold[0].first_line, 3);
  EXPECT_EQ(q4.gold[1].first_line, 5);
  EXPECT_EQ(q4.answer_facts[0], "blue");
  EXPECT_EQ(questions[0].gold[0].doc, document_file_name("Caf\u00e9 Culture") + ".md");
}

TEST(ImportSquad, ImpossibleQuestionsAreUnanswerable) {
  TempDir dir;
  json impossible = {{"id", "v2"},
                     {"question", "What colour is the moon?"},
                     {"answers", json::array()},
                     {"plausible_answers", {squad_answer("blue", 11)}},
                     {"is_impossible", true}};
  json answerable = squad_question("v1", "What colour?", {squad_answer("blue", 11)});
  answerable["is_impossible"] = false;
  json v2 = {{"version", "v2.0"},
             {"data",
              {{{"title", "Sea"},
                {"paragraphs", {{{"context", "The sea is blue."}, {"qas", {impossible, answerable}}}}}}}}};
  auto report = import_squad(dir.write("v2.json", v2.dump()), options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->questions, 2u);
  EXPECT_EQ(report->unanswerable, 1u);
  auto questions = load_imported(dir);
  const auto& q = by_id(questions, "v2");
  EXPECT_FALSE(q.answerable);
  EXPECT_TRUE(q.gold.empty());
  EXPECT_TRUE(q.answer_facts.empty());
  EXPECT_TRUE(q.reference_answer.empty());
  EXPECT_TRUE(by_id(questions, "v1").answerable);
}

TEST(ImportSquad, ReportsPartsThatAreNotTheExpectedShapeByTheirJsonPath) {
  TempDir dir;
  json paragraphs = {{{"context", 5}},
                     {{"context", "Red fox."},
                      {"qas",
                       {squad_question("a", "Colour?", {squad_answer("red", 0)}),
                        {{"id", "b"}},
                        squad_question("c", "Animal?", {squad_answer("fox", 4)}),
                        squad_question("c", "Again?", {squad_answer("fox", 4)}),
                        squad_question("d", "Nothing?", json::array())}}}};
  json squad = {
      {"data", {"not an article", {{"title", "Fox"}, {"paragraphs", paragraphs}}, {{"title", "Empty"}}}}};
  auto file = dir.write("bad.json", squad.dump());
  auto report = import_squad(file, options_for(dir));
  ASSERT_TRUE(report.ok()) << report.message();
  for (const auto& expected :
       {file + ": data[0]: not an object with a 'paragraphs' list",
        file + ": data[1].paragraphs[0]: not an object with a 'context' text",
        file + ": data[1].paragraphs[1].qas[0]: answer 'red' is not in its paragraph",
        file + ": data[1].paragraphs[1].qas[1]: not an object with an 'id' and a 'question'",
        file + ": data[1].paragraphs[1].qas[3]: question 'c' is repeated",
        file + ": data[1].paragraphs[1].qas[4]: no 'answers'",
        file + ": data[2]: not an object with a 'paragraphs' list"})
    EXPECT_TRUE(has_problem(*report, expected)) << expected << "\nnot in:\n" << problems_of(*report);
  EXPECT_EQ(report->problem_count, 7u) << problems_of(*report);
  EXPECT_EQ(report->questions, 1u);
  EXPECT_EQ(load_imported(dir).at(0).id, "c");
}

TEST(ImportSquad, FailsOnAFileThatIsNotSquad) {
  TempDir dir;
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    auto report = import_squad(dir.write("x.json", text), options_for(dir));
    ASSERT_FALSE(report.ok()) << text;
    EXPECT_NE(report.message().find(needle), std::string::npos) << report.message();
  };
  expect_error(R"({"version": "1.1"})", "not a SQuAD file");
  expect_error(R"({"data": [1, 2)", "not valid JSON");
  expect_error(R"({"data": [{"title": "No paragraphs"}]})", "no article has a usable paragraph");
  EXPECT_FALSE(import_squad(dir / "missing.json", options_for(dir)).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "out/docs"));
}

TEST(ImportFileNames, AreSafeShortAndDistinct) {
  EXPECT_EQ(document_file_name("d1"), "d1");
  EXPECT_EQ(document_file_name("Super_Bowl_50"), "Super_Bowl_50");
  EXPECT_EQ(document_file_name("4983"), "4983");
  struct Case {
    std::string id, prefix;
  };
  for (const auto& c : std::vector<Case>{{"doc/3 x", "doc_3_x-"},
                                         {".hidden", "_hidden-"},
                                         {"..", "_.-"},
                                         {"", ""},
                                         {"Beyonc\u00e9", "Beyonc__-"},
                                         {std::string(200, 'a'), std::string(80, 'a') + "-"}}) {
    auto name = document_file_name(c.id);
    EXPECT_TRUE(name.starts_with(c.prefix)) << c.id << " -> " << name;
    EXPECT_EQ(name.size(), c.prefix.size() + 8) << name;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"),
              std::string::npos);
  }
  EXPECT_NE(document_file_name("a/b"), document_file_name("a_b"));
  EXPECT_NE(document_file_name("a/b"), document_file_name("a?b"));
}

}  // namespace
}  // namespace groundline::eval
