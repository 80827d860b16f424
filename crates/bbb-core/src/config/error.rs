//! The error a setting that cannot be used gives: which setting, and why, for a person.

use std::fmt;

/// A setting that cannot be used, with a message meant for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The setting at fault (a table name), when there is one.
    pub setting: Option<&'static str>,
    /// What is wrong, naming the setting as the person sees it.
    pub message: String,
}

impl ConfigError {
    /// An error about `setting`.
    pub fn new(setting: Option<&'static str>, message: String) -> Self {
        Self { setting, message }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}
