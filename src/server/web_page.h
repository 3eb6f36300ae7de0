// The support agents' page, web/index.html, embedded in the binary when it
// is built (src/server/embed_file.cmake writes its bytes into a source
// file), so that the server needs no files beside it.
#pragma once

#include <string_view>

namespace groundline::server {

std::string_view web_page();

}  // namespace groundline::server
