"""GraphQL over HTTP: reading requests, choosing the response media type, encoding
results (the GraphQL-over-HTTP spec, with the legacy ``application/json`` rules).

The gateway owns this layer instead of a framework's view, so that every request is
authenticated, parsed and authorized in one place, exactly as it will execute, and every
refusal is a GraphQL JSON body with a stable ``extensions.code``.
"""
