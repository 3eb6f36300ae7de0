#include "eval/answers.h"

#include <algorithm>

#include "answer/verifier.h"
#include "core/utf8.h"
#include "core/words.h"
#include "eval/retrieval.h"
#include "retrieve/search.h"

namespace groundline::eval {
namespace {

// Lowercase words joined by single spaces, "1,000" as "1000".
std::string comparable(const std::string& text) {
  std::string out = " ";
  core::for_each_word(text, [&](std::string_view w, size_t, size_t) {
    std::string word = core::to_lower(w);
    if (std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; }))
      word.erase(std::remove(word.begin(), word.end(), ','), word.end());
    out += word + " ";
  });
  return out;
}

bool on_gold(const answer::Citation& c, const std::vector<GoldRange>& gold) {
  return std::any_of(gold.begin(), gold.end(), [&](const GoldRange& g) {
    return g.doc == c.path && c.first_line <= g.last_line && g.first_line <= c.last_line;
  });
}

std::string joined(const std::vector<std::string>& facts) {
  std::string out;
  for (const auto& f : facts) out += (out.empty() ? "" : "; ") + f;
  return out;
}

void score(const LabelledQuestion& q, const answer::Answer& a, const answer::VerifyOptions& verify,
           AnswerReport& report) {
  report.sentences_released += static_cast<int>(a.sentences.size());
  report.sentences_removed += static_cast<int>(a.removed.size());
  std::string text;
  for (const auto& s : a.sentences) {
    text += s.text + " ";
    std::string quotes;
    for (const auto& c : s.citations) quotes += c.quote + "\n";
    if (answer::missing_fact(s.text, quotes, verify)) report.unsupported_released++;
  }
  if (!q.answerable) {
    report.unanswerable++;
    if (a.abstained)
      report.correct_abstentions++;
    else
      report.failures.push_back({q.id, q.question, "abstain", a.text});
    return;
  }
  report.answerable++;
  if (a.abstained) report.false_abstentions++;
  bool correct = !a.abstained && std::all_of(q.answer_facts.begin(), q.answer_facts.end(),
                                             [&](const std::string& f) { return states_fact(text, f); });
  if (correct)
    report.correct++;
  else
    report.failures.push_back({q.id, q.question, joined(q.answer_facts), a.text});
  if (q.gold.empty()) return;
  for (const auto& s : a.sentences)
    for (const auto& c : s.citations) {
      report.citations++;
      report.citations_on_gold += on_gold(c, q.gold);
    }
}

}  // namespace

bool states_fact(const std::string& text, const std::string& fact) {
  std::string f = comparable(fact);
  return f.size() > 1 && comparable(text).find(f) != std::string::npos;
}

Result<AnswerReport> evaluate_answers(kb::Store& store, const std::vector<LabelledQuestion>& questions,
                                      const answer::AskOptions& options) {
  AnswerReport report;
  std::vector<double> latencies;
  answer::VerifyOptions verify;  // without product names: a looser check than the verifier's own
  for (const auto& q : questions) {
    auto filters = retrieve::parse_filters(q.filters);
    if (!filters.ok()) return make_error("question " + q.id + ": " + filters.message());
    answer::AskOptions ask_options = options;
    ask_options.filters = std::move(filters).value();
    auto a = answer::ask(store, q.question, ask_options);
    if (!a.ok()) return make_error("question " + q.id + ": " + a.message());
    latencies.push_back(a->latency.total_ms);
    score(q, *a, verify, report);
  }
  report.p50_ms = percentile(latencies, 0.5);
  report.p99_ms = percentile(latencies, 0.99);
  return report;
}

}  // namespace groundline::eval
