#include "ingest/loaders.h"

#include <gtest/gtest.h>

#include "tests/test_files.h"

namespace groundline::ingest {
namespace {

TEST(Loaders, KindFollowsTheExtension) {
  EXPECT_EQ(kind_of("a/b/Guide.MD"), DocumentKind::kMarkdown);
  EXPECT_EQ(kind_of("page.htm"), DocumentKind::kHtml);
  EXPECT_EQ(kind_of("notes.txt"), DocumentKind::kText);
  EXPECT_EQ(kind_of("sla.pdf"), DocumentKind::kPdf);
  EXPECT_EQ(kind_of("image.png"), DocumentKind::kUnsupported);
  EXPECT_EQ(kind_of("v1.2/README"), DocumentKind::kUnsupported);
}

TEST(Markdown, FrontMatterFieldsAndLinesNumberedAfterIt) {
  auto doc = load_markdown(
      "---\ntitle: Pro plan\nproduct: [pro, enterprise]\nupdated: 2026-03-14\n---\n# Pro\n\nPro has 250 "
      "GB.\n");
  ASSERT_TRUE(doc.ok()) << doc.message();
  EXPECT_EQ(doc->title, "Pro plan");
  EXPECT_EQ(doc->fields["product"], (std::vector<std::string>{"pro", "enterprise"}));
  EXPECT_EQ(doc->fields["updated"], (std::vector<std::string>{"2026-03-14"}));
  ASSERT_EQ(doc->lines.size(), 3u);
  EXPECT_EQ(doc->lines[0], "# Pro");
  EXPECT_EQ(doc->lines[2], "Pro has 250 GB.");
  EXPECT_EQ(doc->info[0].kind, LineKind::kHeading);
  EXPECT_EQ(doc->info[2].kind, LineKind::kParagraph);
}

TEST(Markdown, TitleFallsBackToTheFirstLevelOneHeading) {
  auto doc = load_markdown("Intro\n\n# Reset your password\n\ntext\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->title, "Reset your password");
}

TEST(Markdown, LinesAreNormalisedButKeepTheirNumbers) {
  // CRLF and CR line ends, a decomposed é, tabs, non-breaking space and
  // trailing spaces; blank lines keep their place.
  auto doc = load_markdown("Caf\x65\xCC\x81  menu \r\n\r\nTab\there\xC2\xA0now   \rlast\n");
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->lines.size(), 4u);
  EXPECT_EQ(doc->lines[0], "Caf\xC3\xA9 menu");
  EXPECT_EQ(doc->lines[1], "");
  EXPECT_EQ(doc->lines[2], "Tab here now");
  EXPECT_EQ(doc->lines[3], "last");
}

TEST(Markdown, ClassifiesListsTablesCodeAndSetextHeadings) {
  auto doc = load_markdown(
      "Title\n=====\n\n- item one\n  continued\n1. first\n| a | b |\n|---|---|\n```\n# not a heading\n```\n");
  ASSERT_TRUE(doc.ok());
  std::vector<LineKind> kinds;
  for (const auto& i : doc->info) kinds.push_back(i.kind);
  EXPECT_EQ(kinds, (std::vector<LineKind>{LineKind::kHeading, LineKind::kBlank, LineKind::kBlank,
                                          LineKind::kListItem, LineKind::kContinued, LineKind::kListItem,
                                          LineKind::kTableRow, LineKind::kBlank, LineKind::kCode,
                                          LineKind::kCode, LineKind::kCode}));
}

TEST(Markdown, MalformedFrontMatterNamesTheLine) {
  auto doc = load_markdown("---\ntitle: ok\nproduct: [pro\nupdated: 2026-01-01\n---\nbody\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("malformed front matter at line"), std::string::npos) << doc.message();
}

TEST(Markdown, UnclosedFrontMatterIsAnError) {
  auto doc = load_markdown("---\ntitle: never closed\n\n# Body\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("never closed"), std::string::npos);
}

TEST(Markdown, FrontMatterThatIsNotAMappingIsAnError) {
  EXPECT_FALSE(load_markdown("---\n- a\n- b\n---\nbody\n").ok());
  EXPECT_FALSE(load_markdown("---\ntags: {a: 1}\n---\nbody\n").ok());
}

TEST(Markdown, InvalidUtf8NamesLineAndColumn) {
  auto doc = load_markdown("fine\nbad \xFF byte\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("line 2, column 5"), std::string::npos) << doc.message();
}

TEST(Html, BlocksBecomeLinesAndScriptsAreDropped) {
  auto doc = load_html(
      "<html><head><title>Roles</title><meta name=\"keywords\" content=\"admin, roles\">"
      "<script>var x = 'secret';</script><style>p{}</style></head><body>"
      "<nav>Home | Docs</nav><h1>Roles &amp; permissions</h1><p>Admins can <b>invite</b> users.</p>"
      "<ul><li>Owner</li><li>Member</li></ul>"
      "<table><tr><th>Role</th><th>Seats</th></tr><tr><td>Admin</td><td>5</td></tr></table>"
      "<pre>line one\nline two</pre></body></html>");
  ASSERT_TRUE(doc.ok()) << doc.message();
  EXPECT_EQ(doc->title, "Roles");
  std::string all;
  for (const auto& l : doc->lines) all += l + "\n";
  EXPECT_EQ(all.find("secret"), std::string::npos);
  EXPECT_EQ(all.find("Home | Docs"), std::string::npos);
  EXPECT_NE(all.find("# Roles & permissions\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Admins can invite users.\n"), std::string::npos) << all;
  EXPECT_NE(all.find("- Owner\n- Member\n"), std::string::npos) << all;
  EXPECT_NE(all.find("| Admin | 5 |\n"), std::string::npos) << all;
  EXPECT_NE(all.find("line one\nline two\n"), std::string::npos) << all;
  EXPECT_EQ(doc->fields["tags"], (std::vector<std::string>{"admin", "roles"}));
}

TEST(Html, BrokenMarkupStillGivesItsText) {
  auto doc = load_html("<p>unclosed <b>bold <i>text<div>next");
  ASSERT_TRUE(doc.ok());
  std::string all;
  for (const auto& l : doc->lines) all += l + " ";
  EXPECT_NE(all.find("unclosed bold text"), std::string::npos) << all;
  EXPECT_NE(all.find("next"), std::string::npos);
}

TEST(Text, EveryNonBlankLineIsProse) {
  auto doc = load_text("First line is the title\n\n- a list item\nplain\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->title, "First line is the title");
  EXPECT_EQ(doc->info[2].kind, LineKind::kListItem);
  EXPECT_EQ(doc->info[3].kind, LineKind::kParagraph);
}

TEST(Pdf, TextComesOutInReadingOrder) {
  auto doc = load_pdf(testing::make_pdf(
      {"Service level agreement", "Pro: 99.9% uptime (monthly).", "Enterprise: 99.95% uptime."}));
  ASSERT_TRUE(doc.ok()) << doc.message();
  std::vector<std::string> words;
  for (const auto& l : doc->lines)
    if (!l.empty()) words.push_back(l);
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0], "Service level agreement");
  EXPECT_EQ(words[1], "Pro: 99.9% uptime (monthly).");
  EXPECT_EQ(words[2], "Enterprise: 99.95% uptime.");
}

TEST(Pdf, NotAPdfAndDamagedPdfAreRefused) {
  auto not_pdf = load_pdf("hello, I am text");
  ASSERT_FALSE(not_pdf.ok());
  EXPECT_NE(not_pdf.message().find("not a PDF"), std::string::npos);
  auto damaged = load_pdf("%PDF-1.4\n1 0 obj << garbage");
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.message().find("PDF"), std::string::npos);
  std::string truncated = testing::make_pdf({"hello"});
  EXPECT_FALSE(load_pdf(truncated.substr(0, 40)).ok());
}

}  // namespace
}  // namespace groundline::ingest
