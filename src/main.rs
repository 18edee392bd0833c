//! The `liveplan` binary: parse the command line, start logging, run the command.

use clap::Parser;

fn main() {
    liveplan::logging::init();
    let cli = liveplan::cli::Cli::parse();
    if let Err(message) = liveplan::cli::run(cli) {
        eprintln!("liveplan: {message}");
        std::process::exit(2);
    }
}
