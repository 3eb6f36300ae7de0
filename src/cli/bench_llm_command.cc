// groundline bench-llm MODEL.gguf [--threads N] [--prompt 512] [--generate 128] [--json]
// groundline make-model --shape NAME --type TYPE --out FILE.gguf
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "llm/bench_llm.h"
#include "llm/synthetic_model.h"

namespace groundline::cli {

namespace {

void print_table(const llm::LlmBenchReport& r) {
  std::printf("model: %s (%s, %d layers), weights %s, %.1f MB, kernels %s\n", r.name.c_str(),
              r.architecture.c_str(), r.layers, r.weight_types.c_str(),
              static_cast<double>(r.model_bytes) / 1e6, r.kernels.c_str());
  std::printf(
      "| threads | prefill t/s (%d) | decode t/s (%d) | read GB/s | MB/token | decode limit t/s | "
      "decode %% of limit |\n",
      r.prompt_tokens, r.generate_tokens);
  std::printf("|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% |\n", r.threads, r.prefill_tokens_per_second,
              r.decode_tokens_per_second, r.bandwidth_gb_per_second,
              static_cast<double>(r.bytes_per_token) / 1e6, r.decode_limit_tokens_per_second,
              100.0 * r.decode_tokens_per_second / r.decode_limit_tokens_per_second);
}

nlohmann::json report_json(const llm::LlmBenchReport& r) {
  return {{"model", r.name},
          {"architecture", r.architecture},
          {"weight_types", r.weight_types},
          {"kernels", r.kernels},
          {"layers", r.layers},
          {"threads", r.threads},
          {"model_bytes", r.model_bytes},
          {"bytes_per_token", r.bytes_per_token},
          {"prompt_tokens", r.prompt_tokens},
          {"generate_tokens", r.generate_tokens},
          {"prefill_tokens_per_second", r.prefill_tokens_per_second},
          {"decode_tokens_per_second", r.decode_tokens_per_second},
          {"read_bandwidth_gb_per_second", r.bandwidth_gb_per_second},
          {"decode_limit_tokens_per_second", r.decode_limit_tokens_per_second}};
}

struct BenchLlmArgs {
  llm::LlmBenchOptions options;
  bool json = false;
};

struct MakeModelArgs {
  std::string shape = "smollm2-135m", type = "Q8_0", out;
  int vocabulary = 32000;
  uint64_t seed = 1;
};

int run_make_model(const MakeModelArgs& args) {
  auto shape = llm::known_shape(args.shape);
  if (!shape) return fail("unknown shape '" + args.shape + "'");
  shape->vocabulary = args.vocabulary;
  if (auto written = llm::write_synthetic_model(*shape, args.type, args.out, args.seed); !written.ok())
    return fail(written.message());
  std::printf("wrote %s: %s shape, %s weights (random)\n", args.out.c_str(), args.shape.c_str(),
              args.type.c_str());
  return kOk;
}

}  // namespace

void add_bench_llm_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchLlmArgs>();
  args->options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* cmd = app.add_subcommand("bench-llm", "Measure prefill and decode speed of a GGUF model");
  cmd->add_option("model", args->options.model, "Model file (GGUF)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--threads", args->options.threads, "Threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--prompt", args->options.prompt_tokens, "Prompt tokens to prefill")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--generate", args->options.generate_tokens, "Tokens to decode")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, &exit_code] {
    auto report = llm::run_llm_bench(args->options);
    if (!report.ok()) {
      exit_code = fail(report.message());
      return;
    }
    if (args->json)
      print_json(report_json(*report));
    else
      print_table(*report);
    exit_code = kOk;
  });
}

void add_make_model_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MakeModelArgs>();
  auto* cmd = app.add_subcommand("make-model", "Write a GGUF model of a real shape with random weights");
  std::string shapes;
  for (const auto& name : llm::known_shape_names()) shapes += (shapes.empty() ? "" : ", ") + name;
  cmd->add_option("--shape", args->shape, "Shape: " + shapes)->capture_default_str();
  cmd->add_option("--type", args->type,
                  "Weight type: F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q2_K Q3_K Q4_K Q5_K Q6_K or Q4_K_M")
      ->capture_default_str();
  cmd->add_option("--vocabulary", args->vocabulary, "Vocabulary size")
      ->capture_default_str()
      ->check(CLI::Range(300, 1 << 20));
  cmd->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", args->out, "Output file")->required();
  cmd->callback([args, &exit_code] { exit_code = run_make_model(*args); });
}

}  // namespace groundline::cli
