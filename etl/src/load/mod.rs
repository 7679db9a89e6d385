//! The load stage: the validated series written to DynamoDB through `covid-store`, in the order
//! of [`run`]: the states ([`states`]: each a [`series`] load, or a first [`bulk`] load under a
//! lease), the regions' [`listing`], then the nation's series, whose meta write announces every
//! change.

pub mod bulk;
pub mod counties;
pub mod county_listing;
pub mod listing;
pub mod run;
pub mod series;
pub mod states;

pub use series::*;
