#include "llm/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

namespace groundline::llm {

namespace {

// A penalised logit moves toward less likely: divided when positive,
// multiplied when negative.
void penalise(std::vector<float>& logits, const std::vector<Token>& history, float penalty, int window) {
  if (penalty == 1.0f) return;
  std::unordered_set<Token> seen;
  size_t from =
      history.size() > static_cast<size_t>(window) ? history.size() - static_cast<size_t>(window) : 0;
  for (size_t i = from; i < history.size(); ++i) seen.insert(history[i]);
  for (Token t : seen) {
    if (t < 0 || static_cast<size_t>(t) >= logits.size()) continue;
    float& l = logits[static_cast<size_t>(t)];
    l = l > 0 ? l / penalty : l * penalty;
  }
}

}  // namespace

Token Sampler::sample(std::vector<float> logits, const std::vector<Token>& history) {
  penalise(logits, history, options_.repetition_penalty, options_.repetition_window);
  if (options_.temperature <= 0.0f)
    return static_cast<Token>(std::max_element(logits.begin(), logits.end()) - logits.begin());

  // Candidates by logit, highest first (ties: lower id first).
  std::vector<Token> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  auto by_logit = [&](Token a, Token b) {
    float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  size_t keep = order.size();
  if (options_.top_k > 0) keep = std::min(keep, static_cast<size_t>(options_.top_k));
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(keep), order.end(), by_logit);
  order.resize(keep);

  // Probabilities at temperature 1 for the filters, as most engines do.
  const float highest = logits[static_cast<size_t>(order[0])];
  std::vector<double> p(order.size());
  double total = 0;
  for (size_t i = 0; i < order.size(); ++i)
    total += p[i] = std::exp(logits[static_cast<size_t>(order[i])] - highest);
  for (auto& v : p) v /= total;
  size_t kept = order.size();
  if (options_.top_p < 1.0f) {
    double sum = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      sum += p[i];
      if (sum >= options_.top_p) {
        kept = i + 1;
        break;
      }
    }
  }
  if (options_.min_p > 0.0f) {
    size_t n = 1;
    while (n < kept && p[n] >= options_.min_p * p[0]) ++n;
    kept = n;
  }
  order.resize(kept);

  std::vector<double> weights(order.size());
  for (size_t i = 0; i < order.size(); ++i)
    weights[i] = std::exp((logits[static_cast<size_t>(order[i])] - highest) / options_.temperature);
  std::discrete_distribution<size_t> draw(weights.begin(), weights.end());
  return order[draw(random_)];
}

}  // namespace groundline::llm
