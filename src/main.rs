//! The `liveplan` binary: parse the command line, start logging, run the command.

use clap::Parser;

fn main() {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_server=warn"),
    )
    .init();
    let cli = liveplan::cli::Cli::parse();
    if let Err(message) = liveplan::cli::run(cli) {
        eprintln!("liveplan: {message}");
        std::process::exit(2);
    }
}
