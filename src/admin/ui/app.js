// paymock's dashboard: plain DOM, no build step. Data comes from the admin API under
// /__paymock/; new exchanges arrive over server-sent events (/__paymock/events).
// With --admin-token, open the page as /__paymock/?token=...; it is sent along with every call.
const token = new URLSearchParams(location.search).get('token');
const auth = token ? { authorization: `Bearer ${token}` } : {};
const api = (path, options = {}) =>
  fetch(`/__paymock/${path}`, { headers: { 'content-type': 'application/json', ...auth }, ...options }).then(async (res) => {
    const body = res.status === 204 ? null : await res.json();
    if (!res.ok) throw new Error(body?.error ?? `HTTP ${res.status}`);
    return body;
  });

const $ = (selector) => document.querySelector(selector);
const entries = new Map();

function cell(text, className) {
  const td = document.createElement('td');
  if (className) {
    const badge = document.createElement('span');
    badge.className = className;
    badge.textContent = text;
    td.append(badge);
  } else td.textContent = text;
  return td;
}

function addRow(entry) {
  entries.set(entry.id, entry);
  const tr = document.createElement('tr');
  tr.dataset.id = entry.id;
  tr.dataset.source = entry.outcome.source;
  const who = entry.outcome.ruleId ? `rule ${entry.outcome.ruleId}` : entry.outcome.source;
  tr.append(
    cell(entry.id),
    cell(entry.time.slice(11, 23)),
    cell(who, `src src-${entry.outcome.source}`),
    cell(entry.dialect),
    cell(entry.api),
    cell(entry.fault ? `${entry.response.status} ${entry.fault}` : entry.response.status),
    cell(entry.outcome.durationMs.toFixed(1)),
  );
  tr.addEventListener('click', () => show(entry.id));
  $('#journal tbody').prepend(tr);
}

/** XML indented one element per line; JSON pretty-printed; anything else as it is. */
function pretty(text) {
  const trimmed = text.trim();
  if (/^[{[]/.test(trimmed)) {
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2);
    } catch {
      return text;
    }
  }
  if (trimmed.startsWith('<')) {
    let depth = 0;
    return trimmed
      .replace(/>\s*</g, '>\n<')
      .split('\n')
      .map((line) => {
        if (/^<\//.test(line)) depth = Math.max(0, depth - 1);
        const out = '  '.repeat(depth) + line;
        if (/^<[^!?/][^>]*[^/]>$/.test(line) && !/<\/[^>]+>$/.test(line)) depth++;
        return out;
      })
      .join('\n');
  }
  if (/^[\w.%+-]+=/.test(trimmed) && trimmed.includes('&')) return trimmed.split('&').join('\n&');
  return text;
}

function message(head, part, decoded) {
  const headers = part.headers.map(([name, value]) => `${name}: ${value}`).join('\n');
  const body = 'base64' in part.body ? `(binary, base64)\n${part.body.base64}` : part.body.text === '' ? '(no body)' : `${pretty(part.body.text)}\n\n(${part.body.charset})`;
  return `${head}\n${headers}\n\n${body}${decoded ? `\n\n── decoded ──\n${decoded}` : ''}`;
}

/** What paymock understood: the flat params (charset-decoded) and the business content. */
function decodedCall(call) {
  const params = Object.keys(call.params).length ? JSON.stringify(call.params, null, 2) : '';
  const biz = call.biz !== undefined ? `\nbiz: ${JSON.stringify(call.biz, null, 2)}` : '';
  return params + biz;
}

function show(id) {
  const entry = entries.get(id);
  if (!entry) return;
  document.querySelectorAll('#journal tr.selected').forEach((tr) => tr.classList.remove('selected'));
  document.querySelector(`#journal tr[data-id="${id}"]`)?.classList.add('selected');
  $('#detail').hidden = false;
  $('#detail-title').textContent = `#${entry.id} ${entry.dialect} ${entry.api}`;
  const { outcome } = entry;
  const where = outcome.cassette ? ` ${outcome.cassette.name} #${outcome.cassette.index}` : outcome.ruleId ? ` ${outcome.ruleId}` : '';
  $('#detail-outcome').textContent = `answered by ${outcome.source}${where} in ${outcome.durationMs.toFixed(1)} ms · request signature: ${entry.signature ?? 'not checked'}${entry.fault ? ` · fault: ${entry.fault}` : ''}`;
  const notes = [outcome.source === 'miss' ? outcome.reason : undefined, ...(outcome.warnings ?? []).map((w) => `warning: ${w}`)].filter(Boolean);
  $('#detail-reason').hidden = notes.length === 0;
  $('#detail-reason').textContent = notes.join('\n\n');
  $('#detail-request').textContent = message(`${entry.method} ${entry.url}`, entry.request, decodedCall(entry.call));
  $('#detail-response').textContent = message(`HTTP ${entry.response.status}`, entry.response);
}

async function refreshHeader() {
  const health = await api('health');
  $('#version').textContent = health.version;
  $('#mode').value = health.mode;
  $('#counts').textContent = Object.entries(health.counts).map(([source, n]) => `${source} ${n}`).join(' · ');
}

async function refreshRules() {
  const { rules } = await api('rules');
  const body = $('#rule-list tbody');
  body.replaceChildren();
  for (const { rule, origin, enabled, used } of rules) {
    const tr = document.createElement('tr');
    tr.dataset.rule = rule.id;
    const toggle = document.createElement('input');
    toggle.type = 'checkbox';
    toggle.checked = enabled;
    toggle.title = enabled ? 'disable' : 'enable';
    toggle.addEventListener('change', async () => {
      await api(`rules/${encodeURIComponent(rule.id)}/${toggle.checked ? 'enable' : 'disable'}`, { method: 'POST' });
      await refreshRules();
    });
    const on = document.createElement('td');
    on.append(toggle);
    const edit = document.createElement('button');
    edit.textContent = 'edit';
    edit.addEventListener('click', () => ($('#rule-editor').value = JSON.stringify(rule, null, 2)));
    const actions = document.createElement('td');
    actions.append(edit);
    tr.append(on, cell(rule.id), cell(rule.name), cell(origin), cell(rule.priority), cell(used), actions);
    body.append(tr);
  }
}

async function refreshCassettes() {
  const { cassettes, open } = await api('cassettes');
  const body = $('#cassette-list tbody');
  body.replaceChildren();
  for (const c of cassettes) {
    const tr = document.createElement('tr');
    tr.append(cell(`${c.name}${c.name === open ? ' (open)' : ''}`), cell(c.error ? `BROKEN: ${c.error}` : c.interactions), cell(c.apis.join(', ')), cell(c.lastRecordedAt ?? '-'), cell(c.upstream ?? '-'));
    body.append(tr);
  }
}

async function saveRule() {
  $('#rule-error').textContent = '';
  try {
    const rule = JSON.parse($('#rule-editor').value);
    const exists = [...document.querySelectorAll('#rule-list tr[data-rule]')].some((tr) => tr.dataset.rule === rule.id);
    await api(exists ? `rules/${encodeURIComponent(rule.id)}` : 'rules', { method: exists ? 'PUT' : 'POST', body: JSON.stringify(rule) });
    await refreshRules();
  } catch (error) {
    $('#rule-error').textContent = error.message;
  }
}

function connect(since) {
  const events = new EventSource(`/__paymock/events?since=${since}${token ? `&token=${encodeURIComponent(token)}` : ''}`);
  events.addEventListener('open', () => $('#live').classList.add('on'));
  events.addEventListener('error', () => $('#live').classList.remove('on'));
  events.addEventListener('exchange', (event) => {
    addRow(JSON.parse(event.data));
    refreshHeader();
  });
}

document.querySelectorAll('nav button').forEach((button) =>
  button.addEventListener('click', async () => {
    document.querySelectorAll('nav button, .tab').forEach((el) => el.classList.remove('active'));
    button.classList.add('active');
    $(`#${button.dataset.tab}`).classList.add('active');
    if (button.dataset.tab === 'rules') await refreshRules();
    if (button.dataset.tab === 'cassettes') await refreshCassettes();
  }),
);
$('#mode').addEventListener('change', async (event) => {
  try {
    await api('mode', { method: 'PUT', body: JSON.stringify({ mode: event.target.value }) });
  } catch (error) {
    alert(error.message);
  }
  await refreshHeader();
});
$('#save-rule').addEventListener('click', saveRule);
$('#persist').addEventListener('click', async () => alert(`written to ${(await api('rules/persist', { method: 'POST' })).file}`));
$('#rule-editor').value = JSON.stringify({ id: 'my-rule', name: 'describe it', when: { api: 'alipay.trade.pay' }, then: { result: 'FAIL', error: 'BUYER_BALANCE_NOT_ENOUGH' } }, null, 2);

const { entries: recent } = await api('journal?limit=200');
recent.forEach(addRow);
await refreshHeader();
connect(recent.at(-1)?.id ?? 0);
window.paymockReady = true;
