// One real GraphQL client, with its default settings, through the scenario of test_clients.py.
//
//   node clients.mjs CLIENT URL --header="Name: value"... --plan=JSON [--artifacts=DIR]
//
// CLIENT: apollo | apollo-apq | urql | graphql-request | relay. The plan names the phone
// number and assistant the mutations use, and a reference cursor and node id for when page1
// fails ({"number", "assistant", "after", "nodeId"}); relay needs the
// directory of relay-compiler's artifacts for operations.graphql. Steps: page1, page2 (after
// page1's endCursor), node (page1's first id), link, unlink, badCursor. Prints one JSON line:
// {"client", "steps": {step: {"data"?, "errors"?, "thrown"?}}, "exchanges": [...]}, where an
// exchange is one HTTP request the client sent (the key masked) and the response it got.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse, print } from "graphql";

const EXCERPT = 800;
const PAGE_SIZE = 3;

function parseArgs(argv) {
  const [client, url, ...rest] = argv;
  const options = { client, url, headers: {}, plan: null, artifacts: null };
  for (const arg of rest) {
    const [flag, ...parts] = arg.split("=");
    const value = parts.join("=");
    if (flag === "--header") {
      const [name, ...header] = value.split(":");
      options.headers[name.trim()] = header.join(":").trim();
    } else if (flag === "--plan") {
      options.plan = JSON.parse(value);
    } else if (flag === "--artifacts") {
      options.artifacts = value;
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!client || !url || !options.plan) {
    throw new Error("usage: node clients.mjs CLIENT URL --header=... --plan=JSON");
  }
  return options;
}

/** The operations of operations.graphql by name, as source text. */
function operations() {
  const document = parse(readFileSync(new URL("./operations.graphql", import.meta.url), "utf8"));
  return Object.fromEntries(
    document.definitions.map((definition) => [definition.name.value, print(definition)]),
  );
}

/** Wrap the global fetch (which every client here uses by default) to record each exchange. */
function recordExchanges(secretHeaders, state) {
  const secret = new Set(Object.keys(secretHeaders).map((name) => name.toLowerCase()));
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init = {}) => {
    const request = new Request(input, init);
    const body = init.body ?? (request.method === "GET" ? null : await request.clone().text());
    const response = await realFetch(request);
    const text = await response.clone().text();
    state.exchanges.push({
      step: state.step,
      request: {
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(
          [...request.headers].map(([name, value]) => [
            name,
            secret.has(name) ? "<the key>" : value,
          ]),
        ),
        body: typeof body === "string" ? body.slice(0, EXCERPT) : body,
      },
      response: {
        status: response.status,
        contentType: response.headers.get("content-type"),
        body: text.slice(0, EXCERPT),
      },
    });
    return response;
  };
}

function graphqlErrors(errors) {
  return (errors ?? []).map((e) => ({
    message: e.message,
    code: e.extensions?.code ?? null,
    path: e.path ?? null,
  }));
}

/** A client's outcome as {data, errors} or, for what it threw without GraphQL errors, thrown. */
function outcome({ data, errors, thrown }) {
  const result = {};
  if (data !== undefined) result.data = data;
  if (errors && errors.length) result.errors = graphqlErrors(errors);
  if (thrown !== undefined) result.thrown = thrown;
  return result;
}

function describeThrown(error) {
  return `${error?.name ?? "Error"}: ${error?.message ?? String(error)}`;
}

// --- the clients: each returns {query(name, variables), mutate(name, variables)} -----------

async function apollo({ url, headers, persisted }) {
  const { ApolloClient, InMemoryCache, HttpLink, CombinedGraphQLErrors, gql } = await import(
    "@apollo/client"
  );
  const http = new HttpLink({ uri: url, headers });
  let link = http;
  if (persisted) {
    const { PersistedQueryLink } = await import("@apollo/client/link/persisted-queries");
    const sha256 = (text) => createHash("sha256").update(text).digest("hex");
    link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(http);
  }
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const documents = new Map();
  const doc = (text) => documents.get(text) ?? documents.set(text, gql(text)).get(text);
  const settle = async (promise) => {
    try {
      const { data, error } = await promise;
      return outcome({ data, errors: error?.errors, thrown: error && describeThrown(error) });
    } catch (error) {
      if (CombinedGraphQLErrors.is(error)) {
        return outcome({ data: error.data, errors: error.errors });
      }
      return outcome({ thrown: describeThrown(error) });
    }
  };
  return {
    query: (text, variables) => settle(client.query({ query: doc(text), variables })),
    mutate: (text, variables) => settle(client.mutate({ mutation: doc(text), variables })),
  };
}

async function urql({ url, headers }) {
  const { Client, cacheExchange, fetchExchange, gql } = await import("@urql/core");
  const client = new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: { headers },
  });
  const settle = async (promise) => {
    const { data, error } = await promise;
    if (!error) return outcome({ data });
    const errors = error.graphQLErrors;
    return outcome({
      data: data ?? null,
      errors,
      thrown: errors.length ? undefined : describeThrown(error.networkError ?? error),
    });
  };
  return {
    query: (text, variables) => settle(client.query(gql(text), variables).toPromise()),
    mutate: (text, variables) => settle(client.mutation(gql(text), variables).toPromise()),
  };
}

async function graphqlRequest({ url, headers }) {
  const { GraphQLClient, ClientError } = await import("graphql-request");
  const client = new GraphQLClient(url, { headers });
  const settle = async (promise) => {
    try {
      return outcome({ data: await promise });
    } catch (error) {
      if (error instanceof ClientError && error.response.errors) {
        return outcome({ data: error.response.data ?? null, errors: error.response.errors });
      }
      return outcome({ thrown: describeThrown(error) });
    }
  };
  const run = (text, variables) => settle(client.request(text, variables));
  return { query: run, mutate: run };
}

async function relay({ url, headers, artifacts }) {
  const { Environment, Network, RecordSource, Store, fetchQuery, commitMutation } = await import(
    "relay-runtime"
  );
  // The network layer of Relay's docs: POST the operation's text and variables as JSON.
  const network = Network.create(async (params, variables) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ query: params.text, variables }),
    });
    return response.json();
  });
  const environment = new Environment({ network, store: new Store(new RecordSource()) });
  const artifact = async (text) => {
    const name = parse(text).definitions[0].name.value;
    const file = pathToFileURL(path.join(artifacts, `${name}.graphql.js`));
    return (await import(file.href)).default;
  };
  const failed = (error) =>
    error?.source?.errors
      ? outcome({ data: null, errors: error.source.errors })
      : outcome({ thrown: describeThrown(error) });
  return {
    async query(text, variables) {
      const operation = await artifact(text);
      try {
        const data = await fetchQuery(environment, operation, variables).toPromise();
        if (variables.id) {
          // A node refetch lands in the store under the object's id.
          const record = environment.getStore().getSource().get(variables.id);
          return outcome({ data: { ...data, stored: record ? { number: record.number } : null } });
        }
        return outcome({ data });
      } catch (error) {
        return failed(error);
      }
    },
    async mutate(text, variables) {
      const mutation = await artifact(text);
      return new Promise((resolve) => {
        commitMutation(environment, {
          mutation,
          variables,
          onCompleted: (data, errors) => resolve(outcome({ data, errors })),
          onError: (error) => resolve(failed(error)),
        });
      });
    },
  };
}

const CLIENTS = {
  apollo: (o) => apollo({ ...o, persisted: false }),
  "apollo-apq": (o) => apollo({ ...o, persisted: true }),
  urql,
  "graphql-request": graphqlRequest,
  relay,
};

// --- the scenario ------------------------------------------------------------------------

async function scenario(client, ops, plan, state) {
  const steps = {};
  const step = async (name, run) => {
    state.step = name;
    try {
      steps[name] = await run();
    } catch (error) {
      steps[name] = { thrown: `the harness: ${describeThrown(error)}` };
    }
    return steps[name];
  };
  // page2 pages on from page1's endCursor and node refetches page1's first number; when page1
  // failed they use the reference cursor and id of the plan, so each step stands on its own.
  const page1 = await step("page1", () => client.query(ops.ClientsPageQuery, { first: PAGE_SIZE }));
  const connection = page1.data?.phoneNumbers;
  const after = connection?.pageInfo?.endCursor ?? plan.after;
  const id = connection?.nodes?.[0]?.id ?? plan.nodeId;
  await step("page2", () => client.query(ops.ClientsPageQuery, { first: PAGE_SIZE, after }));
  await step("node", () => client.query(ops.ClientsNodeQuery, { id }));
  const link = { number: plan.number, assistant: plan.assistant };
  await step("link", () => client.mutate(ops.ClientsLinkMutation, link));
  await step("unlink", () => client.mutate(ops.ClientsUnlinkMutation, { number: plan.number }));
  await step("badCursor", () => client.query(ops.ClientsBadCursorQuery, {}));
  return steps;
}

const options = parseArgs(process.argv.slice(2));
const make = CLIENTS[options.client];
if (!make) throw new Error(`unknown client ${options.client}`);
const state = { step: null, exchanges: [] };
recordExchanges(options.headers, state);
const client = await make(options);
const steps = await scenario(client, operations(), options.plan, state);
const summary = { client: options.client, steps, exchanges: state.exchanges };
process.stdout.write(`${JSON.stringify(summary)}\n`);
