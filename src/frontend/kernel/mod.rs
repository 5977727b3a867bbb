//! The evaluation kernel: machinery the ARM, Bicep and Terraform evaluators share, so that a
//! hostile or unusual program is bounded the same way whichever language it is written in.

pub mod access;
pub mod budget;
pub mod distinct;
pub mod lambda;
pub mod memo;
pub mod text;
pub mod yaml;
