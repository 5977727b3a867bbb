//! Domain semantics as pure functions over the model: NSG flow evaluation, route selection,
//! subnet address arithmetic.

pub mod address;
pub mod intervals;
pub mod nsg;
pub mod ports;
pub mod route;
pub mod tags;
