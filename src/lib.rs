//! intake: the central inbox of an insurer. Inbound mail comes in through channels
//! ([`sources`]), is stored and recorded ([`store`]), read ([`extract`], scans with [`ocr`]), indexed ([`index`]) and
//! routed; [`pipeline`] moves items between those stages, [`app`] wires them, [`cli`] is the
//! command line. See ARCHITECTURE.md for the flow.

pub mod app;
pub mod cases;
pub mod classify;
pub mod cli;
pub mod config;
pub mod customers;
pub mod eval;
pub mod export;
pub mod extract;
pub mod identify;
pub mod impulses;
pub mod inbox;
pub mod index;
pub mod model;
pub mod ocr;
pub mod pipeline;
pub mod samples;
pub mod sources;
pub mod store;
pub mod understand;
pub mod users;
pub mod web;
