// A folder of transcripts as one self-contained static page: no network, no external assets, inline CSS
// and a few lines of inline JS (filter, expand all). Every text goes through mask() and is then escaped.
import { addUsage, formatCount, type UsageByModel } from '../usage.js';
import { mask } from './mask.js';
import type { LlmStep, Message, Step, Transcript } from './model.js';
import { formatTokens, inline, llmFacts } from './text.js';

/** One test in the report: its transcript and, when its cassette changed against git HEAD, how. */
export interface ReportTest {
  transcript: Transcript;
  /** `new`: not in HEAD; `changed`: differs from HEAD. */
  status?: 'new' | 'changed';
  /** The cassette's diff against HEAD (as `tapedeck diff` prints it). */
  diff?: string[];
}

/** What the page shows. */
export interface ReportInput {
  tests: ReportTest[];
  /** Cassettes that could not be read, and why. */
  invalid: Array<{ path: string; error: string }>;
  /** Why changes against HEAD are not marked (not a git repository...), if they are not. */
  gitNote?: string;
  /** ISO time the page was made. */
  generatedAt: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Masks, then escapes text for HTML. */
export function html(text: string): string {
  return mask(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function tokens(usage: UsageByModel): { input: number; output: number } {
  return Object.values(usage).reduce((sum, u) => ({ input: sum.input + u.input, output: sum.output + u.output }), { input: 0, output: 0 });
}

function messageHtml(message: Message): string {
  if (message.toolResult !== undefined) {
    const r = message.toolResult;
    return `<div class="msg tool${r.isError === true ? ' failed' : ''}"><div class="role">tool result${r.name !== undefined ? ` · <span class="fn">${html(r.name)}</span>` : ''}</div><pre>${html(inline(r.content, 2000))}</pre></div>`;
  }
  const calls = (message.toolCalls ?? []).map((c) => `<div class="call"><span class="fn">${html(c.name)}</span><code>${html(inline(c.args, 2000))}</code></div>`).join('');
  const text = message.text !== undefined && message.text !== '' ? `<div class="text">${html(message.text)}</div>` : '';
  return `<div class="msg ${message.role}"><div class="role">${message.role}</div>${text}${calls}</div>`;
}

function llmHtml(step: LlmStep): string {
  const earlier = step.request.slice(0, step.repeated);
  const fresh = step.request.slice(step.repeated);
  const parts = [`<div class="head"><span class="kind">llm</span> ${html(llmFacts(step).join(' · '))} <span class="url">${html(`${step.method} ${step.url}`)}</span></div>`];
  if (earlier.length > 0) parts.push(`<details class="earlier"><summary>${earlier.length} earlier message${earlier.length === 1 ? '' : 's'}</summary>${earlier.map(messageHtml).join('')}</details>`);
  parts.push(...fresh.map(messageHtml));
  if (step.answer !== undefined) {
    parts.push(messageHtml({ role: 'assistant', text: step.answer.text, toolCalls: step.answer.toolCalls }));
    if (step.answer.finishReason !== undefined) parts.push(`<div class="finish">finish: ${html(step.answer.finishReason)}</div>`);
  }
  if (step.error !== undefined) parts.push(`<div class="error">${html(step.error)}</div>`);
  return `<div class="step llm">${parts.join('')}</div>`;
}

function stepHtml(step: Step): string {
  switch (step.kind) {
    case 'llm':
      return llmHtml(step);
    case 'tool':
    case 'mcp': {
      const kind = step.kind === 'tool' ? 'tool' : `mcp · ${step.server}`;
      const name = step.kind === 'tool' ? step.toolId : step.operation;
      const outcome = step.ok ? `<span class="lbl">result</span><pre class="result">${html(inline(step.result, 2000))}</pre>` : `<span class="lbl">error</span><div class="error">${html(step.error ?? '')}</div>`;
      return `<div class="step ${step.kind}"><div class="head"><span class="kind">${html(kind)}</span> <span class="fn">${html(name)}</span></div><div class="io"><span class="lbl">args</span><pre class="args">${html(inline(step.args, 2000))}</pre>${outcome}</div></div>`;
    }
    case 'http': {
      const status = step.status === undefined ? '' : ` → <span class="${step.status >= 400 ? 'bad' : 'ok'}">${step.status}</span>`;
      const body = step.body === undefined ? '' : `<pre>${html(step.body)}</pre>`;
      const error = step.error === undefined ? '' : `<div class="error">${html(step.error)}</div>`;
      return `<div class="step http"><div class="head"><span class="kind">http</span> ${html(`${step.method} ${step.url}`)}${status}</div>${body}${error}</div>`;
    }
  }
}

const badge = (status: ReportTest['status']) => (status === undefined ? '' : ` <span class="badge ${status}">${status}</span>`);
const list = (items: string[]) => (items.length === 0 ? '<span class="none">none</span>' : items.map((i) => `<code>${html(i)}</code>`).join(' '));

function testRow(test: ReportTest, n: number): string {
  const t = test.transcript;
  const total = tokens(t.usage);
  return (
    `<tr data-name="${html(t.test.toLowerCase())}"${test.status !== undefined ? ' data-changed' : ''}>` +
    `<td><a href="#test-${n}">${html(t.test)}</a>${badge(test.status)}<div class="file">${html(t.file)}</div></td>` +
    `<td>${list(t.tools)}</td><td>${list(t.models)}</td><td class="num">${t.steps.length}</td>` +
    `<td class="num">${total.input + total.output === 0 ? '–' : html(formatTokens(total))}</td></tr>`
  );
}

function transcriptHtml(test: ReportTest, n: number): string {
  const t = test.transcript;
  const diff =
    test.diff === undefined
      ? ''
      : `<details class="diff" open><summary>Changes against HEAD</summary><pre>${test.diff
          .map((line) => `<span class="${/^\s*[-+~]/.test(line) ? { '-': 'del', '+': 'add', '~': 'chg' }[line.trim()[0]!] : ''}">${html(line)}</span>`)
          .join('\n')}</pre></details>`;
  return (
    `<details class="transcript" id="test-${n}" data-name="${html(t.test.toLowerCase())}"${test.status !== undefined ? ' data-changed' : ''}>` +
    `<summary><span class="name">${html(t.test)}</span>${badge(test.status)} <span class="file">${html(t.file)}</span></summary>` +
    `${diff}<div class="chat">${t.steps.map(stepHtml).join('') || '<p class="none">No calls recorded.</p>'}</div></details>`
  );
}

const STYLE = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--dim:#6b7385;--line:#e2e5eb;--user:#e8f0fe;--asst:#e9f7ef;--sys:#f1f1f4;--tool:#fff6e0;--bad:#c62828;--ok:#2e7d32;--accent:#3454d1}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{padding:20px 28px;background:#1d2330;color:#fff}header h1{margin:0 0 4px;font-size:20px}header p{margin:0;color:#c9cede}
main{padding:8px 28px 40px;max-width:1200px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:6px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;color:var(--dim);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}.file{color:var(--dim);font-size:12px}a{color:var(--accent);text-decoration:none}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f4;padding:1px 4px;border-radius:3px}
.none{color:var(--dim)}.badge{font-size:11px;padding:1px 6px;border-radius:8px;margin-left:6px;font-weight:600}
.badge.changed{background:#fff3cd;color:#8a6100}.badge.new{background:#e3f2fd;color:#0d47a1}
.controls{display:flex;gap:10px;align-items:center;margin:0 0 8px}.controls input[type=search]{flex:1;max-width:320px;padding:5px 8px;border:1px solid var(--line);border-radius:4px}
button{padding:5px 10px;border:1px solid var(--line);background:var(--card);border-radius:4px;cursor:pointer}
details.transcript{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:10px 0}
details.transcript>summary{padding:10px 14px;cursor:pointer;font-weight:600}details.transcript>summary .file{font-weight:400;margin-left:8px}
.chat{padding:4px 14px 14px;display:flex;flex-direction:column;gap:8px}
.step{border-left:3px solid var(--line);padding:4px 0 4px 12px}.step.llm{border-color:#9fb3f5}.step.tool,.step.mcp{border-color:#f0c36b}.step.http{border-color:#b9c0cc}
.head{font-size:12px;color:var(--dim);margin-bottom:4px}.head .url{margin-left:6px;font-family:ui-monospace,monospace}
.kind{display:inline-block;font-weight:700;text-transform:uppercase;font-size:11px;color:var(--ink);margin-right:4px}
.msg{max-width:820px;padding:7px 10px;border-radius:8px;margin:4px 0;white-space:pre-wrap}.msg .role{font-size:11px;font-weight:700;color:var(--dim);text-transform:uppercase;margin-bottom:2px}.role .fn{text-transform:none}
.msg.system{background:var(--sys)}.msg.user{background:var(--user)}.msg.assistant{background:var(--asst);margin-left:40px}.msg.tool{background:var(--tool)}.msg.failed{outline:1px solid var(--bad)}
.call{margin-top:4px;white-space:normal}.call .fn,.fn{font-weight:700;font-family:ui-monospace,monospace;margin-right:6px}
pre{margin:4px 0;padding:6px 8px;background:#f7f8fa;border:1px solid var(--line);border-radius:4px;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
.msg pre{background:transparent;border:0;padding:0}.finish{font-size:12px;color:var(--dim);margin-left:40px}
.error{color:var(--bad);font-weight:600}.bad{color:var(--bad);font-weight:700}.ok{color:var(--ok);font-weight:700}
details.earlier>summary{font-size:12px;color:var(--dim);cursor:pointer}details.diff{margin:0 14px 8px}details.diff>summary{cursor:pointer;font-weight:600;color:#8a6100}
.io{display:grid;grid-template-columns:52px 1fr;align-items:start;max-width:900px}.lbl{font-size:11px;color:var(--dim);text-transform:uppercase;padding-top:9px}
td code{white-space:nowrap;display:inline-block;margin:1px 0}.del{color:var(--bad)}.add{color:var(--ok)}.chg{color:#8a6100}.invalid li{color:var(--bad)}
`;

const SCRIPT = `
const q=document.getElementById('filter'),only=document.getElementById('changed-only');
function apply(){const s=q.value.trim().toLowerCase();for(const el of document.querySelectorAll('[data-name]')){const hit=el.dataset.name.includes(s)&&(!only.checked||el.hasAttribute('data-changed'));el.hidden=!hit;}}
q.addEventListener('input',apply);only.addEventListener('change',apply);
document.getElementById('expand').addEventListener('click',e=>{const open=e.target.textContent==='Expand all';for(const d of document.querySelectorAll('details.transcript'))d.open=open;e.target.textContent=open?'Collapse all':'Expand all';});
function openHash(){const el=location.hash&&document.getElementById(location.hash.slice(1));if(el&&el.tagName==='DETAILS')el.open=true;}
addEventListener('hashchange',openHash);openHash();
`;

/** The report page. */
export function renderReport(input: ReportInput): string {
  const usage: UsageByModel = {};
  for (const test of input.tests) {
    for (const step of test.transcript.steps) if (step.kind === 'llm' && step.tokens !== undefined && step.model !== undefined) addUsage(usage, { model: step.model, ...step.tokens });
  }
  const models = Object.entries(usage).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = tokens(usage);
  const calls = input.tests.reduce((n, t) => n + t.transcript.steps.length, 0);
  const changed = input.tests.filter((t) => t.status !== undefined).length;
  const facts = [`${input.tests.length} test${input.tests.length === 1 ? '' : 's'}`, `${formatCount(calls)} recorded calls`, `${formatTokens(total)} tokens`];
  if (changed > 0) facts.push(`${changed} changed against HEAD`);
  const modelRows = models.map(([model, u]) => `<tr><td><code>${html(model)}</code></td><td class="num">${formatCount(u.calls)}</td><td class="num">${formatCount(u.input)}</td><td class="num">${formatCount(u.output)}</td></tr>`);
  const invalid = input.invalid.length === 0 ? '' : `<h2>Cassettes that could not be read</h2><ul class="invalid">${input.invalid.map((i) => `<li><code>${html(i.path)}</code>: ${html(i.error)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>tapedeck report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>tapedeck report</h1><p>${html(facts.join(' · '))} · generated ${html(input.generatedAt)}</p></header>
<main>
<section id="models"><h2>Tokens per model</h2>${
    models.length === 0
      ? '<p class="none">No LLM responses with token usage.</p>'
      : `<table><thead><tr><th>Model</th><th class="num">Calls</th><th class="num">Input</th><th class="num">Output</th></tr></thead><tbody>${modelRows.join('')}</tbody></table>`
  }</section>
<section id="tests"><h2>Tests</h2>${input.gitNote === undefined ? '' : `<p class="none">${html(input.gitNote)}</p>`}
<div class="controls"><input type="search" id="filter" placeholder="Filter tests by name"><label><input type="checkbox" id="changed-only"> changed only</label><button id="expand" type="button">Expand all</button></div>
<table class="tests"><thead><tr><th>Test</th><th>Tools</th><th>Models</th><th class="num">Calls</th><th class="num">Tokens</th></tr></thead><tbody>
${input.tests.map(testRow).join('\n')}
</tbody></table>${invalid}</section>
<section id="transcripts"><h2>Transcripts</h2>
${input.tests.map(transcriptHtml).join('\n')}
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
