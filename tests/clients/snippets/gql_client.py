import json
import os

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXTransport

url = os.environ.get("SWITCHBOARD_URL", "http://127.0.0.1:8000/graphql")
key = os.environ.get("SWITCHBOARD_KEY")  # a gateway key; none in demo mode
headers = {"X-API-Key": key} if key else {}
transport = HTTPXTransport(url=url, headers=headers)

page = GraphQLRequest(
    """
    query ClientsPageQuery($first: Int!, $after: String) {
      phoneNumbers(first: $first, after: $after) {
        nodes { id number provider }
        pageInfo { hasNextPage endCursor }
      }
    }
    """,
    variable_values={"first": 3},
)
with Client(transport=transport) as session:
    data = session.execute(page)
print(json.dumps(data))
