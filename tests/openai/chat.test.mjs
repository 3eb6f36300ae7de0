// The official openai client, unchanged, against `groundline serve`
// (run.sh starts it and sets GROUNDLINE_URL and GROUNDLINE_KEY).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: process.env.GROUNDLINE_URL,
  apiKey: process.env.GROUNDLINE_KEY,
  maxRetries: 0,
});
const messages = [
  { role: 'system', content: 'You are a support agent for Acme Cloud.' },
  { role: 'user', content: "What's the largest single file we can upload on the Starter plan?" },
];

test('chat.completions.create returns the grounded answer and its citations', async () => {
  const completion = await client.chat.completions.create({ model: 'groundline', messages });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.choices[0].finish_reason, 'stop');
  const message = completion.choices[0].message;
  assert.equal(message.role, 'assistant');
  assert.match(message.content, /2 GB/);
  // The extra field carries the whole answer object.
  assert.equal(message.groundline.text, message.content);
  assert.ok(message.groundline.sentences.length > 0);
  for (const sentence of message.groundline.sentences) {
    assert.ok(sentence.citations.length > 0);
    for (const c of sentence.citations) assert.ok(c.path && c.quote && c.first_line <= c.last_line);
  }
});

test('stream: true yields chunks whose content adds up to the same answer', async () => {
  const plain = await client.chat.completions.create({ model: 'groundline', messages });
  const stream = await client.chat.completions.create({ model: 'groundline', messages, stream: true });
  let content = '';
  let chunks = 0;
  let first;
  let last;
  for await (const chunk of stream) {
    chunks += 1;
    assert.equal(chunk.object, 'chat.completion.chunk');
    const choice = chunk.choices[0];
    if (!choice) continue;
    first ??= choice;
    content += choice.delta.content ?? '';
    last = choice;
  }
  assert.ok(chunks > 2, `only ${chunks} chunks`);
  assert.equal(first.delta.role, 'assistant');
  assert.equal(content, plain.choices[0].message.content);
  assert.equal(last.finish_reason, 'stop');
  assert.equal(last.delta.groundline.text, content);
});

test('a field of the wrong type is an APIError that names it', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'groundline', messages: [{ role: 'user', content: 42 }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages[0].content' && /must be/.test(e.message),
  );
});

test('a wrong API key is refused', async () => {
  const stranger = new OpenAI({ baseURL: process.env.GROUNDLINE_URL, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(stranger.chat.completions.create({ model: 'groundline', messages }),
    (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
});

test('models.list lists groundline', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['groundline']);
});
