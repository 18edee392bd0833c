//! The `liveplan` binary: parse the command line, start logging, run the command.

use clap::Parser;

fn main() -> std::process::ExitCode {
    liveplan::logging::init();
    let cli = liveplan::cli::Cli::parse();
    match liveplan::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("liveplan: {}", error.report());
            std::process::ExitCode::from(2)
        }
    }
}
