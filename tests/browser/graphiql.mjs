// GraphiQL as a user meets it, in headless Chromium: the page loads with no request leaving our server,
// runs the term-page query on Ctrl+Enter, runs a subscription over /graphql/ws that reports an editor's
// change, takes an API key in the headers editor, and breaks no rule of its Content-Security-Policy.
// Saves a screenshot of the answered query.
//
// usage: node graphiql.mjs http://127.0.0.1:PORT 'Bearer glsk_…' out/graphiql.png
import { chromium } from 'playwright-core';

const [base, editorKey, screenshot] = process.argv.slice(2);
if (!base || !editorKey || !screenshot) {
  console.error('usage: node graphiql.mjs BASE_URL EDITOR_KEY SCREENSHOT.png');
  process.exit(2);
}
const origin = new URL(base);
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

// Every request the page makes, and every complaint it logs.
const requests = [];
page.on('request', (request) => requests.push(request.url()));
page.on('websocket', (socket) => requests.push(socket.url()));
const problems = [];
page.on('console', (message) => {
  if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
    problems.push(message.text());
  }
});
page.on('pageerror', (error) => problems.push(String(error)));
page.on('response', (response) => {
  if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
});

// The editors are CodeMirror 5 instances; these read and write them as a user's typing would.
const setEditor = (selector, text) =>
  page.evaluate(([selector, text]) => document.querySelector(`${selector} .CodeMirror`).CodeMirror.setValue(text), [selector, text]);
// The editor tools: the variables editor first, the headers editor second (both stay in the page).
const setTool = (index, text) =>
  page.evaluate(([index, text]) => document.querySelectorAll('.graphiql-editor-tool .CodeMirror')[index].CodeMirror.setValue(text), [index, text]);
const result = () => page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
const waitForResult = async (predicate, what, ms = 10_000) => {
  const deadline = Date.now() + ms;
  let text = '';
  while (Date.now() < deadline) {
    text = await result();
    if (predicate(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: the result pane shows ${text.slice(0, 300)}`);
};
const run = async () => {
  // GraphiQL reads the operations of the editor's text shortly after it changes.
  await page.waitForTimeout(400);
  await page.click('.graphiql-query-editor .CodeMirror');
  await page.keyboard.press('Control+Enter');
};

try {
  const response = await page.goto(`${base}/graphiql`, { waitUntil: 'load' });
  check(response.status() === 200, 'GET /graphiql answers 200');
  check(/default-src 'self'/.test(response.headers()['content-security-policy'] ?? ''), 'the page has a Content-Security-Policy of our own origin');
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 15_000 });
  const query = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  check(query.includes('query TermPage'), 'the default tab holds the term-page query');

  // The term page, with Ctrl+Enter.
  await run();
  const answer = await waitForResult((text) => text.includes('"name": "Backend developer"'), 'the term page');
  check(answer.includes('"sections"') && !answer.includes('"errors"'), 'Ctrl+Enter runs it and the result pane shows the term');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  // A subscription over /graphql/ws, reporting a change an editor makes meanwhile.
  await setEditor('.graphiql-query-editor', 'subscription Live {\n  termUpdated(slug: "api") { slug title }\n}\n');
  await setTool(0, '{}');
  await run();
  await page.waitForTimeout(500);
  const title = `What is an API? (seen live ${Date.now()})`;
  const change = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: editorKey },
    body: JSON.stringify({
      query: 'mutation($title: String!) { api: updateTerm(input: { id: "' + (await termId()) + '", title: $title }) { userErrors { code } } }',
      variables: { title },
    }),
  });
  check(change.ok, 'an editor changes the term');
  await waitForResult((text) => text.includes(title), 'the subscription');
  check(true, 'the subscription shows the change, over /graphql/ws');

  // An API key in the headers editor: an editor's preview of a draft.
  await page.click('.graphiql-query-editor .CodeMirror');
  await page.keyboard.press('Control+Enter'); // stops the subscription
  await setEditor('.graphiql-query-editor', '{ viewer { role } }');
  await page.getByText('Headers', { exact: true }).click();
  await setTool(1, JSON.stringify({ Authorization: editorKey }));
  await run();
  await waitForResult((text) => text.includes('"role": "EDITOR"'), 'the headers editor');
  check(true, 'the headers editor takes an API key');

  // Nothing left 127.0.0.1, and the policy was kept.
  const foreign = requests.filter((url) => {
    if (url.startsWith('data:')) return false;
    const target = new URL(url);
    return target.hostname !== origin.hostname || target.port !== origin.port;
  });
  check(foreign.length === 0, `no request left ${origin.host} (${requests.length} requests)${foreign.length ? ': ' + foreign.join(', ') : ''}`);
  check(requests.some((url) => url.startsWith('ws://')), 'the subscription went over a WebSocket to our origin');
  check(problems.length === 0, `no console errors or CSP violations${problems.length ? ': ' + problems.join(' | ') : ''}`);
} catch (error) {
  failures.push(String(error));
  console.error(error);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}

async function termId() {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ term(slug: "api") { id } }' }),
  });
  return (await response.json()).data.term.id;
}

if (failures.length) {
  console.error(`\n${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('GraphiQL works offline, under its policy');
