//! The configuration table's machinery: [`settings_table!`] turns one row per setting
//! (field, variable, default, parser, meaning) into everything that used to state them
//! apart: the clap flags and their `--help`, the typed reading of every value (an error
//! names the variable), a `Debug` that hides secrets, and [`markdown_table`], README.md's
//! "Configuration" table. The rows themselves are in `config/args.rs`.

use super::args::{AuthArgs, ServeArgs};

/// One setting as README.md's table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable, e.g. `LIVEPLAN_BIND`.
    pub env: &'static str,
    /// The field; its flag is `--` and the field with `-` for `_` (clap's `long`). Empty
    /// for a variable without a flag.
    pub field: &'static str,
    pub unset: Unset,
    /// What the setting does, in one line: the `--help` text and the table's last column.
    pub meaning: &'static str,
}

/// What a setting is when it is not given (or given blank).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unset {
    /// This text, read exactly as if it had been given.
    Default(&'static str),
    /// No value; the text says what that means (e.g. `any`, `CPUs`).
    Absent(&'static str),
}

/// `RUST_LOG` is read by env_logger (`crate::logging`), not by a flag; it is in the table
/// so that the table lists every variable.
const RUST_LOG: Setting = Setting {
    env: "RUST_LOG",
    field: "",
    unset: Unset::Default(crate::logging::DEFAULT_FILTER),
    meaning: "log filter (env_logger); tokens are redacted from every line",
};

/// Every setting, in the order of the table: `serve`'s, the token settings, `RUST_LOG`.
pub fn all_settings() -> impl Iterator<Item = &'static Setting> {
    ServeArgs::SETTINGS
        .iter()
        .chain(AuthArgs::SETTINGS)
        .chain(std::iter::once(&RUST_LOG))
}

/// README.md's configuration table (between its `config-table` marker comments),
/// generated from the rows.
pub fn markdown_table() -> String {
    let mut out = String::from("| variable | flag | default | meaning |\n|---|---|---|---|\n");
    for setting in all_settings() {
        let flag = match setting.field {
            "" => String::new(),
            field => format!("`--{}`", field.replace('_', "-")),
        };
        let default = match setting.unset {
            Unset::Default(text) => format!("`{text}`"),
            Unset::Absent(text) => text.to_string(),
        };
        out.push_str(&format!(
            "| `{}` | {flag} | {default} | {} |\n",
            setting.env, setting.meaning
        ));
    }
    out
}

/// Defines a struct of raw `Option<String>` settings (what clap fills from flags and the
/// environment, and what tests set) from one row per setting:
///
/// ```text
/// field: Type {
///     env: "VARIABLE",
///     default: "text",      // or `unset: "what that means"`, or `verbatim: "…"`
///     parse: parser,        // fn(&str) -> Result<inner type, problem>
///     meaning: "one line",  // --help and the README table
///     redact: fn,           // optional: how Debug shows it (hidden from --help too)
/// },
/// ```
///
/// `default`: a blank or missing value reads the text instead (so `Type` is the parser's
/// output). `unset`: a blank or missing value is `None` (`Type` is an `Option`). Both trim
/// the value. `verbatim`: like `unset`, but a given value is parsed as it stands, blank
/// and surrounding spaces included (secrets: an empty `LIVEPLAN_JWT_SECRET` is a short
/// secret, not dev mode). An optional `flatten name: Type` after the rows adds clap
/// options of another struct.
///
/// It generates the struct, `SETTINGS` (the rows for the README), a struct of the typed
/// values and `values()`, which reads them, the first bad one failing with a
/// [`super::ConfigError`] that names its variable.
macro_rules! settings_table {
    (
        $(#[$outer:meta])*
        pub struct $args:ident => $values:ident {
            $(
                $field:ident: $ty:ty {
                    env: $env:literal,
                    $when:ident: $unset:expr,
                    parse: $parse:expr,
                    meaning: $meaning:literal,
                    $(redact: $redact:path,)?
                }
            ),* $(,)?
        }
        $(flatten $sub:ident: $sub_ty:ty)?
    ) => {
        $(#[$outer])*
        #[derive(Clone, Default, clap::Args)]
        pub struct $args {
            $(
                #[doc = $meaning]
                #[arg(
                    long,
                    env = $env,
                    default_value = settings_table!(@clap_default $when $unset),
                    hide_env_values = settings_table!(@hidden $($redact)?),
                )]
                pub $field: Option<String>,
            )*
            $(
                #[command(flatten)]
                pub $sub: $sub_ty,
            )?
        }

        #[doc = concat!("The values of [`", stringify!($args), "`], read and checked.")]
        pub struct $values {
            $(
                #[doc = $meaning]
                pub $field: $ty,
            )*
        }

        impl $args {
            /// The rows, as README.md's configuration table shows them.
            pub const SETTINGS: &'static [$crate::config::table::Setting] = &[
                $(
                    $crate::config::table::Setting {
                        env: $env,
                        field: stringify!($field),
                        unset: settings_table!(@unset $when $unset),
                        meaning: $meaning,
                    },
                )*
            ];

            /// Reads and checks every value (a flattened struct reads its own).
            pub fn values(&self) -> Result<$values, $crate::config::ConfigError> {
                Ok($values {
                    $(
                        $field: $crate::config::parse::$when(&self.$field, $env, $unset, $parse)?,
                    )*
                })
            }
        }

        impl std::fmt::Debug for $args {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut out = f.debug_struct(stringify!($args));
                $(
                    settings_table!(@debug out, stringify!($field), &self.$field $(, $redact)?);
                )*
                $(
                    out.field(stringify!($sub), &self.$sub);
                )?
                out.finish()
            }
        }
    };
    (@clap_default default $text:expr) => { Some($text) };
    (@clap_default $other:ident $text:expr) => { None::<&'static str> };
    (@unset default $text:expr) => { $crate::config::table::Unset::Default($text) };
    (@unset $other:ident $text:expr) => { $crate::config::table::Unset::Absent($text) };
    (@hidden) => { false };
    (@hidden $redact:path) => { true };
    (@debug $out:ident, $name:expr, $value:expr) => { $out.field($name, $value) };
    (@debug $out:ident, $name:expr, $value:expr, $redact:path) => {
        $out.field($name, &$redact($value))
    };
}

pub(crate) use settings_table;
