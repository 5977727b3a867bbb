//! NSG flow evaluation (REQUIREMENTS.md §3): priorities, first match, default rules, set semantics.
