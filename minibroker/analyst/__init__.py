"""Analysts' SQL: read-only connections with an authorizer, saved selections (sql/filters/), the shell."""
