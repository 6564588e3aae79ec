"""Request-level defences: query limits, persisted queries, HTTP hygiene, tenants."""
