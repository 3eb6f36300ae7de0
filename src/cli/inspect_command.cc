// groundline inspect [DOC] --kb FILE [--lines A-B] [--version N]
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/output.h"
#include "retrieve/hit_json.h"

namespace groundline::cli {

namespace {

struct InspectArgs {
  std::string doc;
  std::string kb = "groundline.db";
  std::string lines;
  int version = 0;
  bool json = false;
};

nlohmann::json document_json(const kb::DocumentRecord& d) {
  return {{"id", d.id},
          {"path", d.path},
          {"kind", d.kind},
          {"title", d.title},
          {"version", d.current_version},
          {"versions", d.version_count},
          {"lines", d.line_count},
          {"chunks", d.chunk_count},
          {"deleted", d.deleted},
          {"size", d.size},
          {"content_hash", d.content_hash},
          {"tags", retrieve::tags_json(d.tags)}};
}

// "12-30" -> {12, 30}; "7" -> {7, 7}.
Result<std::pair<int, int>> parse_range(const std::string& text) {
  int first = 0, last = 0;
  char dash = 0;
  int n = std::sscanf(text.c_str(), "%d%c%d", &first, &dash, &last);
  if (n == 1) last = first;
  if ((n != 1 && (n != 3 || dash != '-')) || first < 1 || last < first)
    return make_error("--lines \"" + text + "\": expected a range such as 12-30");
  return std::pair{first, last};
}

int list_documents(kb::Store& store, bool json) {
  auto docs = store.documents();
  auto stats = store.stats();
  if (!docs.ok()) return fail(docs.message());
  if (!stats.ok()) return fail(stats.message());
  if (json) {
    nlohmann::json out = {{"documents", nlohmann::json::array()}};
    for (const auto& d : *docs) out["documents"].push_back(document_json(d));
    out["stats"] = {{"documents", stats->documents},
                    {"deleted", stats->deleted_documents},
                    {"versions", stats->versions},
                    {"chunks", stats->chunks},
                    {"lines", stats->lines}};
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [tag, count] : stats->tag_counts) tags[tag.key][tag.value] = count;
    out["tag_counts"] = tags;
    print_json(out);
    return kOk;
  }
  std::printf("%lld documents (%lld deleted), %lld versions, %lld chunks, %lld lines\n\n",
              static_cast<long long>(stats->documents), static_cast<long long>(stats->deleted_documents),
              static_cast<long long>(stats->versions), static_cast<long long>(stats->chunks),
              static_cast<long long>(stats->lines));
  std::printf("%5s  %-48s %-8s %4s %6s %6s  %s\n", "id", "document", "kind", "ver", "lines", "chunks",
              "tags");
  for (const auto& d : *docs) {
    std::printf("%5lld  %-48s %-8s %4d %6d %6d  %s%s\n", static_cast<long long>(d.id), d.path.c_str(),
                d.kind.c_str(), d.current_version, d.line_count, d.chunk_count, d.deleted ? "[deleted] " : "",
                format_tags(d.tags).c_str());
  }
  std::map<std::string, std::string> by_key;
  for (const auto& [tag, count] : stats->tag_counts) {
    if (tag.key == "code") continue;  // too many to list; see a document's chunks
    auto& line = by_key[tag.key];
    line += (line.empty() ? "" : ", ") + tag.value + " (" + std::to_string(count) + ")";
  }
  std::printf("\nchunks by tag:\n");
  for (const auto& [key, line] : by_key) std::printf("  %s: %s\n", key.c_str(), line.c_str());
  return kOk;
}

int show_lines(kb::Store& store, const kb::DocumentRecord& d, const InspectArgs& args) {
  auto range = parse_range(args.lines);
  if (!range.ok()) return fail(range.message());
  auto text = store.version_text(d.id, args.version);
  if (!text.ok()) return fail(text.message());
  int last = std::min(range->second, static_cast<int>(text->lines.size()));
  if (range->first > last)
    return fail(d.path + " v" + std::to_string(text->version) + " has " + std::to_string(text->lines.size()) +
                " lines");
  if (args.json) {
    nlohmann::json lines = nlohmann::json::array();
    for (int i = range->first; i <= last; ++i)
      lines.push_back({{"line", i}, {"text", text->lines[static_cast<size_t>(i - 1)]}});
    print_json({{"doc", d.path}, {"version", text->version}, {"lines", lines}});
    return kOk;
  }
  std::printf("%s v%d, lines %d-%d\n", d.path.c_str(), text->version, range->first, last);
  for (int i = range->first; i <= last; ++i)
    std::printf("%5d | %s\n", i, text->lines[static_cast<size_t>(i - 1)].c_str());
  return kOk;
}

int show_document(kb::Store& store, const InspectArgs& args) {
  auto d = store.document(args.doc);
  if (!d.ok()) return fail(args.kb + ": " + d.message());
  if (!args.lines.empty()) return show_lines(store, *d, args);
  auto chunks = store.chunks_of(d->id);
  if (!chunks.ok()) return fail(chunks.message());
  auto versions = store.versions(d->id);
  if (!versions.ok()) return fail(versions.message());
  if (args.json) {
    auto out = document_json(*d);
    out["version_history"] = nlohmann::json::array();
    for (const auto& v : *versions)
      out["version_history"].push_back({{"version", v.version},
                                        {"content_hash", v.content_hash},
                                        {"ingested_at", v.ingested_at},
                                        {"lines", v.line_count}});
    out["chunks"] = nlohmann::json::array();
    for (const auto& c : *chunks)
      out["chunks"].push_back({{"id", c.id},
                               {"first_line", c.chunk.first_line},
                               {"last_line", c.chunk.last_line},
                               {"tokens", c.chunk.token_count},
                               {"heading_path", c.chunk.heading_path},
                               {"tags", retrieve::tags_json(c.chunk.tags)}});
    print_json(out);
    return kOk;
  }
  std::printf(
      "%s  (id %lld, %s%s)\n  title: %s\n  version %d of %d, %d lines, %d chunks, hash %s\n  tags: %s\n",
      d->path.c_str(), static_cast<long long>(d->id), d->kind.c_str(), d->deleted ? ", deleted" : "",
      d->title.c_str(), d->current_version, d->version_count, d->line_count, d->chunk_count,
      d->content_hash.substr(0, 16).c_str(), format_tags(d->tags).c_str());
  for (const auto& v : *versions)
    std::printf("  version %d  %s  %d lines  hash %s\n", v.version, v.ingested_at.c_str(), v.line_count,
                v.content_hash.substr(0, 16).c_str());
  for (const auto& c : *chunks)
    std::printf("  chunk %lld  lines %d-%d  %d tokens  %s\n", static_cast<long long>(c.id),
                c.chunk.first_line, c.chunk.last_line, c.chunk.token_count, c.chunk.heading_path.c_str());
  return kOk;
}

int run_inspect(const InspectArgs& args) {
  auto store = open_kb(args.kb, true);
  if (!store.ok()) return fail(store.message());
  if (args.doc.empty()) return list_documents(**store, args.json);
  return show_document(**store, args);
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<InspectArgs>();
  auto* cmd =
      app.add_subcommand("inspect", "Show what a knowledge base holds: documents, versions, chunks, tags");
  cmd->add_option("doc", args->doc, "A document (path or id) to show in detail");
  cmd->add_option("--kb", args->kb, "Knowledge base file")->capture_default_str();
  cmd->add_option("--lines", args->lines, "Print these numbered lines of the document, e.g. 12-30");
  cmd->add_option("--version", args->version, "Document version for --lines (default: current)");
  cmd->add_flag("--json", args->json, "Print as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_inspect(*args); });
}

}  // namespace groundline::cli
