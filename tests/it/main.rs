//! End-to-end tests: the real `intake` binary against a temp data dir and watched folder.

mod support;

mod cli;
mod crash;
mod folder;
mod ocr;
