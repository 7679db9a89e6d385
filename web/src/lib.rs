//! The public chart site, a Leptos client-side app. The data's way through it, in order:
//!
//! - [`api`]: the requests to the API (`/v1/series`, `/v1/regions`, `POST /v1/subscriptions`)
//!   and its links; [`decode`]: their JSON read into the model's wire types;
//! - [`state`]: what the reader chose ([`state::ViewState`]), kept in the URL query;
//! - [`metric`], [`series`]: each metric's values for the view, with their gaps;
//! - [`format`]: numbers and dates as the page says them; [`html`]: lists and other markup
//!   written as escaped text;
//! - [`text`]: the heading, the title and the footer's freshness line, from the data;
//! - [`frame`]: the shown regions on one date axis; [`draw`]: the SVG drawn on plotters' backend,
//!   and its pixel-to-day mapping; [`keyboard`]: keyboard reading;
//! - [`search`]: finding a place by the words of its name;
//! - [`ids`]: every element id, once; the page's skeleton is `index.html`, which [`app`] fills:
//!   the components of `view`, sharing state by context; `view/subscribe.rs` is the
//!   email-alert form.
//!
//! - [`data`]: one region's series with its daily values, and the date format, for the pure
//!   modules.
//!
//! Everything but `api`, `app` and `view` is free of the DOM and of I/O, and tested on native.

pub mod api;
mod app;
pub mod decode;
pub mod html;
pub mod ids;
pub mod keyboard;
pub mod search;
pub mod text;
mod view;

// The chart model and drawing, shared with the API's embeddable charts (`chart/`).
#[cfg(test)]
use covid_chart::fixtures;
pub use covid_chart::{data, draw, format, frame, metric, series, state};

pub use app::{Start, mount, mount_alerts, start};
