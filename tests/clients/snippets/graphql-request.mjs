import { GraphQLClient, gql } from "graphql-request";

const url = process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8000/graphql";
const key = process.env.SWITCHBOARD_KEY; // a gateway key; none in demo mode
const headers = key ? { "X-API-Key": key } : {};
const client = new GraphQLClient(url, { headers });

const data = await client.request(
  gql`
    query ClientsPageQuery($first: Int!, $after: String) {
      phoneNumbers(first: $first, after: $after) {
        nodes { id number provider }
        pageInfo { hasNextPage endCursor }
      }
    }
  `,
  { first: 3 },
);
console.log(JSON.stringify(data));
