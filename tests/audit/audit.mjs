// The GraphQL-over-HTTP audit (npm graphql-http, `serverAudits`) against a running server.
//
// usage: node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints every audit with its outcome. Exits 1 when a MUST fails (an error) or a SHOULD is not met (a
// warning): we hold ourselves to every SHOULD too. A MAY that is not taken is listed and does not fail.
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? process.env.GRAPHQL_URL;
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

const counts = { ok: 0, warn: 0, error: 0 };
const failures = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  if ('response' in result && result.response?.body && !result.response.bodyUsed) {
    await result.response.body.cancel().catch(() => {});
  }
  const level = audit.name.split(' ')[0];
  counts[result.status] += 1;
  const mark = result.status === 'ok' ? 'ok  ' : result.status === 'warn' ? 'WARN' : 'FAIL';
  const reason = result.status === 'ok' ? '' : ` — ${result.reason}`;
  console.log(`${mark} ${audit.id} ${audit.name}${reason}`);
  if (result.status !== 'ok' && (level === 'MUST' || level === 'SHOULD')) {
    failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
  }
}

const total = counts.ok + counts.warn + counts.error;
console.log(`\n${total} audits: ${counts.ok} passed, ${counts.warn} warnings, ${counts.error} errors`);
if (failures.length > 0) {
  console.error(`\n${failures.length} MUST or SHOULD not met:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('every MUST and SHOULD met');
