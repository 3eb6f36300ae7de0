#include "eval/evaluation.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "eval/config.h"
#include "eval/report.h"
#include "ingest/ingest.h"
#include "tests/test_files.h"

namespace groundline::eval {
namespace {

using testing::TempDir;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Three small pages, ingested with 8-token chunks so that each sentence is
// a chunk of its own.
std::string make_kb(const TempDir& dir) {
  dir.write("docs/pro.md", "---\nproduct: pro\n---\n# Pro\n\nPro storage is 250 GB.\n");
  dir.write("docs/starter.md", "---\nproduct: starter\n---\n# Starter\n\nStarter storage is 100 GB.\n");
  dir.write("docs/api.md", "# API\n\nThe rate limit is 600 requests per minute.\n");
  auto path = dir / "kb.db";
  auto store = kb::Store::open(path);
  EXPECT_TRUE(store.ok());
  ingest::IngestOptions options;
  options.config.chunking = {8, 0};
  options.config.products = {"Pro", "Starter"};
  EXPECT_TRUE(ingest::ingest_folder(**store, dir / "docs", options).ok());
  return path;
}

LabelledQuestion question(std::string id, std::string text, std::vector<GoldRange> gold,
                          std::vector<std::string> facts, std::string type) {
  LabelledQuestion q;
  q.id = std::move(id);
  q.question = std::move(text);
  q.gold = std::move(gold);
  q.answer_facts = std::move(facts);
  q.answerable = !q.gold.empty();
  q.type = std::move(type);
  return q;
}

std::vector<LabelledQuestion> questions() {
  std::vector<LabelledQuestion> qs = {
      question("1", "What is the rate limit in requests?", {{"api.md", 3, 3}}, {"600 requests"}, "fact"),
      question("2", "How much storage does Pro have?", {{"pro.md", 3, 3}}, {"250 GB"}, "fact"),
      question("3", "storage", {{"pro.md", 3, 3}}, {"250 GB"}, "plan"),
      question("4", "zebra", {{"api.md", 1, 3}}, {"zebra"}, "fact"),
      question("5", "Is there a Business plan?", {}, {}, "unanswerable")};
  qs[1].reference_answer = "Pro storage is 250 GB.";
  qs[2].filters = {"product=starter"};  // the gold page is filtered out
  return qs;
}

nlohmann::json retrieval_json(const ConfigResult& result) {
  EvalReport report;
  report.configs = {result};
  return report_json(report)["configs"][0]["retrieval"];
}

const QuestionResult& by_id(const ConfigResult& r, const std::string& id) {
  for (const auto& q : r.questions)
    if (q.id == id) return q;
  ADD_FAILURE() << "no question " << id;
  return r.questions.front();
}

TEST(Evaluation, ScoresEveryQuestionWithItsVerdict) {
  TempDir dir;
  auto kb = make_kb(dir);
  auto result = evaluate(kb, questions(), EvalConfig{}, EvalOptions{});
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(by_id(*result, "1").found_rank, 1);
  EXPECT_EQ(by_id(*result, "1").verdict, Verdict::kCorrect);
  EXPECT_EQ(by_id(*result, "2").verdict, Verdict::kCorrect);
  ASSERT_TRUE(by_id(*result, "2").f1.has_value());
  EXPECT_GT(*by_id(*result, "2").f1, 0.5);
  EXPECT_EQ(by_id(*result, "3").verdict, Verdict::kRetrievalMiss);
  EXPECT_EQ(by_id(*result, "4").verdict, Verdict::kRetrievalMiss);
  EXPECT_EQ(by_id(*result, "5").verdict, Verdict::kCorrectAbstention);

  auto retrieval = summarize_retrieval(*result);
  EXPECT_EQ(retrieval.questions, 4);
  EXPECT_DOUBLE_EQ(retrieval.recall_at_1, 0.5);
  EXPECT_DOUBLE_EQ(retrieval.mrr, 0.5);
  auto answers = summarize_answers(*result);
  ASSERT_TRUE(answers.has_value());
  EXPECT_EQ(answers->correct, 2);
  EXPECT_DOUBLE_EQ(answers->accuracy(), 0.5);
  EXPECT_EQ(answers->unanswerable, 1);
  EXPECT_DOUBLE_EQ(answers->correct_abstention_rate(), 1.0);
  EXPECT_EQ(answers->unsupported_released, 0);
  EXPECT_EQ(retrieval_by_type(*result)["plan"].questions, 1);

  auto worst = worst_first(*result);
  EXPECT_EQ(worst.front()->verdict, Verdict::kRetrievalMiss);
  EXPECT_EQ(worst.back()->verdict, Verdict::kCorrectAbstention);
  auto stages = latency_by_stage(*result);
  EXPECT_TRUE(stages.count("total") && stages.count("search") && stages.count("verify"));
  EXPECT_FALSE(stages.count("self_check"));
}

TEST(Evaluation, FiltersOffIgnoresTheQuestionsFiltersAndRetrievalOnlyAsksNothing) {
  TempDir dir;
  auto kb = make_kb(dir);
  EvalConfig config;
  config.filters = false;
  config.answers = false;
  auto result = evaluate(kb, questions(), config, EvalOptions{});
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_TRUE(by_id(*result, "3").found_rank.has_value());  // pro.md is no longer filtered out
  EXPECT_FALSE(by_id(*result, "1").asked);
  EXPECT_FALSE(summarize_answers(*result).has_value());
  EXPECT_FALSE(latency_by_stage(*result).count("total"));
}

TEST(Evaluation, ResultsDoNotDependOnTheNumberOfThreads) {
  TempDir dir;
  auto kb = make_kb(dir);
  auto qs = questions();
  for (int i = 0; i < 40; ++i) {
    auto q = qs[static_cast<size_t>(i) % qs.size()];
    q.id += "-" + std::to_string(i);
    qs.push_back(q);
  }
  EvalOptions one, four;
  four.threads = 4;
  size_t calls = 0;
  four.on_progress = [&](size_t, size_t total) {
    EXPECT_EQ(total, qs.size());
    calls++;  // called under no lock: counted approximately, checked loosely below
  };
  auto a = evaluate(kb, qs, EvalConfig{}, one), b = evaluate(kb, qs, EvalConfig{}, four);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(retrieval_json(*a), retrieval_json(*b));
  for (size_t i = 0; i < qs.size(); ++i) {
    EXPECT_EQ(a->questions[i].id, qs[i].id);
    EXPECT_EQ(a->questions[i].verdict, b->questions[i].verdict) << qs[i].id;
    EXPECT_EQ(a->questions[i].answer, b->questions[i].answer) << qs[i].id;
  }
  EXPECT_GT(calls, 0u);
}

TEST(Evaluation, OtherChunkingRunsOnAScratchCopyAndLeavesTheKnowledgeBaseAlone) {
  TempDir dir;
  auto kb = make_kb(dir);
  auto before = core::content_hash(file_bytes(kb));
  EvalConfig same, bigger;
  same.chunking = ingest::ChunkOptions{8, 0};
  bigger.chunking = ingest::ChunkOptions{200, 20};
  auto same_path = knowledge_base_for(kb, same, dir / "");
  ASSERT_TRUE(same_path.ok()) << same_path.message();
  EXPECT_EQ(*same_path, kb);
  auto scratch = knowledge_base_for(kb, bigger, dir / "");
  ASSERT_TRUE(scratch.ok()) << scratch.message();
  EXPECT_NE(*scratch, kb);
  auto result = evaluate(*scratch, questions(), bigger, EvalOptions{});
  ASSERT_TRUE(result.ok()) << result.message();
  // A whole page is one chunk now: the heading line and the sentence come back together.
  EXPECT_EQ(by_id(*result, "1").retrieved.front().first_line, 1);
  EXPECT_EQ(core::content_hash(file_bytes(kb)), before);
  EXPECT_EQ(*knowledge_base_for(kb, bigger, dir / ""), *scratch);  // made once, reused
}

TEST(Evaluation, ASelfCheckingModelAddsItsStageToTheLatencies) {
  TempDir dir;
  auto kb = make_kb(dir);
  EvalConfig config;
  config.checker = "gguf:" + std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/models/stories260K.gguf";
  config.self_check = true;
  auto result = evaluate(kb, questions(), config, EvalOptions{});
  ASSERT_TRUE(result.ok()) << result.message();
  auto stages = latency_by_stage(*result);
  ASSERT_TRUE(stages.count("self_check"));
  EXPECT_GT(stages["self_check"].p99, 0);
  EXPECT_LE(stages["self_check"].p99, stages["total"].p99);
  config.checker = "gguf:" + (dir / "missing.gguf");
  EXPECT_FALSE(evaluate(kb, questions(), config, EvalOptions{}).ok());
}

TEST(Evaluation, AModelAnswererReportsItsTokensAndTimePerToken) {
  TempDir dir;
  auto kb = make_kb(dir);
  EvalConfig config;
  config.answerer = "gguf:" + std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/models/stories260K.gguf";
  auto result = evaluate(kb, questions(), config, EvalOptions{});
  ASSERT_TRUE(result.ok()) << result.message();
  auto answers = summarize_answers(*result);
  ASSERT_TRUE(answers.has_value());
  EXPECT_GT(answers->completion_tokens, 0);
  EXPECT_GT(answers->prompt_tokens, answers->completion_tokens);
  ASSERT_TRUE(answers->ms_per_token().has_value());
  EXPECT_GT(*answers->ms_per_token(), 0);
  EXPECT_EQ(answers->unsupported_released, 0);  // whatever the story says, nothing unsupported is released
  EvalReport report;
  report.configs = {*result};
  auto tokens = report_json(report)["configs"][0]["tokens"];
  EXPECT_EQ(tokens["completion"], answers->completion_tokens);
  EXPECT_TRUE(tokens["ms_per_token"].is_number());
}

TEST(Evaluation, GoldReferencesToUnknownDocumentsOrLinesAreReported) {
  TempDir dir;
  auto kb = make_kb(dir);
  auto qs = questions();
  qs[0].gold = {{"gone.md", 1, 1}};
  qs[1].gold = {{"pro.md", 2, 40}};
  auto problems = check_gold(kb, qs);
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 2u);
  EXPECT_EQ((*problems)[0], "1: gold document 'gone.md' is not in the knowledge base");
  EXPECT_NE((*problems)[1].find("2: gold lines 2-40 of 'pro.md' are past its last line"), std::string::npos);
}

TEST(Evaluation, AMissingKnowledgeBaseOrBadKIsAnError) {
  TempDir dir;
  EXPECT_FALSE(evaluate(dir / "none.db", questions(), EvalConfig{}, EvalOptions{}).ok());
  auto kb = make_kb(dir);
  EvalOptions zero;
  zero.k = 0;
  EXPECT_FALSE(evaluate(kb, questions(), EvalConfig{}, zero).ok());
  auto bad = questions();
  bad[0].filters = {"updated_after=soon"};
  auto result = evaluate(kb, bad, EvalConfig{}, EvalOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.message().find("question 1"), std::string::npos) << result.message();
  EXPECT_TRUE(evaluate(kb, {}, EvalConfig{}, EvalOptions{}).ok());
}

TEST(EvalConfigFile, ReadsEveryKeyAndNamesTheBadOne) {
  auto c = parse_eval_config(
      "name: big\nchunking: {tokens: 500, overlap: 0}\nfilters: false\nretriever: bm25\n"
      "answerer: extractive\nsources: 8\nself_check: true\nanswers: false\n",
      "big.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->name, "big");
  EXPECT_EQ(c->chunking->max_tokens, 500);
  EXPECT_EQ(c->chunking->overlap_tokens, 0);
  EXPECT_FALSE(c->filters);
  EXPECT_EQ(c->sources, 8);
  EXPECT_TRUE(c->self_check);
  EXPECT_FALSE(c->answers);
  EXPECT_EQ(chunking_label(*c), "500/0");
  auto named_by_file = parse_eval_config("", "configs/small.yaml");
  ASSERT_TRUE(named_by_file.ok());
  EXPECT_EQ(named_by_file->name, "small");
  EXPECT_FALSE(named_by_file->chunking.has_value());

  auto expect_error = [](const std::string& yaml, const std::string& needle) {
    auto c = parse_eval_config(yaml, "c.yaml");
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_NE(c.message().find(needle), std::string::npos) << c.message();
  };
  expect_error("chunk: 5", "c.yaml: unknown key 'chunk'");
  expect_error("chunking: {tokens: 4}", "chunking: chunk size");
  expect_error("chunking: {tokens: 100, overlap: 100}", "chunking: chunk overlap");
  expect_error("chunking: {size: 100}", "unknown key 'size'");
  expect_error("chunking: 300", "chunking: expected");
  expect_error("retriever: dense", "retriever: 'dense'");
  expect_error("answerer: gpt", "answerer: 'gpt'");
  expect_error("sources: 0", "sources: must be");
  expect_error("filters: maybe", "c.yaml:1: filters");
  expect_error("sources: [1, 2]", "sources");
  expect_error("- a\n- b", "expected a mapping");
  expect_error("name: [unclosed", "c.yaml:");
  expect_error("name: ''", "name: must not be empty");
  expect_error("checker: extractive", "checker: 'extractive'");
  auto checked = parse_eval_config("checker: gguf:/models/judge.gguf\n", "c.yaml");
  ASSERT_TRUE(checked.ok()) << checked.message();
  EXPECT_TRUE(checked->self_check);
  EXPECT_EQ(checked->checker, "gguf:/models/judge.gguf");
}

std::string write_questions(const TempDir& dir) {
  std::string jsonl;
  for (const auto& q : questions()) jsonl += question_to_jsonl(q) + "\n";
  jsonl += "{not json\n";
  return dir.write("q.jsonl", jsonl);
}

TEST(EvalRun, TwoConfigurationsSideBySideWithProblemsReported) {
  TempDir dir;
  EvalPlan plan;
  plan.kb = make_kb(dir);
  plan.questions_file = write_questions(dir);
  EvalConfig big;
  big.name = "big chunks";
  big.chunking = ingest::ChunkOptions{200, 20};
  plan.configs = {EvalConfig{}, big};
  auto report = run_evaluation(plan);
  ASSERT_TRUE(report.ok()) << report.message();
  ASSERT_EQ(report->configs.size(), 2u);
  EXPECT_EQ(report->question_count(), 5u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0], plan.questions_file + ":6: not valid JSON (skipped)");
  auto j = report_json(*report);
  EXPECT_EQ(j["groundline_eval"], 1);
  EXPECT_EQ(j["configs"][1]["name"], "big chunks");
  EXPECT_EQ(j["configs"][1]["knowledge_base"], "scratch: re-chunked 200/20");
  EXPECT_EQ(j["configs"][0]["settings"]["chunk_tokens"], nullptr);
  EXPECT_EQ(j["configs"][0]["retrieval"]["questions"], 4);
  EXPECT_EQ(j["configs"][0]["details"].size(), 5u);
  EXPECT_EQ(j["configs"][0]["details"][0]["verdict"], "retrieval miss");
  EXPECT_TRUE(j["configs"][0]["answers"]["token_f1"].is_number());
  EXPECT_TRUE(j["configs"][0]["latency_ms"]["total"]["p95"].is_number());
  EXPECT_EQ(j["experiment"], nullptr);
  auto table = report_table(*report);
  EXPECT_NE(table.find("big chunks"), std::string::npos);
  EXPECT_NE(table.find("recall@10"), std::string::npos);
  EXPECT_NE(table.find("200/20"), std::string::npos);
  EXPECT_NE(report_failures(*report, 10).find("[retrieval miss]"), std::string::npos);

  plan.strict = true;
  auto strict = run_evaluation(plan);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.message().find(":6: not valid JSON"), std::string::npos);
  plan.strict = false;
  plan.configs = {EvalConfig{}, EvalConfig{}};
  EXPECT_FALSE(run_evaluation(plan).ok());  // two configurations named "default"
}

TEST(EvalRun, ALimitDrawsTheSameSampleForTheSameSeed) {
  TempDir dir;
  EvalPlan plan;
  plan.kb = make_kb(dir);
  plan.questions_file = write_questions(dir);
  plan.limit = 3;
  auto ids = [&](uint64_t seed) {
    plan.seed = seed;
    auto report = run_evaluation(plan);
    EXPECT_TRUE(report.ok());
    std::vector<std::string> out;
    for (const auto& q : report->configs[0].questions) out.push_back(q.id);
    return out;
  };
  auto first = ids(7);
  EXPECT_EQ(first.size(), 3u);
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end()));  // file order kept
  EXPECT_EQ(ids(7), first);
  bool differs = false;
  for (uint64_t seed = 1; seed < 20 && !differs; ++seed) differs = ids(seed) != first;
  EXPECT_TRUE(differs);
}

TEST(EvalRun, TheChunkingExperimentRunsTheClassicThreeAndTheSweep) {
  TempDir dir;
  EvalPlan plan;
  plan.kb = make_kb(dir);
  plan.questions_file = write_questions(dir);
  plan.chunking_experiment = true;
  auto report = run_evaluation(plan);
  ASSERT_TRUE(report.ok()) << report.message();
  ASSERT_EQ(report->configs.size(), 4u);  // the default, then the classic three
  EXPECT_EQ(report->configs[1].config.name, "500/0");
  EXPECT_FALSE(report->configs[2].config.filters);
  EXPECT_TRUE(report->configs[3].config.filters);
  ASSERT_TRUE(report->experiment.has_value());
  EXPECT_EQ(report->experiment->sweep.size(), chunking_sweep_configs(EvalConfig{}).size());
  auto j = report_json(*report);
  EXPECT_EQ(j["experiment"]["classic"][2], "300/50 + filters");
  EXPECT_EQ(j["experiment"]["sweep"][0]["chunk_tokens"], 100);
  EXPECT_TRUE(j["experiment"]["sweep"][0]["recall_at_5"].is_number());
  EXPECT_NE(report_table(*report).find("chunking sweep"), std::string::npos);
}

}  // namespace
}  // namespace groundline::eval
