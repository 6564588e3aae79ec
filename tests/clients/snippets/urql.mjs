import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";

const url = process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8000/graphql";
const key = process.env.SWITCHBOARD_KEY; // a gateway key; none in demo mode
const headers = key ? { "X-API-Key": key } : {};
const client = new Client({
  url,
  exchanges: [cacheExchange, fetchExchange],
  // urql sends queries as GET: a GET needs the key or this header (CSRF, see Security).
  fetchOptions: { headers: { "Apollo-Require-Preflight": "true", ...headers } },
});

const { data, error } = await client
  .query(
    gql`
      query ClientsPageQuery($first: Int!, $after: String) {
        phoneNumbers(first: $first, after: $after) {
          nodes { id number provider }
          pageInfo { hasNextPage endCursor }
        }
      }
    `,
    { first: 3 },
  )
  .toPromise();
if (error) throw error;
console.log(JSON.stringify(data));
