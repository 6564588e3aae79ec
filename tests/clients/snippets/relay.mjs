import { Environment, Network, RecordSource, Store, fetchQuery } from "relay-runtime";
// relay-compiler's artifact of the ClientsPageQuery operation (tests/clients/operations.graphql).
import ClientsPageQuery from "./__generated__/ClientsPageQuery.graphql.js";

const url = process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8000/graphql";
const key = process.env.SWITCHBOARD_KEY; // a gateway key; none in demo mode
const headers = key ? { "X-API-Key": key } : {};
const network = Network.create(async (params, variables) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ query: params.text, variables }),
  });
  return response.json();
});
const environment = new Environment({ network, store: new Store(new RecordSource()) });

const data = await fetchQuery(environment, ClientsPageQuery, { first: 3 }).toPromise();
console.log(JSON.stringify(data));
