//! End-to-end tests: the real `intake` binary against a temp data dir and watched folder, and
//! a real Dovecot for IMAP.

mod dovecot;
mod support;

mod browser;
mod cases;
mod cli;
mod crash;
mod einvoice;
mod folder;
mod hostile;
mod imap;
mod inbox;
mod ocr;
mod ocr_pages;
mod web;
