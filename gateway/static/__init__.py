"""Browser assets the gateway serves itself (GraphiQL), so nothing loads from a CDN."""
