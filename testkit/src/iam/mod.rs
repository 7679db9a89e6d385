//! IAM for the emulators: DynamoDB Local and moto check no permissions, so every request a
//! function's code makes in a test passes through a gate that judges it by that function's
//! policy in `template.yaml`, and refuses it as AWS would ([`gate`]). [`audit`] reports, over a
//! whole `make test`, any refusal and any allowed action that no scenario used.

mod ask;
pub mod audit;
mod gate;
mod policy;

pub(crate) use gate::judge;
pub use gate::{
    Judgement, OPERATOR_KEY, functions, judgements, sdk_config, sign_in, sign_in_command,
};
pub use policy::{Ask, Decision, Statement, evaluate, wildcard};
