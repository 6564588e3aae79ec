import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const url = process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8000/graphql";
const key = process.env.SWITCHBOARD_KEY; // a gateway key; none in demo mode
const headers = key ? { "X-API-Key": key } : {};
const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers }),
  cache: new InMemoryCache(),
});

const { data } = await client.query({
  query: gql`
    query ClientsPageQuery($first: Int!, $after: String) {
      phoneNumbers(first: $first, after: $after) {
        nodes { id number provider }
        pageInfo { hasNextPage endCursor }
      }
    }
  `,
  variables: { first: 3 },
});
console.log(JSON.stringify(data));
