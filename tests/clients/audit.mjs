// The graphql-http server audit (GraphQL over HTTP spec conformance) against one URL.
//
//   node audit.mjs URL [--header="Name: value"]...
//
// Every request the audit sends carries the given headers (e.g. the gateway's X-API-Key).
// Prints one JSON line: {"counts": {...}, "results": [{id, name, status, reason?, exchange?}]},
// where a result that is not ok holds the request it sent and the response it got.
import { auditServer } from "graphql-http";

const NO_BODY = new Set([101, 103, 204, 205, 304]);
const EXCERPT = 600;

function parseArgs(argv) {
  const [url, ...rest] = argv;
  if (!url) throw new Error("usage: node audit.mjs URL [--header='Name: value']...");
  const headers = {};
  for (const arg of rest) {
    if (!arg.startsWith("--header=")) throw new Error(`unknown argument ${arg}`);
    const [name, ...value] = arg.slice("--header=".length).split(":");
    headers[name.trim()] = value.join(":").trim();
  }
  return { url, headers };
}

/** fetch with the extra headers, remembering each exchange by the Response it returns. */
function recordingFetch(extra, exchanges) {
  const secret = lower(extra);
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    const method = init.method ?? "GET";
    const sent = await fetch(input, { ...init, headers });
    const text = await sent.text();
    const response = new Response(NO_BODY.has(sent.status) ? null : text, {
      status: sent.status,
      statusText: sent.statusText,
      headers: sent.headers,
    });
    return remember(exchanges, response, {
      request: {
        method,
        url: String(input),
        headers: Object.fromEntries(
          [...headers].map(([name, value]) => [name, name in secret ? "<the key>" : value]),
        ),
        body: typeof init.body === "string" ? init.body.slice(0, EXCERPT) : init.body ?? null,
      },
      response: {
        status: sent.status,
        contentType: sent.headers.get("content-type"),
        body: text.slice(0, EXCERPT),
      },
    });
  };
}

/** Map the response, and every clone of it the audit makes to re-read a body, to its exchange. */
function remember(exchanges, response, exchange) {
  exchanges.set(response, exchange);
  const clone = response.clone.bind(response);
  response.clone = () => remember(exchanges, clone(), exchange);
  return response;
}

function lower(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

const { url, headers } = parseArgs(process.argv.slice(2));
const exchanges = new WeakMap();
const results = await auditServer({ url, fetchFn: recordingFetch(headers, exchanges) });
const counts = { total: results.length, ok: 0, notice: 0, warn: 0, error: 0 };
const out = results.map((result) => {
  counts[result.status] += 1;
  const { id, name, status } = result;
  if (status === "ok") return { id, name, status };
  return { id, name, status, reason: result.reason, exchange: exchanges.get(result.response) };
});
process.stdout.write(`${JSON.stringify({ counts, results: out })}\n`);
