// The Perceval console: reads the node's HTTP API with the token the user gives (kept for the
// browser tab only), so the pages themselves carry no data and need no login.
'use strict';

const POLL_MS = 3000;
const HISTORY_ROWS = 2000;

function token() {
  return sessionStorage.getItem('perceval.token') || '';
}

function notice(text) {
  const p = document.getElementById('notice');
  p.textContent = text || '';
  p.hidden = !text;
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) {
    headers['Authorization'] = 'Bearer ' + token();
  }
  const response = await fetch(path, Object.assign({}, options, {headers}));
  if (response.status === 401 || response.status === 403) {
    notice('The node refused the request (' + response.status + '): enter a token with the '
      + (options.method === 'POST' && !path.startsWith('/v1/') ? 'submit' : 'read') + ' scope above.');
  }
  return response;
}

async function apiJson(path, options) {
  const response = await api(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = {error: 'the node answered ' + response.status + ' without JSON'};
  }
  return {ok: response.ok, status: response.status, body};
}

function errorText(body) {
  const e = body && body.error;
  return typeof e === 'string' ? e : e && e.message ? e.message : 'unknown error';
}

function setupToken() {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token');
  input.value = token();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem('perceval.token', input.value.trim());
    notice('');
    refresh();
  });
}

function number(v, digits = 3) {
  return typeof v === 'number' && isFinite(v) ? v.toFixed(digits) : '-';
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, v);
  }
  for (const c of children) {
    e.append(c);
  }
  return e;
}

// ---- campaigns list

async function refreshCampaigns() {
  const r = await apiJson('/campaigns');
  if (!r.ok) {
    return;
  }
  const tbody = document.querySelector('#campaigns tbody');
  tbody.replaceChildren(...r.body.campaigns.map((c) => {
    const m = c.metrics || {};
    return el('tr', {'data-id': c.id},
      el('td', {}, el('a', {href: 'campaign.html?id=' + encodeURIComponent(c.id)}, c.id)),
      el('td', {class: 'status ' + c.status}, c.status),
      el('td', {}, c.step + ' / ' + (c.steps ?? '?')),
      el('td', {}, number(m['reward/mean'])),
      el('td', {}, number(m['perceval/flagged_rate'])));
  }));
  document.getElementById('empty').hidden = r.body.campaigns.length > 0;
}

// ---- one campaign

const CHARTS = [
  {id: 'chart-reward', title: 'Reward (mean)', table: 'steps', column: 'reward/mean', stroke: '#1f77b4'},
  {id: 'chart-accuracy', title: 'Held-out accuracy', table: 'evals', column: 'eval/accuracy', stroke: '#2ca02c'},
  {id: 'chart-flagged', title: 'Flagged rate', table: 'steps', column: 'perceval/flagged_rate', stroke: '#d62728'},
  {id: 'chart-step-time', title: 'Step time (s)', table: 'steps', column: 'timing_s/step', stroke: '#9467bd'},
];
const plots = {};

function campaignId() {
  return new URLSearchParams(location.search).get('id') || '';
}

function drawChart(spec, table) {
  const xs = [];
  const ys = [];
  const steps = (table && table.step) || [];
  const values = (table && table[spec.column]) || [];
  for (let i = 0; i < steps.length; i++) {
    if (typeof values[i] === 'number') {
      xs.push(steps[i]);
      ys.push(values[i]);
    }
  }
  const box = document.getElementById(spec.id);
  box.dataset.points = String(xs.length);
  if (!plots[spec.id]) {
    plots[spec.id] = new uPlot({
      title: spec.title,
      width: Math.max(300, box.clientWidth || 540),
      height: 220,
      // A flat curve (a reward of 0 at every step) gets a range around its value, not uPlot's 0 to 100.
      scales: {x: {time: false}, y: {range: (u, min, max) => min === max ? [min - 1, max + 1]
        : uPlot.rangeNum(min, max, 0.1, true)}},
      // Steps are whole numbers: no tick at step 1.25.
      axes: [{incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]}, {}],
      series: [{label: 'step'}, {label: spec.column, stroke: spec.stroke, width: 2, points: {show: xs.length < 50}}],
    }, [xs, ys], box);
  } else {
    plots[spec.id].setData([xs, ys]);
  }
}

async function refreshCampaign() {
  const id = campaignId();
  document.getElementById('campaign-id').textContent = 'Campaign ' + id;
  const status = await apiJson('/campaigns/' + encodeURIComponent(id));
  if (!status.ok) {
    if (status.status !== 401 && status.status !== 403) {
      notice(errorText(status.body));
    }
    return;
  }
  const c = status.body;
  const s = document.getElementById('status');
  s.textContent = c.status;
  s.className = 'status ' + c.status;
  document.getElementById('step').textContent = c.step + ' / ' + (c.steps ?? '?');
  document.getElementById('phase').textContent = c.phase || '-';
  document.getElementById('checkpoint').textContent = c.checkpoint || '-';
  const error = document.getElementById('error');
  error.textContent = c.error || '';
  error.hidden = !c.error;
  const history = await apiJson('/campaigns/' + encodeURIComponent(id) + '/history?rows=' + HISTORY_ROWS);
  if (history.ok) {
    for (const spec of CHARTS) {
      drawChart(spec, history.body[spec.table]);
    }
  }
}

function setupControls() {
  for (const button of document.querySelectorAll('[data-action]')) {
    button.addEventListener('click', async () => {
      const action = button.dataset.action;
      const r = await apiJson('/campaigns/' + encodeURIComponent(campaignId()) + '/' + action, {method: 'POST'});
      document.getElementById('control-reply').textContent = r.ok ? action + ': now ' + r.body.status
        : action + ' refused: ' + errorText(r.body);
      refresh();
    });
  }
}

// ---- test-time scaling

async function loadModels() {
  const r = await apiJson('/v1/models');
  const select = document.getElementById('model');
  const models = r.ok ? r.body.data : [];
  select.replaceChildren(el('option', {value: ''}, 'node default'), ...models.map((m) => el('option', {value: m.id},
    m.id)));
}

function readAsDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// A round's response with its flagged spans marked and its cut point shown. The node gives each
// span as character offsets in the response; a span without them is found by its claim text.
function renderResponse(round) {
  const text = round.response || '';
  const spans = [];
  for (const f of round.flagged || []) {
    let start = f.char_start;
    let end = f.char_end;
    if (typeof start !== 'number' || typeof end !== 'number') {
      start = f.claim ? text.indexOf(f.claim) : -1;
      end = start < 0 ? -1 : start + f.claim.length;
    }
    if (start >= 0 && end > start && end <= text.length) {
      spans.push({start, end, claim: f});
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const cut = typeof round.cut_char === 'number' ? round.cut_char : -1;
  const out = el('p', {class: 'response'});
  let at = 0;
  const plain = (to) => {
    if (cut >= at && cut < to) {
      out.append(text.slice(at, cut), el('span', {class: 'cut', title: 'the next round regenerates from here'}, '✂'));
      at = cut;
    }
    out.append(text.slice(at, to));
    at = to;
  };
  for (const s of spans) {
    if (s.start < at) {
      continue;
    }
    plain(s.start);
    if (cut === at) {
      out.append(el('span', {class: 'cut', title: 'the next round regenerates from here'}, '✂'));
    }
    out.append(el('mark', {class: 'flagged', title: 'p(wrong) = ' + number(s.claim.probability, 2)},
      text.slice(s.start, s.end)));
    at = s.end;
  }
  plain(text.length);
  return out;
}

function renderRound(p) {
  const li = el('li', {class: 'round', 'data-round': String(p.round)});
  const flagged = (p.flagged || []).length;
  li.append(el('h3', {}, 'Round ' + (p.round + 1)),
    el('p', {class: 'muted'}, flagged + ' flagged claim' + (flagged === 1 ? '' : 's')
      + (p.cut_at >= 0 ? ', cut at token ' + p.cut_at : ', not cut') + ', ' + p.kept_tokens + ' tokens kept'),
    renderResponse(p));
  if (p.reflection) {
    li.append(el('p', {class: 'reflection'}, p.reflection));
  }
  document.getElementById('rounds').append(li);
}

async function ask(image, question) {
  document.getElementById('rounds').replaceChildren();
  document.getElementById('final').hidden = true;
  notice('');
  const content = [];
  if (question) {
    content.push({type: 'text', text: question});
  }
  content.push({type: 'image_url', image_url: {url: image}});
  const body = {messages: [{role: 'user', content}], stream: true};
  const model = document.getElementById('model').value;
  const strategy = document.getElementById('strategy').value.trim();
  const k = parseInt(document.getElementById('k').value, 10);
  if (model) {
    body.model = model;
  }
  if (strategy) {
    body.strategy = strategy;
  }
  if (k > 0) {
    body.k = k;
  }
  const response = await api('/v1/chat/completions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  if (!response.ok) {
    let reason = 'the node answered ' + response.status;
    try {
      reason = errorText(await response.json());
    } catch (e) { /* not JSON: keep the status */ }
    notice(reason);
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let answer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) {
      break;
    }
    buffered += decoder.decode(value, {stream: true});
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      if (!data || data === '[DONE]') {
        continue;
      }
      const chunk = JSON.parse(data);
      if (chunk.error) {
        notice(errorText(chunk));
        continue;
      }
      const p = chunk.perceval;
      if (p && typeof p.round === 'number') {
        renderRound(p);
      }
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && delta.content) {
        answer += delta.content;
      }
      if (p && 'answer' in p) {
        // The chosen round's response (the content delta) is on the page already, as that round.
        document.getElementById('answer').textContent = (p.answer ?? 'none: no answer could be read from the'
          + ' response') + ', from round ' + ((p.chosen ?? 0) + 1) + (answer ? '' : ' (no content)');
        const b = p.budget || {};
        document.getElementById('budget').textContent = b.generated_tokens + ' tokens generated, '
          + b.policy_calls + ' policy calls, ' + b.prm_calls + ' verifier calls';
        document.getElementById('final').hidden = false;
        document.body.dataset.done = 'true';
      }
    }
  }
}

function setupAsk() {
  const form = document.getElementById('ask');
  const preview = document.getElementById('preview');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = document.getElementById('image').files[0];
    if (!file) {
      notice('Choose an image first.');
      return;
    }
    const image = await readAsDataUrl(file);
    preview.src = image;
    preview.hidden = false;
    ask(image, document.getElementById('question').value.trim()).catch((e) => notice(String(e)));
  });
  const params = new URLSearchParams(location.search);
  if (params.has('sample')) {
    // The console's own sample scene, so that a first look needs no image at hand.
    const question = params.get('question') || 'how many red shapes are there ?';
    document.getElementById('question').value = question;
    document.getElementById('strategy').value = params.get('strategy') || '';
    document.getElementById('k').value = params.get('k') || '';
    fetch('sample.png').then((r) => r.blob()).then(readAsDataUrl).then((image) => {
      preview.src = image;
      preview.hidden = false;
      return loadModels().then(() => ask(image, question));
    }).catch((e) => notice(String(e)));
  }
}

// ---- wiring

const page = document.body.dataset.page;

function refresh() {
  if (page === 'campaigns') {
    refreshCampaigns().catch((e) => notice(String(e)));
  } else if (page === 'campaign') {
    refreshCampaign().catch((e) => notice(String(e)));
  } else if (page === 'tts') {
    loadModels().catch((e) => notice(String(e)));
  }
}

setupToken();
if (page === 'campaign') {
  setupControls();
} else if (page === 'tts') {
  setupAsk();
}
refresh();
if (page !== 'tts') {
  setInterval(refresh, POLL_MS);
}
// The form and buttons are wired: what is typed now is not overwritten by setupToken.
document.body.dataset.ready = 'true';
