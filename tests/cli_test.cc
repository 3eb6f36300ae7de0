// The command line as a user runs it: exit codes, messages, JSON output,
// and the bundled example end to end.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "kb/store.h"
#include "tests/test_files.h"

namespace groundline {
namespace {

using nlohmann::json;
using testing::TempDir;

struct Run {
  int code = -1;
  std::string out, err;
};

std::string quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs groundline with `args`; stdout and stderr captured separately.
Run groundline(const std::vector<std::string>& args, const TempDir& dir) {
  std::string cmd = GROUNDLINE_BINARY;
  for (const auto& a : args) cmd += " " + quote(a);
  std::string err_file = dir / "stderr.txt";
  cmd += " 2>" + quote(err_file);
  Run run;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  FILE* err = fopen(err_file.c_str(), "r");
  while (err && (n = fread(buf.data(), 1, buf.size(), err)) > 0) run.err.append(buf.data(), n);
  if (err) fclose(err);
  return run;
}

const std::string kExample = std::string(GROUNDLINE_SOURCE_DIR) + "/examples/acme";

class Example : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    kb_ = *dir_ / "acme.db";
    auto run = groundline(
        {"ingest", kExample + "/docs", "--config", kExample + "/groundline.yaml", "--kb", kb_, "--json"},
        *dir_);
    ASSERT_EQ(run.code, 0) << run.err;
    report_ = json::parse(run.out);
  }
  static void TearDownTestSuite() { delete dir_; }

  static json search(const std::string& q, const std::vector<std::string>& filters = {}, int k = 5) {
    std::vector<std::string> args = {"search", q, "--kb", kb_, "--json", "-k", std::to_string(k)};
    for (const auto& f : filters) args.insert(args.end(), {"--filter", f});
    auto run = groundline(args, *dir_);
    EXPECT_EQ(run.code, 0) << run.err;
    return json::parse(run.out);
  }

  static TempDir* dir_;
  static std::string kb_;
  static json report_;
};
TempDir* Example::dir_ = nullptr;
std::string Example::kb_;
json Example::report_;

TEST_F(Example, IngestsEveryDocumentOfTheExample) {
  EXPECT_GE(report_["added"].get<int>(), 60);
  EXPECT_EQ(report_["failed"].get<int>(), 0);
  EXPECT_GT(report_["chunks_written"].get<int>(), 200);
}

TEST_F(Example, SearchFindsThePageWithLinesHeadingsTagsAndText) {
  auto out = search("card declined E402");
  ASSERT_FALSE(out["hits"].empty());
  const auto& top = out["hits"][0];
  EXPECT_NE(top["text"].get<std::string>().find("E402"), std::string::npos);
  EXPECT_GE(top["last_line"].get<int>(), top["first_line"].get<int>());
  EXPECT_FALSE(top["heading_path"].get<std::string>().empty());
  EXPECT_TRUE(top["tags"].contains("category"));
  EXPECT_GT(top["score"].get<double>(), 0);
}

TEST_F(Example, FilteredSearchReturnsOnlyMatchingChunks) {
  auto out = search("storage limit per seat", {"product=enterprise", "updated_after=2025-01-01"}, 20);
  ASSERT_FALSE(out["hits"].empty());
  for (const auto& h : out["hits"]) {
    auto products = h["tags"]["product"];
    bool ok = false;
    for (const auto& p : products) ok = ok || p == "enterprise" || p == "all";
    EXPECT_TRUE(ok) << h["doc"];
    EXPECT_GT(h["tags"]["updated"][0].get<std::string>(), "2025-01-01") << h["doc"];
  }
}

TEST_F(Example, InspectListsDocumentsAndShowsNumberedLines) {
  auto list = groundline({"inspect", "--kb", kb_, "--json"}, *dir_);
  ASSERT_EQ(list.code, 0) << list.err;
  auto j = json::parse(list.out);
  EXPECT_EQ(j["documents"].size(), report_["added"].get<size_t>());
  EXPECT_GT(j["tag_counts"]["category"]["billing"].get<int>(), 0);
  auto lines = groundline({"inspect", "plans/pro.md", "--kb", kb_, "--lines", "1-3"}, *dir_);
  ASSERT_EQ(lines.code, 0) << lines.err;
  EXPECT_NE(lines.out.find("    1 | "), std::string::npos) << lines.out;
  auto missing = groundline({"inspect", "nope.md", "--kb", kb_}, *dir_);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.md"), std::string::npos);
}

TEST_F(Example, EvalReportsRetrievalAndAnswersOnTheLabelledQuestions) {
  auto run = groundline({"eval", "--kb", kb_, "--questions", kExample + "/questions.jsonl", "--json"}, *dir_);
  ASSERT_EQ(run.code, 0) << run.err;
  auto j = json::parse(run.out);
  const auto& c = j["configs"][0];
  EXPECT_GE(c["retrieval"]["questions"].get<int>(), 200);
  // Floors well under what BM25 and the extractive answerer reach here:
  // falling below one means something broke, not that it got slightly worse.
  EXPECT_GT(c["retrieval"]["recall_at_5"].get<double>(), 0.7);
  EXPECT_GT(c["answers"]["accuracy"].get<double>(), 0.4);
  EXPECT_EQ(c["answers"]["unsupported_after"].get<double>(), 0.0);
  EXPECT_EQ(c["details"].size(), j["questions"].get<size_t>());
}

TEST_F(Example, EvalComparesConfigurationsAndWritesTheReport) {
  auto small =
      dir_->write("small.yaml", "name: small\nchunking: {tokens: 120, overlap: 20}\nanswers: false\n");
  auto plain = dir_->write("plain.yaml", "filters: false\n");
  auto questions = dir_->write("q.jsonl", "{broken\n" + testing::read_file(kExample + "/questions.jsonl"));
  auto report = *dir_ / "report";
  auto run = groundline({"eval", "--kb", kb_, "--questions", questions, "--config", small, "--config", plain,
                         "--report", report, "--limit", "40", "--threads", "2"},
                        *dir_);
  EXPECT_EQ(run.code, 1) << run.err;  // done, with the broken line reported
  EXPECT_NE(run.out.find("small"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("plain"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("120/20"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(questions + ":1: not valid JSON (skipped)"), std::string::npos) << run.out;
  auto j = json::parse(testing::read_file(report + "/report.json"));
  EXPECT_EQ(j["questions"], 40);
  EXPECT_EQ(j["configs"].size(), 2u);
  EXPECT_EQ(j["configs"][0]["answers"], nullptr);
  EXPECT_EQ(j["configs"][0]["knowledge_base"], "scratch: re-chunked 120/20");
  auto html = testing::read_file(report + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);

  auto strict = groundline({"eval", "--kb", kb_, "--questions", questions, "--strict"}, *dir_);
  EXPECT_EQ(strict.code, 2);
  EXPECT_NE(strict.err.find(":1: not valid JSON"), std::string::npos) << strict.err;
  auto bad_config = dir_->write("bad.yaml", "chunking: {tokens: 3}\n");
  auto bad = groundline({"eval", "--kb", kb_, "--questions", questions, "--config", bad_config}, *dir_);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.yaml: chunking: chunk size"), std::string::npos) << bad.err;
  auto no_kb = groundline({"eval", "--kb", *dir_ / "none.db", "--questions", questions}, *dir_);
  EXPECT_EQ(no_kb.code, 2);
  EXPECT_FALSE(std::filesystem::exists(*dir_ / "none.db"));
}

TEST(Cli, ImportedBenchmarksIngestAndEvaluate) {
  TempDir dir;
  const std::string data = std::string(GROUNDLINE_SOURCE_DIR) + "/tests/data/import/";
  auto squad =
      groundline({"import", "squad", data + "squad-mini-v2.json", "--out", dir / "squad", "--json"}, dir);
  ASSERT_EQ(squad.code, 0) << squad.err;
  auto summary = json::parse(squad.out);
  EXPECT_EQ(summary["questions"], 6);
  EXPECT_EQ(summary["unanswerable"], 2);
  auto again = groundline({"import", "squad", data + "squad-mini-v2.json", "--out", dir / "squad"}, dir);
  EXPECT_EQ(again.code, 2) << "an earlier import is kept unless --force";
  auto beir = groundline({"import", "beir", data + "beir-mini", "--out", dir / "beir", "--json"}, dir);
  ASSERT_EQ(beir.code, 0) << beir.err;
  for (const std::string name : {"squad", "beir"}) {
    SCOPED_TRACE(name);
    auto kb = dir / (name + ".db");
    auto ingest = groundline({"ingest", dir / (name + "/docs"), "--kb", kb}, dir);
    ASSERT_EQ(ingest.code, 0) << ingest.err;
    auto eval =
        groundline({"eval", "--kb", kb, "--questions", dir / (name + "/questions.jsonl"), "--json"}, dir);
    ASSERT_EQ(eval.code, 0) << eval.err << eval.out;  // every gold range resolves
    auto j = json::parse(eval.out);
    EXPECT_TRUE(j["problems"].empty());
    EXPECT_GT(j["configs"][0]["retrieval"]["recall_at_10"].get<double>(), 0.5);
    if (name == "squad") {
      EXPECT_TRUE(j["configs"][0]["answers"]["token_f1"].is_number());
    }
  }
  auto missing = groundline({"import", "beir", dir / "nothing", "--out", dir / "x"}, dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nothing"), std::string::npos) << missing.err;
}

TEST_F(Example, ReingestOfTheUnchangedExampleDoesNoWork) {
  auto run = groundline(
      {"ingest", kExample + "/docs", "--config", kExample + "/groundline.yaml", "--kb", kb_, "--json"},
      *dir_);
  ASSERT_EQ(run.code, 0) << run.err;
  auto j = json::parse(run.out);
  EXPECT_EQ(j["unchanged"], report_["added"]);
  EXPECT_EQ(j["chunks_written"], 0);
}

TEST(Cli, BadFilesAreNamedWithReasonsAndTheExitStatusSaysSo) {
  TempDir dir;
  dir.write("docs/good.md", "# Good\n\nFine text.\n");
  dir.write("docs/empty.md", "");
  dir.write("docs/bad.txt", "bad \xC3\x28 bytes\n");
  dir.write("docs/front.md", "---\ntitle: [x\n---\n");
  auto run = groundline({"ingest", dir / "docs", "--kb", dir / "kb.db"}, dir);
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("empty.md: empty file"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("bad.txt: invalid UTF-8 at line 1, column 5"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("front.md: malformed front matter"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("1 added"), std::string::npos) << run.out;
}

TEST(Cli, InspectShowsVersionHistoryAndOldLines) {
  TempDir dir;
  dir.write("docs/a.md", "# A\n\nStarter has 10 seats.\n");
  ASSERT_EQ(groundline({"ingest", dir / "docs", "--kb", dir / "kb.db"}, dir).code, 0);
  dir.write("docs/a.md", "# A\n\nStarter has 12 seats.\n");
  ASSERT_EQ(groundline({"ingest", dir / "docs", "--kb", dir / "kb.db"}, dir).code, 0);
  auto run = groundline({"inspect", "a.md", "--kb", dir / "kb.db", "--json"}, dir);
  ASSERT_EQ(run.code, 0) << run.err;
  auto j = json::parse(run.out);
  EXPECT_EQ(j["version"], 2);
  ASSERT_EQ(j["version_history"].size(), 2u);
  EXPECT_EQ(j["version_history"][0]["version"], 1);
  auto old = groundline({"inspect", "a.md", "--kb", dir / "kb.db", "--version", "1", "--lines", "3"}, dir);
  EXPECT_NE(old.out.find("Starter has 10 seats."), std::string::npos) << old.out;
  auto bad = groundline({"inspect", "a.md", "--kb", dir / "kb.db", "--lines", "9-x"}, dir);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--lines"), std::string::npos);
}

TEST(Cli, UsageErrorsAndMissingKnowledgeBase) {
  TempDir dir;
  EXPECT_EQ(groundline({"search", "x", "--kb", dir / "missing.db"}, dir).code, 2);
  EXPECT_EQ(groundline({"search", "x", "--kb", dir / "missing.db"}, dir).err.find("missing.db") !=
                std::string::npos,
            true);
  EXPECT_EQ(groundline({"search"}, dir).code, 2);
  EXPECT_EQ(groundline({"ingest", dir / "nowhere", "--kb", dir / "kb.db"}, dir).code, 2);
  dir.write("docs/a.md", "# A\n\ntext\n");
  auto bad_filter = groundline({"search", "x", "--kb", dir / "kb.db", "--filter", "updated_after=soon"}, dir);
  EXPECT_EQ(bad_filter.code, 2);
  EXPECT_NE(bad_filter.err.find("updated_after=soon"), std::string::npos);
  auto bad_config = dir.write("bad.yaml", "chunking: {tokens: [\n");
  auto run = groundline({"ingest", dir / "docs", "--kb", dir / "kb.db", "--config", bad_config}, dir);
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("bad.yaml"), std::string::npos) << run.err;
}

// The built-in engine from the command line, on the real (tiny) model in
// ../shared: greedy text streams to stdout, --json reports the run.
TEST(Cli, GenerateContinuesAPromptWithAGgufModel) {
  TempDir dir;
  const std::string model = std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/models/stories260K.gguf";
  auto run = groundline({"generate", "--model", model, "Once upon a time", "--max-tokens", "12"}, dir);
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.rfind(", there was a little girl named Lily.", 0), 0u) << run.out;
  EXPECT_NE(run.err.find("12 tokens"), std::string::npos) << run.err;
  auto as_json =
      groundline({"generate", "--model", model, "Once upon a time", "--stop", "Lily", "--json"}, dir);
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  auto j = json::parse(as_json.out);
  EXPECT_EQ(j["text"], ", there was a little girl named ");
  EXPECT_EQ(j["stop"], "stop");
  EXPECT_EQ(j["prompt_tokens"], 5);

  auto missing = groundline({"generate", "--model", dir / "none.gguf", "hi"}, dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("none.gguf"), std::string::npos);
  auto not_gguf = groundline({"generate", "--model", dir.write("x.gguf", "not a model"), "hi"}, dir);
  EXPECT_EQ(not_gguf.code, 2);
  EXPECT_NE(not_gguf.err.find("not a GGUF file"), std::string::npos) << not_gguf.err;
  auto no_template = groundline({"generate", "--model", model, "hi", "--chat"}, dir);
  EXPECT_EQ(no_template.code, 2);
  EXPECT_NE(no_template.err.find("--template"), std::string::npos) << no_template.err;
  auto chatml = groundline(
      {"generate", "--model", model, "hi", "--chat", "--template", "chatml", "--max-tokens", "3"}, dir);
  EXPECT_EQ(chatml.code, 0) << chatml.err;
}

TEST(Cli, InterruptedIngestLeavesTheKnowledgeBaseUnchanged) {
  TempDir dir;
  dir.write("docs/a.md", "# A\n\nfirst\n");
  ASSERT_EQ(groundline({"ingest", dir / "docs", "--kb", dir / "kb.db"}, dir).code, 0);
  std::string body;
  for (int p = 0; p < 3000; ++p)
    body += "Paragraph " + std::to_string(p) + " says something about seats.\n\n";
  for (int f = 0; f < 200; ++f) dir.write("docs/big" + std::to_string(f) + ".md", body);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string kb = dir / "kb.db", docs = dir / "docs";
    freopen("/dev/null", "w", stdout);
    execl(GROUNDLINE_BINARY, GROUNDLINE_BINARY, "ingest", docs.c_str(), "--kb", kb.c_str(), "--threads", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  int code = WEXITSTATUS(status);
  auto store = kb::Store::open(dir / "kb.db", true);
  ASSERT_TRUE(store.ok());
  auto docs = (*store)->documents();
  ASSERT_TRUE(docs.ok());
  if (code == 130) {
    EXPECT_EQ(docs->size(), 1u);  // as before the batch
  } else {
    EXPECT_EQ(code, 0);  // the machine was fast enough to finish first
    EXPECT_EQ(docs->size(), 201u);
  }
}

}  // namespace
TEST(Cli, InterruptedFirstIngestCreatesNoKnowledgeBase) {
  TempDir dir;
  std::string body;
  for (int p = 0; p < 3000; ++p)
    body += "Paragraph " + std::to_string(p) + " says something about seats.\n\n";
  for (int f = 0; f < 200; ++f) dir.write("docs/big" + std::to_string(f) + ".md", body);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string kb = dir / "kb.db", docs = dir / "docs";
    freopen("/dev/null", "w", stdout);
    dup2(pipe_fds[1], STDERR_FILENO);
    execl(GROUNDLINE_BINARY, GROUNDLINE_BINARY, "ingest", docs.c_str(), "--kb", kb.c_str(), "--threads", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(child, SIGINT);
  std::string err;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    err.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 130) {
    EXPECT_NE(err.find("no knowledge base was created"), std::string::npos) << err;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
      EXPECT_EQ(entry.path().filename().string().rfind("kb.db", 0), std::string::npos) << entry.path();
  } else {
    EXPECT_EQ(WEXITSTATUS(status), 0) << err;  // the machine was fast enough to finish first
    EXPECT_TRUE(std::filesystem::exists(dir / "kb.db"));
  }
}

TEST(Cli, MakeModelThenBenchLlmReportsSpeedAgainstBandwidth) {
  TempDir dir;
  auto made =
      groundline({"make-model", "--shape", "tiny", "--type", "Q4_0", "--out", dir / "tiny.gguf"}, dir);
  ASSERT_EQ(made.code, 0) << made.err;
  auto bench = groundline(
      {"bench-llm", dir / "tiny.gguf", "--threads", "2", "--prompt", "40", "--generate", "8", "--json"}, dir);
  ASSERT_EQ(bench.code, 0) << bench.err;
  auto report = nlohmann::json::parse(bench.out);
  EXPECT_EQ(report["threads"], 2);
  EXPECT_EQ(report["weight_types"], "Q4_0");
  EXPECT_GT(report["prefill_tokens_per_second"].get<double>(), 0);
  EXPECT_GT(report["decode_tokens_per_second"].get<double>(), 0);
  EXPECT_GT(report["read_bandwidth_gb_per_second"].get<double>(), 0);
  EXPECT_LT(report["bytes_per_token"].get<uint64_t>(), report["model_bytes"].get<uint64_t>());
  auto bad = groundline({"make-model", "--shape", "nope", "--out", dir / "x.gguf"}, dir);
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("unknown shape"), std::string::npos) << bad.err;
  auto missing = groundline({"bench-llm", dir / "absent.gguf"}, dir);
  EXPECT_NE(missing.code, 0);
}

}  // namespace groundline
