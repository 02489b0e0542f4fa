// The official OpenAI Node client against a Perceval node, called as a user's code would call it.
// OpenAiClientTest runs it with the client's install directory, the node's URL, a token, a model
// id, a question and an image; it prints one JSON line of what the client saw.
import { createRequire } from 'node:module';
import path from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
// Resolved from the install directory: the script itself lives elsewhere.
const OpenAI = createRequire(path.join(env('OPENAI_PREFIX'), 'noop.js'))('openai');
const client = new OpenAI({ baseURL: env('BASE_URL'), apiKey: env('API_KEY'), maxRetries: 0 });
const model = env('MODEL');
const messages = [{ role: 'user', content: [
  { type: 'text', text: env('QUESTION') },
  { type: 'image_url', image_url: { url: env('IMAGE') } },
] }];
// Perceval's own parameters travel in the body as OpenAI's do.
const request = { model, messages, strategy: 'majority', k: 3, seed: 11, max_tokens: 16 };

const out = {};
const plain = await client.chat.completions.create(request);
out.plain = {
  id: plain.id, object: plain.object, model: plain.model,
  content: plain.choices[0].message.content,
  reasoning: plain.choices[0].message.reasoning_content,
  finish: plain.choices[0].finish_reason,
  usage: plain.usage, rounds: plain.perceval.rounds.length,
};

const stream = await client.chat.completions.create({ ...request, stream: true,
  stream_options: { include_usage: true } });
const seen = { chunks: 0, role: null, reasoningChunks: 0, contentChunks: 0, rounds: [], content: '', reasoning: '',
  finish: null, usage: null, ids: new Set() };
for await (const chunk of stream) {
  seen.chunks++;
  seen.ids.add(chunk.id);
  if (chunk.usage) seen.usage = chunk.usage;
  const choice = chunk.choices[0];
  if (!choice) continue;
  const delta = choice.delta;
  if (delta.role) seen.role = delta.role;
  if (delta.reasoning_content) {
    seen.reasoningChunks++;
    seen.reasoning += delta.reasoning_content;
    seen.rounds.push(chunk.perceval.round);
  }
  if (delta.content) {
    seen.contentChunks++;
    seen.content += delta.content;
  }
  if (choice.finish_reason) seen.finish = choice.finish_reason;
}
out.stream = { ...seen, ids: [...seen.ids] };

out.models = [];
for await (const m of client.models.list()) {
  out.models.push({ id: m.id, object: m.object, owned_by: m.owned_by });
}

const failure = async (call) => {
  try {
    await call();
    return { raised: null };
  } catch (e) {
    return { raised: e.constructor.name, status: e.status, code: e.code, param: e.param, type: e.type,
      message: e.message, isApiError: e instanceof OpenAI.APIError };
  }
};
out.errors = {
  unknownModel: await failure(() => client.chat.completions.create({ ...request, model: 'no-such-model' })),
  badParameter: await failure(() => client.chat.completions.create({ ...request, n: 2 })),
  badParameterStreamed: await failure(() => client.chat.completions.create({ ...request, n: 2, stream: true })),
  wrongKey: await failure(() => new OpenAI({ baseURL: env('BASE_URL'), apiKey: 'not-a-token-of-this-node',
    maxRetries: 0 }).models.list()),
};
console.log(JSON.stringify(out));
