// A tiny second subgraph ("billing") that extends Switchboard's PhoneNumber entity.
import { readFileSync } from "node:fs";

import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

export const typeDefs = parse(readFileSync(new URL("./billing.graphql", import.meta.url), "utf8"));

// Monthly price in cents by number type; numbers whose provider gives no type cost 100.
export const PRICES = { LOCAL: 115, MOBILE: 150, NATIONAL: 100, TOLL_FREE: 215 };
export const priceOf = (numberType) => ({
  cents: PRICES[numberType] ?? 100,
  currency: "USD",
});

// `lines` are what billing stores: [{ phoneNumberId, assistantId | null }], ids from Switchboard.
export function resolvers(lines) {
  return {
    Query: {
      invoice: (_, { month }) => ({ month }),
    },
    Invoice: {
      lines: () =>
        lines.map((line) => ({
          phoneNumber: { id: line.phoneNumberId },
          billedTo: line.assistantId ? { id: line.assistantId } : null,
        })),
      total: () => ({ cents: lines.length * 100, currency: "USD" }),
    },
    InvoiceLine: {
      // The flat fee of a line; the number's own monthlyCost needs its type from Switchboard.
      amount: () => ({ cents: 100, currency: "USD" }),
    },
    PhoneNumber: {
      // The router sends { __typename, id, numberType } (numberType fetched from Switchboard).
      __resolveReference: (reference) => reference,
      monthlyCost: (number) => priceOf(number.numberType),
    },
  };
}

export async function startBilling(
  lines,
  { host = "127.0.0.1", port = 0, schema: sdl = typeDefs } = {},
) {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: sdl, resolvers: resolvers(lines) }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { host, port } });
  return { server, url };
}
