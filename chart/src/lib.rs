//! The charts, drawn by one piece of code for the site (in the browser, as WASM) and for the
//! API's embeddable `chart.svg`, so the two can never disagree. In the data's order:
//!
//! - [`data`]: one region's series with its daily values, and the date format;
//! - [`state`]: what a reader chose ([`state::ViewState`]), as the site's URL query carries it;
//! - [`metric`], [`series`]: each metric's values for the view, with their gaps;
//! - [`frame`]: the shown regions on one date axis, and each chart panel's lines;
//! - [`format`]: numbers and dates as the charts and the page say them;
//! - [`draw`]: the SVG drawn on plotters' backend, and its pixel-to-day mapping;
//! - [`embed`]: an embeddable chart's query (`metric`, `view`, `percap`, `days`, …) and the
//!   standalone SVG drawn for it: a title, the newest day and the source around [`draw`]'s chart;
//! - [`map`]: the states and territories coloured by their newest 7-day average per 100,000;
//! - [`markup`]: text escaped for HTML and SVG, for the site and the images alike.
//!
//! Pure: no I/O, no DOM, no AWS; every module is tested on native.

pub mod county_map;
pub mod data;
pub mod draw;
pub mod embed;
pub mod format;
pub mod frame;
pub mod map;
pub mod markup;
pub mod metric;
pub mod series;
pub mod state;

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
