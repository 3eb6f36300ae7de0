# Writes OUTPUT, a C++ source defining groundline::server::web_page() as
# the bytes of INPUT. Run as: cmake -DINPUT=... -DOUTPUT=... -P embed_file.cmake
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# A line break every 32 bytes keeps the generated file readable by editors.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by embed_file.cmake; do not edit.
#include \"server/web_page.h\"

namespace groundline::server {

namespace {
// A trailing zero keeps the array non-empty for an empty page.
const unsigned char kBytes[] = {
${bytes}0};
}  // namespace

std::string_view web_page() {
  return std::string_view(reinterpret_cast<const char*>(kBytes), sizeof kBytes - 1);
}

}  // namespace groundline::server
")
# Only a changed page touches the output, so an unchanged one recompiles nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
