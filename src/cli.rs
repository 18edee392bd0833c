//! The `liveplan` command line: `serve`, `token`. One enum of commands, one dispatch
//! `match`. (The clients, `load` and `watch`, are the `liveplan-load` binary of
//! `crates/liveplan-load`.)

use clap::{Args, Parser, Subcommand};

use crate::auth::{self, TokenIssuer};
use crate::config::{self, AuthArgs, AuthSettings, DatabaseUrl, KeySource, ServeArgs, Settings};
use crate::startup::{self, Application};
use crate::startup_error::StartupError;

#[derive(Debug, Parser)]
#[command(
    name = "liveplan",
    version,
    about = "Real-time collaboration server for task plans and Kanban boards"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start: the size of the `serve` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Mint a token with the configured HS256 secret or the dev-mode secret.
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The user id (`sub`): 1–128 of `A–Z a–z 0–9 - _ . : @`.
    #[arg(long)]
    pub user: String,
    /// The display name (`name`).
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: Option<String>,
    /// Lifetime, e.g. `30m`, `1h`, `7d`.
    #[arg(long, default_value = "1h")]
    pub ttl: String,
    /// The database holding the dev-mode secret.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = config::DEFAULT_DATABASE_URL,
        value_parser = DatabaseUrl::parse_arg
    )]
    pub database_url: DatabaseUrl,
    #[command(flatten)]
    pub auth: AuthArgs,
}

pub fn run(cli: Cli) -> Result<(), StartupError> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Token(args) => token(args),
    }
}

fn serve(args: ServeArgs) -> Result<(), StartupError> {
    let settings = Settings::from_args(&args)?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        app.run_until_signalled()
            .await
            .map_err(StartupError::Server)
    })
}

#[allow(clippy::print_stdout)]
fn token(args: TokenArgs) -> Result<(), StartupError> {
    let settings = AuthSettings::from_args(&args.auth)?;
    if !crate::validate::is_id(&args.user) {
        // The server would refuse the token (its `sub` must be an id).
        return Err(StartupError::Usage {
            flag: "--user",
            problem: "1 to 128 of letters, digits and - _ . : @",
        });
    }
    let ttl = config::parse_duration(&args.ttl).ok_or(StartupError::Usage {
        flag: "--ttl",
        problem: "expected e.g. 30m, 1h, 7d",
    })?;
    let secret = match &settings.keys {
        KeySource::PublicKey { .. } => return Err(StartupError::CannotSign),
        KeySource::Secret(secret) => secret.clone(),
        KeySource::Dev => {
            let url = args.database_url;
            actix_web::rt::System::new().block_on(async move {
                let db = startup::connect_database(&url, 1).await?;
                auth::dev_secret(&db).await.map_err(StartupError::DevSecret)
            })?
        }
    };
    let issuer = TokenIssuer::new(&secret, settings.issuer, settings.audience);
    let token = issuer
        .mint(
            &args.user,
            &args.name,
            args.email.as_deref(),
            i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
        )
        .map_err(StartupError::Signing)?;
    println!("{token}");
    Ok(())
}
