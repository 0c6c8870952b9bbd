//! `clerk-token`: signs in and prints session tokens through the core engine.
//!
//! With no Frontend API given it starts an emulator in-process (real clock) and signs in a
//! demo user, so it works offline. Against a real instance it takes the publishable key and
//! the device token (from a signed-in app) from the environment.

mod attempts;

use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attempts::Attempts;

use clap::{Parser, Subcommand};
use clerk_core::backend::{BackendClient, BackendConfig};
use clerk_core::{
    Clerk, ClerkConfig, Error, GetTokenOptions, MemoryTokenStore, ReqwestTransport, Session, TokenResource, TokenSource,
    TokenStore as _,
};
use clerk_emulator::{ClockMode, Emulator, EmulatorConfig};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Frontend API URL (https://, or http:// on loopback). Default: an in-process emulator.
    #[arg(long, env = "CLERK_FRONTEND_API_URL", global = true)]
    frontend_api: Option<String>,
    /// Publishable key (pk_test_…/pk_live_…), instead of --frontend-api.
    #[arg(long, env = "CLERK_PUBLISHABLE_KEY", global = true, hide_env_values = true)]
    publishable_key: Option<String>,
    /// A file holding the device token of a signed-in client, as an app would have stored it
    /// (`-`: standard input). Or CLERK_DEVICE_TOKEN. Secrets are never flags: those show in
    /// `ps` and in shell history.
    #[arg(long, global = true, value_name = "FILE")]
    device_token_file: Option<String>,
    /// A file holding a sign-in token (ticket) to sign in with first (`-`: standard input).
    /// Or CLERK_SIGN_IN_TICKET.
    #[arg(long, global = true, value_name = "FILE")]
    ticket_file: Option<String>,
    /// With the in-process emulator: the user to sign in.
    #[arg(long, default_value = "user_demo", global = true)]
    user: String,
    /// Seconds each HTTP attempt may take (0.1-600); failed attempts are retried.
    #[arg(long, default_value_t = 15.0, global = true, allow_hyphen_values = true, value_parser = seconds_between(0.1, 600.0))]
    timeout: f64,
    /// Seconds a token call may wait on the network, every attempt and retry wait included
    /// (0.1-600; the engine's default is 10).
    #[arg(long, default_value_t = 10.0, global = true, allow_hyphen_values = true, value_parser = seconds_between(0.1, 600.0))]
    deadline: f64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a session token (or a JWT template token) on stdout.
    Token {
        /// JWT template name.
        #[arg(long)]
        template: Option<String>,
        /// Organization to mint the token for.
        #[arg(long)]
        organization: Option<String>,
        /// Fetch a new token even if the cached one is fresh.
        #[arg(long)]
        skip_cache: bool,
        /// Refresh when the cached token expires within this many seconds (0-60).
        #[arg(long, default_value_t = 10.0, allow_hyphen_values = true, value_parser = seconds_between(0.0, 60.0))]
        buffer: f64,
        /// Keep calling for this many seconds (at most a day), reporting cache hits and
        /// refreshes (no JWTs).
        #[arg(long, allow_hyphen_values = true, value_parser = clap::value_parser!(u64).range(1..=MAX_WATCH_SECS))]
        watch: Option<u64>,
        /// Seconds between calls with --watch (0.05-3600).
        #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = seconds_between(0.05, 3600.0))]
        every: f64,
    },
    /// A short tour: session token, cache hit, template token, forced refresh.
    Demo,
    /// Mint a token with the Backend API (secret key) for the signed-in session, or --session.
    /// The secret key comes from CLERK_SECRET_KEY or --secret-key-file; with the in-process
    /// emulator, the emulator's own key is used and no other is ever sent to it.
    BackendToken {
        /// A file holding the secret key (sk_…; `-`: standard input). Or CLERK_SECRET_KEY.
        #[arg(long, value_name = "FILE")]
        secret_key_file: Option<String>,
        /// Backend API URL; default Clerk's, or the in-process emulator.
        #[arg(long, env = "CLERK_API_URL")]
        api_url: Option<String>,
        /// Session ID; default the signed-in session.
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        template: Option<String>,
        /// Token lifetime in seconds (30-315360000, the Backend API's bounds).
        #[arg(long, allow_hyphen_values = true, value_parser = clap::value_parser!(u32).range(30..=315_360_000))]
        expires_in: Option<u32>,
    },
}

const MAX_WATCH_SECS: u64 = 24 * 60 * 60;

/// A parser for a number of seconds in `min..=max`: NaN, infinities and anything out of range
/// are usage errors, never a panic in `Duration::from_secs_f64`.
fn seconds_between(min: f64, max: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |text| match text.trim().parse::<f64>() {
        Ok(seconds) if (min..=max).contains(&seconds) => Ok(seconds),
        _ => Err(format!("expected a number of seconds from {min} to {max}")),
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(message) = run(cli).await {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let attempts = Attempts::default();
    let (clerk, session, emulator) = connect(&cli, &attempts).await?;
    match cli.command {
        Command::BackendToken { secret_key_file, api_url, session: session_id, template, expires_in } => {
            // The in-process emulator gets its own key: a real one must never go anywhere else.
            let secret = match &emulator {
                Some(emulator) => emulator.secret_key().to_string(),
                None => secret("CLERK_SECRET_KEY", secret_key_file.as_deref())?
                    .ok_or("a secret key is needed: CLERK_SECRET_KEY or --secret-key-file")?,
            };
            let mut config = BackendConfig::new(secret).map_err(|e| e.to_string())?;
            if let Some(url) = api_url.or_else(|| emulator.as_ref().map(|e| e.url().to_string())) {
                config = config.with_api_url(&url).map_err(|e| e.to_string())?;
            }
            let client = BackendClient::new(config).map_err(|e| e.to_string())?;
            let session_id = session_id.unwrap_or_else(|| session.id().to_string());
            let token = client
                .sessions()
                .get_token(&session_id, template.as_deref(), expires_in)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", token.jwt);
            Ok(())
        }
        Command::Demo => demo(&session).await,
        Command::Token { template, organization, skip_cache, buffer, watch, every } => {
            let options = GetTokenOptions {
                template,
                organization_id: organization,
                skip_cache,
                expiration_buffer: Duration::from_secs_f64(buffer),
                deadline: None,
            };
            match watch {
                None => {
                    let token = fetch(&session, options, &attempts).await?;
                    println!("{}", token.jwt);
                    Ok(())
                }
                Some(seconds) => watch_tokens(&clerk, &session, options, seconds, every).await,
            }
        }
    }
}

/// The engine, a signed-in session, and the emulator if one was started.
async fn connect(cli: &Cli, attempts: &Attempts) -> Result<(Clerk, Session, Option<Emulator>), String> {
    let store = Arc::new(MemoryTokenStore::new());
    store.save(secret("CLERK_DEVICE_TOKEN", cli.device_token_file.as_deref())?);
    let (config, emulator) = match (&cli.frontend_api, &cli.publishable_key) {
        (Some(url), _) => (ClerkConfig::from_frontend_api_url(url), None),
        (None, Some(key)) => (ClerkConfig::from_publishable_key(key), None),
        (None, None) => {
            let config = EmulatorConfig { clock: ClockMode::Real, ..EmulatorConfig::default() };
            let emulator = Emulator::start(config).await.map_err(|e| format!("cannot start the emulator: {e}"))?;
            eprintln!("emulator: {}", emulator.url());
            (ClerkConfig::from_frontend_api_url(emulator.url()), Some(emulator))
        }
    };
    let timeout = Duration::from_secs_f64(cli.timeout);
    let config = config
        .map_err(|e| e.to_string())?
        .with_request_timeout(timeout)
        .with_call_deadline(Duration::from_secs_f64(cli.deadline));
    let reqwest = ReqwestTransport::for_origin(&config.frontend_api, config.connect_timeout.min(timeout));
    let transport = attempts.transport(reqwest.map_err(|e| e.to_string())?);
    let config = config.with_transport(transport).with_token_store(store).with_sdk("clerk-token", env!("CARGO_PKG_VERSION"));
    let clerk = Clerk::new(config).map_err(|e| e.to_string())?;

    let ticket = match (secret("CLERK_SIGN_IN_TICKET", cli.ticket_file.as_deref())?, &emulator) {
        (Some(ticket), _) => Some(ticket),
        (None, Some(emulator)) => Some(emulator.create_sign_in_token(&cli.user).token),
        (None, None) => None,
    };
    attempts.take();
    let session = match ticket {
        Some(ticket) => clerk
            .sign_in_with_ticket(&ticket)
            .await
            .map_err(|e| format!("sign-in failed: {}", explain(&e, attempts)))?,
        None => clerk
            .load()
            .await
            .map_err(|e| format!("loading the client failed: {}", explain(&e, attempts)))?
            .ok_or("not signed in: give --ticket, or a CLERK_DEVICE_TOKEN of a signed-in client")?,
    };
    eprintln!("signed in: session {} (user {})", session.id(), session.user_id().unwrap_or("?"));
    Ok((clerk, session, emulator))
}

/// A secret from `file` (`-`: standard input) or else the environment variable `variable`,
/// trimmed; empty counts as none. Errors name the file, never its content.
fn secret(variable: &str, file: Option<&str>) -> Result<Option<String>, String> {
    let text = match file {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .take(64 * 1024)
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read {variable} from standard input: {e}"))?;
            text
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?,
        None => std::env::var(variable).unwrap_or_default(),
    };
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

async fn fetch(session: &Session, options: GetTokenOptions, attempts: &Attempts) -> Result<TokenResource, String> {
    attempts.take();
    session
        .get_token(options)
        .await
        .map_err(|e| explain(&e, attempts))?
        .ok_or_else(|| "the session has ended".to_string())
}

/// The error, and for a network failure or timeout what was tried before giving up.
fn explain(error: &Error, attempts: &Attempts) -> String {
    let tried = attempts.take();
    match error {
        Error::Timeout | Error::Network { .. } | Error::Offline { .. } if !tried.is_empty() => {
            format!("{error}: {}, then gave up", Attempts::describe(&tried))
        }
        _ => error.to_string(),
    }
}

/// The token and what happened: served from the cache, fetched, or served from the cache
/// because the refresh failed.
async fn timed(session: &Session, options: GetTokenOptions) -> Result<(TokenResource, String, Duration), String> {
    let started = Instant::now();
    let (token, source) = session
        .get_token_with_source(options)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the session has ended".to_string())?;
    let label = match source {
        TokenSource::Cache => "cache hit".to_string(),
        TokenSource::Network => "network".to_string(),
        TokenSource::CacheAfterFailedRefresh(error) => format!("cached (refresh failed: {error})"),
    };
    Ok((token, label, started.elapsed()))
}

fn describe(token: &TokenResource) -> String {
    let left = token.expires_at - unix_now();
    format!("issued at {}, expires in {left} s, {} bytes", token.issued_at, token.jwt.len())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

async fn demo(session: &Session) -> Result<(), String> {
    let steps: [(&str, GetTokenOptions); 4] = [
        ("session token", GetTokenOptions::default()),
        ("session token again", GetTokenOptions::default()),
        ("template \"test\"", GetTokenOptions::template("test")),
        ("skip_cache refresh", GetTokenOptions { skip_cache: true, ..Default::default() }),
    ];
    for (label, options) in steps {
        let (token, source, elapsed) = timed(session, options).await?;
        println!("{label:<22} {source:<9} {:>8.1?}  {}", elapsed, describe(&token));
    }
    Ok(())
}

async fn watch_tokens(clerk: &Clerk, session: &Session, options: GetTokenOptions, seconds: u64, every: f64) -> Result<(), String> {
    let started = Instant::now();
    let mut last_jwt = String::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let (token, source, elapsed) = timed(session, options.clone()).await?;
        let change = if token.jwt != last_jwt && !last_jwt.is_empty() { " (new token)" } else { "" };
        println!(
            "t+{:>5.1}s  {source:<9} {:>8.1?}  {}{change}  [clock offset {} ms]",
            started.elapsed().as_secs_f64(),
            elapsed,
            describe(&token),
            clerk.server_clock_offset_ms()
        );
        last_jwt = token.jwt;
        tokio::time::sleep(Duration::from_secs_f64(every)).await;
    }
    Ok(())
}
