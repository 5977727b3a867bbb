//! Subnet address arithmetic: usable addresses, footprints, side-by-side headroom.
