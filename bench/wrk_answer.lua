-- Load for `groundline serve`: POST /v1/answer with questions from the Acme
-- example in turn. wrk is not part of the build or CI; install it to measure:
--   wrk -t2 -c64 -d30s --latency -s bench/wrk_answer.lua http://127.0.0.1:8080
-- wrk counts answers that are not 200 as "Non-2xx or 3xx responses".
local questions = {
  "What's the largest single file we can upload on the Starter plan?",
  "What does error E402 mean?",
  "How much does Pro cost per seat?",
  "How do I reset my password?",
  "Can I get a refund on an annual plan?",
  "How many guests can a Pro workspace have?",
  "Which regions can Enterprise data be stored in?",
  "Why does the desktop app say my sync is paused?",
}
local bodies = {}
for i, q in ipairs(questions) do
  bodies[i] = '{"question": "' .. q .. '"}'
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/answer", { ["Content-Type"] = "application/json" }, bodies[(n % #bodies) + 1])
end
