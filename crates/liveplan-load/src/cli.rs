//! The `liveplan-load` command line: `load`, `watch`. One enum of commands, one dispatch
//! `match`.

use clap::{Parser, Subcommand};

use crate::load::{self, LoadArgs};
use crate::watch::{self, WatchArgs};

#[derive(Debug, Parser)]
#[command(
    name = "liveplan-load",
    version,
    about = "Clients of a liveplan server: the load tool and a terminal watcher"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Drive load at a running server (N clients; REST events or typing at a rate) and
    /// report delivery latency, loss and order as one JSON line.
    Load(LoadArgs),
    /// Join a plan over WebSocket and print every frame, resuming after disconnects.
    Watch(WatchArgs),
}

pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Load(args) => load::run(args),
        Command::Watch(args) => watch::run(args),
    }
}
