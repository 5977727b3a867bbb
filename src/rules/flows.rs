//! The required NSG flows (`rules/flows.yaml`) and the shared check the flow rules run.
