//! The ARM template function library (pure functions), shared with the Bicep front end.
//! Context functions (`parameters`, `variables`, `reference`, `copyIndex`, lambdas) are handled
//! by each evaluator; everything else is here.

use crate::model::V;
use crate::source::Span;

/// Call a pure ARM function by name (case-insensitive). `None` when the library does not know
/// the function; the caller reports it. Unknown arguments propagate to unknown results.
pub fn call(_name: &str, _args: &[V], _span: Option<Span>) -> Option<V> {
    None
}
