// Switchboard in a supergraph, proven with Apollo's own tools:
//   1. read Switchboard's subgraph SDL from `{ _service { sdl } }`,
//   2. start the billing subgraph (billing.mjs), which extends PhoneNumber,
//   3. compose both with @apollo/composition (any composition error fails),
//   4. serve @apollo/gateway over both on loopback and check queries that need both
//      subgraphs against what Switchboard answers directly.
//
//   node supergraph.mjs --switchboard http://127.0.0.1:8000/graphql          # check, print JSON
//   node supergraph.mjs --switchboard http://127.0.0.1:8000/graphql --serve  # keep serving
//
// Everything listens on 127.0.0.1; nothing here reaches the network.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { composeServices } from "@apollo/composition";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { parse } from "graphql";

import { priceOf, startBilling, typeDefs as billingTypeDefs } from "./billing.mjs";

const { values: args } = parseArgs({
  options: {
    switchboard: { type: "string", default: "http://127.0.0.1:8000/graphql" },
    serve: { type: "boolean", default: false },
    port: { type: "string", default: "0" },
    "billing-port": { type: "string", default: "0" },
    "supergraph-out": { type: "string" },
    // Another billing SDL (the tests use it to prove that composition errors fail).
    "billing-sdl": { type: "string" },
  },
});

const log = (...parts) => console.error("[supergraph]", ...parts);

async function gql(url, query, variables = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!response.ok || body.errors) {
    throw new Error(`${url}: HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

// -- what billing stores: a few numbers of every provider, with the assistant paying ----

async function invoiceLines(switchboard) {
  const { providers } = await gql(switchboard, "{ providers { name } }");
  const perProvider = providers
    .map(
      ({ name }) =>
        `${name.toLowerCase()}: phoneNumbers(first: 6, filter: {providers: [${name}]}) ` +
        "{ nodes { id assistant { id } } }",
    )
    .join("\n");
  const data = await gql(switchboard, `{ ${perProvider} }`);
  return Object.values(data).flatMap((connection) =>
    connection.nodes.map((n) => ({ phoneNumberId: n.id, assistantId: n.assistant?.id ?? null })),
  );
}

// -- compose --------------------------------------------------------------------------

function compose(subgraphs) {
  const result = composeServices(
    subgraphs.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })),
  );
  const hints = (result.hints ?? []).map((h) => ({
    code: h.definition.code,
    level: h.definition.level?.name ?? String(h.definition.level),
    message: h.message,
  }));
  if (result.errors?.length) {
    for (const error of result.errors) {
      log("composition error:", error.extensions?.code ?? "", error.message);
    }
    throw new Error(`composition failed with ${result.errors.length} error(s)`);
  }
  return { supergraphSdl: result.supergraphSdl, hints };
}

// -- checks ---------------------------------------------------------------------------

const NUMBERS_WITH_COST = `
  query NumbersWithCost {
    phoneNumbers(first: 10, filter: {providers: [FLIREO, TELI]}) {
      totalCount
      nodes { id number provider monthlyCost { cents currency } assistant { name } }
    }
  }`;

const INVOICE = `
  query Invoice {
    invoice(month: "2025-01") {
      month
      total { cents currency }
      lines {
        amount { cents }
        phoneNumber { id number provider status monthlyCost { cents } assistant { name } }
        billedTo { id name active }
      }
    }
  }`;

async function checkNumbersWithCost(gateway, switchboard) {
  // Switchboard first, then billing's _entities with the numberType it @requires.
  const got = await gql(gateway, NUMBERS_WITH_COST);
  const direct = await gql(
    switchboard,
    `{ phoneNumbers(first: 10, filter: {providers: [FLIREO, TELI]}) {
         totalCount nodes { id number provider numberType assistant { name } } } }`,
  );
  const expected = {
    phoneNumbers: {
      totalCount: direct.phoneNumbers.totalCount,
      nodes: direct.phoneNumbers.nodes.map(({ numberType, ...n }) => ({
        id: n.id,
        number: n.number,
        provider: n.provider,
        monthlyCost: priceOf(numberType),
        assistant: n.assistant,
      })),
    },
  };
  assert.equal(got.phoneNumbers.nodes.length, 10, "ten numbers through the gateway");
  assert.deepEqual(got, expected, "NumbersWithCost: gateway answer differs from Switchboard's");
  return {
    numbers: got.phoneNumbers.nodes.length,
    prices: [...new Set(got.phoneNumbers.nodes.map((n) => n.monthlyCost.cents))].sort(),
  };
}

async function checkInvoice(gateway, switchboard, lines) {
  // Billing first, then Switchboard's _entities for every PhoneNumber and Assistant it
  // references, then billing again for monthlyCost (it @requires numberType).
  const got = await gql(gateway, INVOICE);
  const numberIds = lines.map((l) => l.phoneNumberId);
  const assistantIds = lines.map((l) => l.assistantId).filter(Boolean);
  const direct = await gql(
    switchboard,
    `query ($numbers: [ID!]!, $assistants: [ID!]!) {
       numbers: nodes(ids: $numbers) {
         ... on PhoneNumber { id number provider status numberType assistant { name } } }
       assistants: nodes(ids: $assistants) { ... on Assistant { id name active } }
     }`,
    { numbers: numberIds, assistants: assistantIds },
  );
  const assistants = new Map(direct.assistants.map((a) => [a.id, a]));
  const expected = {
    invoice: {
      month: "2025-01",
      total: { cents: lines.length * 100, currency: "USD" },
      lines: lines.map((line, i) => {
        const { numberType, ...n } = direct.numbers[i];
        return {
          amount: { cents: 100 },
          phoneNumber: {
            id: n.id,
            number: n.number,
            provider: n.provider,
            status: n.status,
            monthlyCost: { cents: priceOf(numberType).cents },
            assistant: n.assistant,
          },
          billedTo: line.assistantId ? assistants.get(line.assistantId) : null,
        };
      }),
    },
  };
  assert.ok(
    direct.numbers.every((n) => n?.id),
    "every invoiced number exists in Switchboard",
  );
  assert.deepEqual(got, expected, "Invoice: gateway answer differs from Switchboard's");
  const providers = new Set(got.invoice.lines.map((l) => l.phoneNumber.provider));
  return {
    lines: got.invoice.lines.length,
    providers: [...providers].sort(),
    assistants: got.invoice.lines.filter((l) => l.billedTo).length,
  };
}

// -- main -----------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const switchboard = args.switchboard;
  const { _service } = await gql(switchboard, "{ _service { sdl } }");
  const lines = await invoiceLines(switchboard);
  const billingSdl = args["billing-sdl"]
    ? parse(readFileSync(args["billing-sdl"], "utf8"))
    : billingTypeDefs;
  const billing = await startBilling(lines, {
    port: Number(args["billing-port"]),
    schema: billingSdl,
  });
  log("billing subgraph at", billing.url);

  let composed;
  try {
    composed = compose([
      { name: "switchboard", url: switchboard, typeDefs: parse(_service.sdl) },
      { name: "billing", url: billing.url, typeDefs: billingSdl },
    ]);
  } finally {
    if (!composed) await billing.server.stop();
  }
  const { supergraphSdl, hints } = composed;
  for (const h of hints) log(`composition hint ${h.level} ${h.code}: ${h.message}`);
  if (args["supergraph-out"]) writeFileSync(args["supergraph-out"], supergraphSdl);

  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
  const { url: gateway } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: Number(args.port) },
  });
  log("gateway at", gateway);

  if (args.serve) {
    const stop = async () => {
      await server.stop();
      await billing.server.stop();
      process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }

  try {
    const summary = {
      federationLink: /@link\(url: "([^"]+)"/.exec(_service.sdl)?.[1] ?? null,
      hints,
      supergraph: {
        entities: [...supergraphSdl.matchAll(/type (\w+)[^{]*@join__type\(graph: SWITCHBOARD, key: "id"\)/g)].map(
          (m) => m[1],
        ),
        listSize: supergraphSdl.includes("@listSize("),
        cost: supergraphSdl.includes("@cost("),
      },
      numbersWithCost: await checkNumbersWithCost(gateway, switchboard),
      invoice: await checkInvoice(gateway, switchboard, lines),
    };
    summary.seconds = (Date.now() - started) / 1000;
    process.stdout.write(JSON.stringify(summary) + "\n");
  } finally {
    await server.stop();
    await billing.server.stop();
  }
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exit(1);
});
