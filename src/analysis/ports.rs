//! Port tokens and ranges (`*`, `N`, `A-B`).
