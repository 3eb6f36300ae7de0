// Sources: what an answerer may cite. Retrieval hits become numbered
// sources of whole lines of their document version; hits of one version
// that overlap or touch become one source, so no line is shown twice.
#pragma once

#include <vector>

#include "answer/answer.h"
#include "retrieve/search.h"

namespace groundline::answer {

// Sources in the order of their best hit; a source's score is its best
// hit's.
Result<std::vector<Source>> build_sources(kb::Store& store, const std::vector<retrieve::Hit>& hits);

// The headings over `line` in its source, outermost first, joined by " > ".
std::string heading_path_at(const Source& source, int line);

// Sources as an answerer's prompt shows them:
//   Source 1: Pro plan (plans/pro.md), section Pro plan > Uploads
//   33: The maximum file size on Pro is 25 GB. ...
std::string format_sources(const std::vector<Source>& sources);

}  // namespace groundline::answer
