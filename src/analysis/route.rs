//! Route selection (REQUIREMENTS.md §4): longest prefix, service-tag routes, forced tunnelling.
