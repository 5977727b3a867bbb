//! Domain semantics as pure functions over the model: NSG flow evaluation, route selection,
//! subnet address arithmetic.
