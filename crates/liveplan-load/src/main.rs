//! The `liveplan-load` binary: parse the command line, run the command.

use clap::Parser;

fn main() {
    let cli = liveplan_load::cli::Cli::parse();
    if let Err(message) = liveplan_load::cli::run(cli) {
        eprintln!("liveplan-load: {message}");
        std::process::exit(2);
    }
}
